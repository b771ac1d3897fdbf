"""My week and a day of it (entries, targets, gaps, timer, submission), plus what the week's
buttons do: submit, recall, copy last week's activities, submit a ticket's time."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import can_log_for, can_pick_agent
from tallyhour.accounts.requests import PageRequest
from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput, NotFound
from tallyhour.core.htmx import done, render_page, safe_next
from tallyhour.core.pageerrors import back_on_error, errors_as_page
from tallyhour.core.templatetags.tally import hours
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets import selectors, services
from tallyhour.timesheets.forms import SubmitForm
from tallyhour.timetracking.forms import ChargeTypeChoices, EntryForm, TimerStartForm
from tallyhour.timetracking.models import TimeEntry, TimerState

DEFAULT_START = dt.time(9, 0)


# --- helpers shared by the timesheet pages ----------------------------------------------------


def agent_from(request: PageRequest, value: str | None) -> User:
    """The agent whose week is shown: the viewer, or one they may see (`?agent=<id>`)."""
    if not value or value == str(request.user.pk):
        return request.user
    if not value.isdigit():
        raise NotFound("No such agent.")
    agent = agents_visible_to(request.user).filter(user_id=int(value)).first()
    if agent is None:
        raise NotFound("No such agent, or you may not see their time.")
    return agent.user


def _agent_query(request: PageRequest, agent: User) -> str:
    return "" if agent.pk == request.user.pk else f"?{urlencode({'agent': agent.pk})}"


def week_url(request: PageRequest, agent: User, monday: dt.date) -> str:
    url = reverse("timesheets:week", args=[dates.format_week(monday)])
    return url + _agent_query(request, agent)


def posted_week(request: PageRequest, week: str) -> tuple[User, dt.date, str]:
    """A form posted to a week: whose week (the `agent` field), its Monday, and the week's page,
    where an error goes back to (home until the week is known)."""
    back_on_error(request, reverse("home"))
    agent = agent_from(request, request.POST.get("agent"))
    monday = dates.parse_week(week)
    back = week_url(request, agent, monday)
    back_on_error(request, back)
    return agent, monday, back


def zone_of(agent: User) -> Any:
    return dates.zone(selectors.profile_of(agent).timezone)


def monday_of(entry: TimeEntry, tz: Any) -> dt.date:
    return dates.week_start(dates.local_date(entry.started_at, tz))


def _week_in_path(week: str) -> dt.date:
    """A week named in the address: a malformed or impossible one is simply not there."""
    try:
        return dates.parse_week(week)
    except InvalidInput as exc:
        raise NotFound(exc.message) from exc


def _default_start(day: selectors.Day | None, tz: Any) -> dt.time:
    """Where the next entry of a day probably starts: when the day's last one ended."""
    if day is None or not day.entries:
        return DEFAULT_START
    last = max(day.entries, key=lambda e: e.ended_at)
    return last.ended_at.astimezone(tz).time().replace(second=0, microsecond=0)


def _new_entry_form(
    week: selectors.Week, tz: Any, day: dt.date | None, choices: ChargeTypeChoices
) -> EntryForm:
    today = dates.local_date(dates.now(), tz)
    if day is None or not week.monday <= day <= week.monday + dt.timedelta(days=6):
        day = today if week.monday <= today <= week.monday + dt.timedelta(days=6) else week.monday
    chosen = next((d for d in week.days if d.date == day), None)
    initial = {"date": day, "start": _default_start(chosen, tz)}
    return EntryForm(tz=tz, initial=initial, choices=choices)


def week_context(
    request: PageRequest,
    agent: User,
    monday: dt.date,
    *,
    entry_form: EntryForm | None = None,
    day: dt.date | None = None,
    grid_errors: dict[str, Any] | None = None,
) -> dict[str, Any]:
    week = selectors.week_for(agent, monday)
    tz = dates.zone(week.timezone)
    viewer = request.user
    own = agent.pk == viewer.pk
    can_edit = can_log_for(viewer, agent)
    today = dates.local_date(dates.now(), tz)
    context: dict[str, Any] = {
        "week": week,
        "week_label": week.label,
        "agent": agent,
        "own": own,
        "can_edit": can_edit,
        "tz": week.timezone,
        "today": today,
        "sunday": monday + dt.timedelta(days=6),
        "agent_query": _agent_query(request, agent),
        "prev_week": dates.format_week(monday - dt.timedelta(days=7)),
        "next_week": dates.format_week(monday + dt.timedelta(days=7)),
        "this_week": dates.format_week(dates.week_start(today)),
        "is_this_week": dates.week_start(today) == monday,
        "week_url": week_url(request, agent, monday),
        "grid_errors": grid_errors or {},  # refused grid cells by `<row key>:<day 0-6>`
    }
    choices = ChargeTypeChoices()  # both forms show the same charge types
    if can_edit:
        context["entry_form"] = entry_form or _new_entry_form(week, tz, day, choices)
    if own:
        timers = week.timers
        context["running_timer"] = next((t for t in timers if t.state == TimerState.RUNNING), None)
        context["paused_timers"] = [t for t in timers if t.state == TimerState.PAUSED]
        context["timer_form"] = TimerStartForm(choices=choices)
    if can_pick_agent(viewer):
        context["agent_choices"] = list(agents_visible_to(viewer).order_by("user__username"))
    return context


