"""Leave: record days off (whole or part days), see upcoming holidays, remove leave."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tallyhour.accounts import services as account_services
from tallyhour.accounts.calendars import calendar_for
from tallyhour.accounts.models import Leave
from tallyhour.accounts.requests import PageRequest
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.core.htmx import done
from tallyhour.core.pageerrors import back_on_error, form_submit
from tallyhour.timesheets import selectors
from tallyhour.timesheets.forms import LeaveForm
from tallyhour.timetracking import services as tracking


@login_required
@require_http_methods(["GET", "POST"])
def leave_page(request: PageRequest) -> HttpResponse:
    # Recording leave makes the agent profile; looking at the page does not.
    profile = selectors.profile_of(request.user)
    form = LeaveForm(request.POST or None, label_suffix="")
    status = 200
    if request.method == "POST":

        def record() -> Leave:
            data = form.cleaned_data
            return account_services.leave_create(
                agent=tracking.agent_profile(request.user),
                actor=request.user,
                kind=data["kind"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                hours=data["hours"],
                note=data["note"],
            )

        leave, status = form_submit(form, record)
        if leave is not None:
            return done(
                request,
                f"{leave.get_kind_display()} recorded: {leave.first_day:%a %d %b}"
                + (f" – {leave.last_day:%a %d %b}" if leave.last_day != leave.first_day else "")
                + ".",
                reverse("timesheets:leave"),
            )
    today = dates.local_date(dates.now(), dates.zone(profile.timezone))
    horizon = today + dt.timedelta(days=120)
    context = {
        "form": form,
        "leaves": Leave.objects.filter(agent_id=request.user.pk).order_by("-first_day")[:50],
        "upcoming": [
            day for day in calendar_for(profile, today, horizon) if day.holiday or day.closure
        ][:10],
        "today": today,
    }
    return render(request, "timesheets/leave.html", context, status=status)


@login_required
@require_POST
def leave_delete(request: PageRequest, leave_id: int) -> HttpResponse:
    back = reverse("timesheets:leave")
    back_on_error(request, back)
    leave = Leave.objects.filter(pk=leave_id, agent__user=request.user).first()
    if leave is None:
        raise NotFound("No such leave.")
    account_services.leave_delete(leave=leave, actor=request.user)
    return done(request, "Leave removed.", back)
