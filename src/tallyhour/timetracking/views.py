"""Timer buttons (start, pause, resume, stop); the forms that capture time are in forms.py."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from tallyhour.accounts.requests import PageRequest
from tallyhour.core.errors import InvalidInput
from tallyhour.core.htmx import done, safe_next
from tallyhour.core.pageerrors import back_on_error
from tallyhour.core.templatetags.tally import hours
from tallyhour.timetracking import timers
from tallyhour.timetracking.forms import TimerStartForm
from tallyhour.timetracking.selectors import timer_get


def _home(request: PageRequest) -> str:
    """Back where the button was (errors too), else My week."""
    back = safe_next(request, reverse("home"))
    back_on_error(request, back)
    return back


def _timer_label(timer: Any) -> str:
    if timer.ticket_id:
        return f"#{timer.ticket_id} {timer.ticket.summary}"
    return timer.charge_type.name if timer.charge_type_id else "the timer"


@login_required
@require_POST
def timer_start(request: PageRequest) -> HttpResponse:
    back = _home(request)
    form = TimerStartForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("; ".join(str(e) for errs in form.errors.values() for e in errs))
    timer = timers.timer_start(
        agent=request.user,
        actor=request.user,
        ticket=form.cleaned_data["ticket"],
        charge_type=form.cleaned_data["charge_type"],
        note=form.cleaned_data["note"],
    )
    return done(request, f"Timer started for {_timer_label(timer)}.", back)


@login_required
@require_POST
def timer_stop(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    timer = timer_get(actor=request.user, timer_id=timer_id)
    label = _timer_label(timer)
    entry = timers.timer_stop(timer=timer, actor=request.user)
    if entry is None:
        return done(request, f"Stopped {label}; under a second, so nothing was logged.", back)
    worked = entry.worked_seconds
    shown = hours(worked, "long") if worked < 60 else hours(worked)
    return done(request, f"Logged {shown} to {label}.", back)


@login_required
@require_POST
def timer_pause(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    timer = timers.timer_pause(
        timer=timer_get(actor=request.user, timer_id=timer_id), actor=request.user
    )
    return done(request, f"Paused {_timer_label(timer)}.", back)


@login_required
@require_POST
def timer_resume(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    timer = timers.timer_resume(
        timer=timer_get(actor=request.user, timer_id=timer_id), actor=request.user
    )
    return done(request, f"Resumed {_timer_label(timer)}.", back)