def week_fragment(
    request: PageRequest, agent: User, monday: dt.date, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The #week region plus out-of-band updates (messages, a fresh add-entry form)."""
    context = week_context(request, agent, monday, **extra)
    return render(request, "timesheets/partials/week_response.html", context, status=status)


# --- My week and a day ------------------------------------------------------------------------


@login_required
@require_GET
@errors_as_page
def week_page(request: PageRequest, week: str | None = None) -> HttpResponse:
    agent = agent_from(request, request.GET.get("agent"))
    if agent.pk == request.user.pk and not selectors.logs_time(agent):
        # No profile is made by looking: billing users have no week of their own.
        return render(request, "timesheets/no_time.html")
    if week:
        monday = _week_in_path(week)
    else:
        monday = dates.week_start(dates.local_date(dates.now(), zone_of(agent)))
    day = None
    if request.GET.get("date"):
        try:
            day = dt.date.fromisoformat(request.GET["date"])
        except ValueError:
            day = None
        if day is not None and dates.year_problem(day.year):
            day = None
    context = week_context(request, agent, monday, day=day)
    return render_page(request, "timesheets/week.html", "timesheets/week/region.html", context)


@login_required
@require_GET
@errors_as_page
def day_page(request: PageRequest, day: str) -> HttpResponse:
    agent = agent_from(request, request.GET.get("agent"))
    if agent.pk == request.user.pk and not selectors.logs_time(agent):
        # No profile is made by looking: billing users have no week of their own.
        return render(request, "timesheets/no_time.html")
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise NotFound("No such day.") from exc
    if dates.year_problem(date.year):
        raise NotFound("No such day.")
    monday = dates.week_start(date)
    context = week_context(request, agent, monday, day=date)
    context["day"] = next(d for d in context["week"].days if d.date == date)
    context["prev_day"] = (date - dt.timedelta(days=1)).isoformat()
    context["next_day"] = (date + dt.timedelta(days=1)).isoformat()
    return render(request, "timesheets/day.html", context)


# --- submitting and copying -------------------------------------------------------------------


@login_required
@require_POST
def submit_week(request: PageRequest, week: str) -> HttpResponse:
    agent, monday, back = posted_week(request, week)
    form = SubmitForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    submission = services.submission_submit(
        agent=agent,
        week_start=monday,
        actor=request.user,
        comment=comment,
        require_gap_reason=True,
    )
    assert submission.through is not None  # a week's submission names its last day
    days = (
        "the week"
        if submission.through == monday + dt.timedelta(days=6)
        else (f"up to {submission.through:%a %d %b}")
    )
    return done(
        request,
        f"Week {dates.format_week(monday)} submitted for approval, {days} "
        f"({hours(submission.total_seconds)} logged).",
        back,
    )


@login_required
@require_POST
def recall_submission(request: PageRequest, submission_id: int) -> HttpResponse:
    back_on_error(request, reverse("home"))
    submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
    back = (
        week_url(request, submission.agent, submission.week_start)
        if submission.week_start
        else reverse("home")
    )
    services.submission_recall(submission=submission, actor=request.user)
    return done(request, "Submission recalled; the week's entries are editable again.", back)


@login_required
@require_POST
def copy_last_week(request: PageRequest, week: str) -> HttpResponse:
    agent, monday, back = posted_week(request, week)
    created, skipped = services.week_copy_previous_activities(
        agent=agent, week_start=monday, actor=request.user
    )
    message = f"Copied {len(created)} entr{'y' if len(created) == 1 else 'ies'} from last week."
    if skipped:
        message += f" Skipped {skipped} (overlapping, or on a day off)."
    return done(request, message, back)


@login_required
@require_POST
def submit_ticket(request: PageRequest, ticket_id: int) -> HttpResponse:
    back = safe_next(request, reverse("home"))
    back_on_error(request, back)
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound("No such ticket.")
    submission = services.submission_submit_ticket(
        ticket=ticket, agent=request.user, actor=request.user
    )
    return done(
        request,
        f"Time on ticket #{ticket_id} submitted ({hours(submission.total_seconds)}).",
        back,
    )
