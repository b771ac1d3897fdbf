"""Timer buttons (start, pause, resume) and the stop dialog; the forms are in forms.py."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tallyhour.accounts.models import Organisation
from tallyhour.accounts.requests import PageRequest
from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput
from tallyhour.core.htmx import done, render_page, safe_next
from tallyhour.core.pageerrors import back_on_error, form_call
from tallyhour.servicedesk.holds import capture_hold, capture_release
from tallyhour.timetracking import capture, timers
from tallyhour.timetracking.forms import TimerStartForm, TimerStopForm
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
    if timer.ticket_id:
        capture_release(request, timer.ticket_id)
    return done(request, f"Timer started for {_timer_label(timer)}.", back)


def _stopped_message(label: str, entry: Any) -> str:
    if entry is None:
        return f"Stopped {label}; nothing was logged."
    return f"Logged {dates.duration_text(entry.worked_seconds)} to {label}."


@login_required
@require_http_methods(["GET", "POST"])
def timer_stop(request: PageRequest, timer_id: int) -> HttpResponse:
    """The stop dialog (GET: the form, a whole page without JavaScript) and its answer: the
    timer's time logged as a note on its ticket or as an entry, or discarded. A timer gone
    meanwhile (stopped in another tab) is a message where the button was."""
    back = _home(request)
    timer = timer_get(actor=request.user, timer_id=timer_id)
    counted = timer.elapsed_seconds(dates.now())
    offered = dates.duration_text(counted)
    form = TimerStopForm(
        request.POST or None,
        has_ticket=timer.ticket_id is not None,
        initial={"time": offered, "offered": offered},
    )
    status = 200
    if request.method == "POST":
        message, status = _stop(request, form, timer)
        if message is not None:
            if timer.ticket_id:
                capture_hold(request, timer.ticket_id)
            return done(request, message, back)
    context = {
        "form": form,
        "timer": timer,
        "counted": counted,
        "discard_seconds": Organisation.current().timer_discard_seconds,
        "next": back,
    }
    return render_page(
        request,
        "timetracking/timer_stop.html",
        "timetracking/partials/stop_form.html",
        context,
        status=status,
    )


def _stop(request: PageRequest, form: TimerStopForm, timer: Any) -> tuple[str | None, int]:
    """Stop as the form asks: (the message to flash, 200), or (None, the error status) with
    the refusal shown in the form."""
    label = _timer_label(timer)
    if request.POST.get("discard"):
        timers.timer_stop(timer=timer, actor=request.user, discard=True)
        return f"Discarded the timer on {label}.", 200
    if not form.is_valid():
        return None, 422
    data = form.cleaned_data
    if "log_as" in form.fields and form.as_action:
        action, status = form_call(
            form,
            capture.timer_stop_as_action,
            timer=timer,
            actor=request.user,
            note=data["note"],
            seconds=form.seconds(),
            client_visible=data.get("client_visible", False),
        )
        if status != 200:
            return None, status
        entry = action.time_entry if action is not None else None
        return _stopped_message(label, entry), 200
    entry, status = form_call(
        form,
        timers.timer_stop,
        timer=timer,
        actor=request.user,
        note=data["note"],
        seconds=form.seconds(),
    )
    return (_stopped_message(label, entry), 200) if status == 200 else (None, status)


@login_required
@require_POST
def timer_pause(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    timer = timers.timer_pause(
        timer=timer_get(actor=request.user, timer_id=timer_id), actor=request.user
    )
    if timer.ticket_id:
        capture_hold(request, timer.ticket_id)
    return done(request, f"Paused {_timer_label(timer)}.", back)


@login_required
@require_POST
def timer_resume(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    timer = timers.timer_resume(
        timer=timer_get(actor=request.user, timer_id=timer_id), actor=request.user
    )
    if timer.ticket_id:
        capture_release(request, timer.ticket_id)
    return done(request, f"Resumed {_timer_label(timer)}.", back)
