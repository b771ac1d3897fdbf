"""My week (entries, targets, gaps, timer, submission), inline entry edits, and approvals."""

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from tallyhour.accounts import services as account_services
from tallyhour.accounts.calendars import calendar_for
from tallyhour.accounts.models import Leave, LeaveKind, Role, User
from tallyhour.accounts.requests import PageRequest
from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.core import dates
from tallyhour.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tallyhour.core.forms import parse_duration
from tallyhour.core.htmx import done, error_page, error_response, render_page, safe_next
from tallyhour.core.templatetags.tally import hours
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets import selectors, services
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking import services as tracking
from tallyhour.timetracking.models import TimeEntry, TimerState
from tallyhour.timetracking.selectors import time_entry_get
from tallyhour.timetracking.views import EntryForm, FormChoices, TimerStartForm

DEFAULT_START = dt.time(9, 0)


# --- helpers --------------------------------------------------------------------------------


def _agent_from(request: PageRequest, value: str | None) -> User:
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


def _zone_of(agent: User) -> Any:
    return dates.zone(selectors.profile_of(agent).timezone)


def _week_in_path(week: str) -> dt.date:
    """A week named in the address: a malformed or impossible one is simply not there."""
    try:
        return dates.parse_week(week)
    except InvalidInput as exc:
        raise NotFound(exc.message) from exc


def _monday_of(entry: TimeEntry, tz: Any) -> dt.date:
    return dates.week_start(dates.local_date(entry.started_at, tz))


def _may_log_for(viewer: User, agent: User) -> bool:
    return viewer.pk == agent.pk or viewer.is_admin_role


def _default_start(day: selectors.Day | None, tz: Any) -> dt.time:
    """Where the next entry of a day probably starts: when the day's last one ended."""
    if day is None or not day.entries:
        return DEFAULT_START
    last = max(day.entries, key=lambda e: e.ended_at)
    return last.ended_at.astimezone(tz).time().replace(second=0, microsecond=0)


def _new_entry_form(
    week: selectors.Week, tz: Any, day: dt.date | None, choices: FormChoices
) -> EntryForm:
    today = dates.local_date(dates.now(), tz)
    if day is None or not week.monday <= day <= week.monday + dt.timedelta(days=6):
        day = today if week.monday <= today <= week.monday + dt.timedelta(days=6) else week.monday
    chosen = next((d for d in week.days if d.date == day), None)
    initial = {"date": day, "start": _default_start(chosen, tz)}
    return EntryForm(tz=tz, initial=initial, choices=choices)


def _week_context(
    request: PageRequest,
    agent: User,
    monday: dt.date,
    *,
    entry_form: EntryForm | None = None,
    day: dt.date | None = None,
) -> dict[str, Any]:
    week = selectors.week_for(agent, monday)
    tz = dates.zone(week.timezone)
    viewer = request.user
    own = agent.pk == viewer.pk
    can_edit = _may_log_for(viewer, agent)
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
    }
    choices = FormChoices()  # both forms show the same tickets and charge types
    if can_edit:
        context["entry_form"] = entry_form or _new_entry_form(week, tz, day, choices)
    if own:
        timers = week.timers
        context["running_timer"] = next((t for t in timers if t.state == TimerState.RUNNING), None)
        context["paused_timers"] = [t for t in timers if t.state == TimerState.PAUSED]
        context["timer_form"] = TimerStartForm(choices=choices)
    if viewer.role in (Role.APPROVER, Role.BILLING, Role.ADMIN) or viewer.is_admin_role:
        context["agent_choices"] = list(agents_visible_to(viewer).order_by("user__username"))
    return context


def _week_fragment(
    request: PageRequest, agent: User, monday: dt.date, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The #week region plus out-of-band updates (messages, a fresh add-entry form)."""
    context = _week_context(request, agent, monday, **extra)
    return render(request, "timesheets/partials/week_response.html", context, status=status)


# --- My week --------------------------------------------------------------------------------


@login_required
@require_GET
def week_page(request: PageRequest, week: str | None = None) -> HttpResponse:
    try:
        agent = _agent_from(request, request.GET.get("agent"))
        if week:
            monday = _week_in_path(week)
        else:
            monday = dates.week_start(dates.local_date(dates.now(), _zone_of(agent)))
        day = None
        if request.GET.get("date"):
            try:
                day = dt.date.fromisoformat(request.GET["date"])
            except ValueError:
                day = None
    except DomainError as exc:
        return error_page(request, exc)
    context = _week_context(request, agent, monday, day=day)
    return render_page(request, "timesheets/week.html", "timesheets/partials/week.html", context)


# --- time entries ---------------------------------------------------------------------------


@login_required
@require_POST
def entry_create(request: PageRequest) -> HttpResponse:
    try:
        agent = _agent_from(request, request.POST.get("agent"))
        shown = dates.parse_week(request.POST.get("week", ""))
    except DomainError as exc:
        return error_response(request, exc)
    tz = _zone_of(agent)
    form = EntryForm(request.POST, tz=tz)
    status = 422
    if form.is_valid():
        try:
            entry = tracking.time_entry_create(
                agent=agent, actor=request.user, **form.create_kwargs()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status
        else:
            monday = _monday_of(entry, tz)
            when = entry.started_at.astimezone(tz)
            messages.success(
                request, f"Logged {hours(entry.worked_seconds)} on {when:%a %d %b} at {when:%H:%M}."
            )
            if request.htmx and monday == shown:
                return _week_fragment(request, agent, monday, day=when.date())
            if request.htmx:
                return HttpResponseClientRedirect(week_url(request, agent, monday))
            return redirect(week_url(request, agent, monday))
    if request.htmx:
        response = render(
            request,
            "timesheets/partials/entry_form.html",
            {"entry_form": form, "agent": agent, "week_label": dates.format_week(shown)},
            status=status,
        )
        retarget(response, "#entry-form")
        reswap(response, "outerHTML")
        return response
    context = _week_context(request, agent, shown, entry_form=form)
    return render(request, "timesheets/week.html", context, status=status)


def _entry_for_change(request: PageRequest, entry_id: int) -> TimeEntry:
    entry = time_entry_get(actor=request.user, entry_id=entry_id)
    if not _may_log_for(request.user, entry.agent):
        raise Forbidden("You can only change your own time.")
    return entry


@login_required
@require_GET
def entry_row(request: PageRequest, entry_id: int) -> HttpResponse:
    """One entry as shown in the week (what Cancel puts back after an inline edit)."""
    try:
        entry = time_entry_get(actor=request.user, entry_id=entry_id)
    except DomainError as exc:
        return error_response(request, exc)
    tz = _zone_of(entry.agent)
    if not request.htmx:
        return entry_history_page(request, entry, tz)
    context = {"entry": entry, "tz": str(tz), "can_edit": _may_log_for(request.user, entry.agent)}
    return render(request, "timesheets/partials/entry_row.html", context)


def entry_history_page(request: PageRequest, entry: TimeEntry, tz: Any) -> HttpResponse:
    """The entry with its audit history: who changed what, when, and why."""
    entry, history = selectors.time_entry_history(actor=request.user, entry_id=entry.pk)
    context = {
        "entry": entry,
        "history": history,
        "tz": str(tz),
        "week_url": week_url(request, entry.agent, _monday_of(entry, tz)),
        "can_write_off": _may_decide(request.user, entry.agent) and entry.is_billable,
    }
    return render(request, "timesheets/entry_history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: PageRequest, entry_id: int) -> HttpResponse:
    """GET: the edit form (inline fragment, or a page without htmx). POST: save it."""
    try:
        entry = _entry_for_change(request, entry_id)
        if not entry.is_editable:
            raise Conflict(
                f"Time entry {entry.pk} is {entry.get_state_display().lower()} "
                "and cannot be edited now."
            )
    except DomainError as exc:
        return error_response(request, exc)
    tz = _zone_of(entry.agent)
    auto_id = f"e{entry.pk}_%s"
    status = 200
    if request.method == "POST":
        form = EntryForm(request.POST, tz=tz, entry=entry, auto_id=auto_id)
        status = 422
        if form.is_valid():
            try:
                entry = tracking.time_entry_update(
                    entry=entry, actor=request.user, changes=form.changes()
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status
            else:
                messages.success(request, "Entry saved.")
                monday = _monday_of(entry, tz)
                if request.htmx:
                    return _week_fragment(request, entry.agent, monday)
                return redirect(week_url(request, entry.agent, monday))
    else:
        form = EntryForm(tz=tz, entry=entry, auto_id=auto_id)
    context = {
        "entry": entry,
        "form": form,
        "tz": str(tz),
        "week_url": week_url(request, entry.agent, _monday_of(entry, tz)),
    }
    response = render_page(
        request,
        "timesheets/entry_edit.html",
        "timesheets/partials/entry_edit.html",
        context,
        status=status,
    )
    if request.htmx and request.method == "POST":
        retarget(response, f"#entry-{entry.pk}")
        reswap(response, "outerHTML")
    return response


@login_required
@require_POST
def entry_delete(request: PageRequest, entry_id: int) -> HttpResponse:
    try:
        entry = _entry_for_change(request, entry_id)
        agent, tz = entry.agent, _zone_of(entry.agent)
        monday = _monday_of(entry, tz)
        tracking.time_entry_delete(entry=entry, actor=request.user)
    except DomainError as exc:
        return error_response(request, exc, back_to=reverse("home"))
    messages.success(request, "Entry deleted.")
    if request.htmx:
        return _week_fragment(request, agent, monday)
    return redirect(week_url(request, agent, monday))


# --- submissions ----------------------------------------------------------------------------


class SubmitForm(forms.Form):
    comment = forms.CharField(required=False, max_length=2000)


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
        error_messages={"required": "Give a reason for the rejection."},
    )


@login_required
@require_POST
def submit_week(request: PageRequest, week: str) -> HttpResponse:
    try:
        agent = _agent_from(request, request.POST.get("agent"))
        monday = dates.parse_week(week)
    except DomainError as exc:
        return error_response(request, exc, back_to=reverse("home"))
    back = week_url(request, agent, monday)
    form = SubmitForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        submission = services.submission_submit(
            agent=agent,
            week_start=monday,
            actor=request.user,
            comment=comment,
            require_gap_reason=True,
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(
        request,
        f"Week {dates.format_week(monday)} submitted for approval "
        f"({hours(submission.total_seconds)} logged).",
        back,
    )


@login_required
@require_POST
def recall_submission(request: PageRequest, submission_id: int) -> HttpResponse:
    try:
        submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
        back = (
            week_url(request, submission.agent, submission.week_start)
            if submission.week_start
            else reverse("home")
        )
        services.submission_recall(submission=submission, actor=request.user)
    except DomainError as exc:
        return error_response(request, exc, back_to=reverse("home"))
    return done(request, "Submission recalled; the week's entries are editable again.", back)


# --- approvals ------------------------------------------------------------------------------


def _check_approver(user: User) -> None:
    if user.role != Role.APPROVER and not user.is_admin_role:
        raise Forbidden("Approvals are for approvers and admins.")


def _may_decide(viewer: User, agent: User) -> bool:
    return viewer.pk != agent.pk and (viewer.role == Role.APPROVER or viewer.is_admin_role)


class WriteOffForm(forms.Form):
    billable = forms.CharField(max_length=16, label="Bill")
    reason = forms.CharField(max_length=2000, error_messages={"required": "Give a reason."})

    def clean_billable(self) -> int:
        minutes = parse_duration(self.cleaned_data["billable"])
        if minutes is None:
            raise forms.ValidationError("Enter time like 1:30, 90m or 1.5h (0 writes it all off).")
        return minutes * 60


class ReopenForm(forms.Form):
    reason = forms.CharField(max_length=2000, error_messages={"required": "Give a reason."})


def _queue_item(user: User, submission_id: int) -> selectors.QueueItem | None:
    return next(iter(selectors.approval_queue_items(user, only=submission_id)), None)


@login_required
@require_GET
def approvals(request: PageRequest) -> HttpResponse:
    try:
        _check_approver(request.user)
    except DomainError as exc:
        return error_page(request, exc)
    context = {
        "queue": selectors.approval_queue_items(request.user),
        "reject_form": RejectForm(),
        "approved": selectors.reopenable_submissions(request.user),
    }
    return render(request, "timesheets/approvals.html", context)


def _scope(submission: Submission) -> str:
    if submission.week_start is not None:
        return f"week {dates.format_week(submission.week_start)}"
    return f"time on ticket #{submission.ticket_id}"


def _decided(request: PageRequest, submission: Submission, message: str) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "timesheets/partials/approval_decided.html",
            {"submission": submission, "message": message},
        )
    return done(request, message, reverse("timesheets:approvals"))


def _card(
    request: PageRequest,
    submission_id: int,
    *,
    form: forms.Form | None = None,
    status: int = 200,
    message: str = "",
) -> HttpResponse:
    item = _queue_item(request.user, submission_id)
    if item is None:
        return error_response(request, NotFound("This submission is no longer waiting."))
    if message:
        messages.success(request, message)
    context = {"item": item, "reject_form": form or RejectForm(), "oob_messages": bool(message)}
    return render(request, "timesheets/partials/approval_card.html", context, status=status)


@login_required
@require_POST
def approve(request: PageRequest, submission_id: int) -> HttpResponse:
    back = reverse("timesheets:approvals")
    try:
        submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
        submission = services.submission_approve(submission=submission, actor=request.user)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return _decided(
        request, submission, f"Approved {submission.agent.display_name}'s {_scope(submission)}."
    )


@login_required
@require_POST
def bulk_approve(request: PageRequest) -> HttpResponse:
    back = reverse("timesheets:approvals")
    ids = [int(v) for v in request.POST.getlist("submission_ids") if v.isdigit()]
    try:
        chosen = list(selectors.approval_queue(request.user).filter(pk__in=ids))
        if len(chosen) != len(set(ids)):
            raise NotFound("Some of these submissions are no longer waiting for you.")
        approved = services.submissions_bulk_approve(submissions=chosen, actor=request.user)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    if request.htmx:
        messages.success(request, f"Approved {len(approved)} submissions.")
        return HttpResponseClientRedirect(back)
    plural = "" if len(approved) == 1 else "s"
    return done(request, f"Approved {len(approved)} submission{plural}.", back)


@login_required
@require_POST
def reject(request: PageRequest, submission_id: int) -> HttpResponse:
    """Reject the whole submission, or (scope=selected) return the ticked entries."""
    back = reverse("timesheets:approvals")
    form = RejectForm(request.POST)
    selected = request.POST.get("scope") == "selected"
    if not form.is_valid():
        if request.htmx:
            return _card(request, submission_id, form=form, status=422)
        error = InvalidInput("Give a reason for the rejection.", fields={"reason": "required"})
        return error_response(request, error, back_to=back)
    reason = form.cleaned_data["reason"]
    try:
        submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
        if selected:
            ids = [int(v) for v in request.POST.getlist("entry_ids") if v.isdigit()]
            entries = list(submission.entries.filter(pk__in=ids))
            submission = services.submission_reject_entries(
                submission=submission, entries=entries, actor=request.user, reason=reason
            )
        else:
            submission = services.submission_reject(
                submission=submission, actor=request.user, reason=reason
            )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    name = submission.agent.display_name
    if selected and submission.state == "submitted":
        message = f"Returned {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} to {name}."
        if request.htmx:
            return _card(request, submission.pk, message=message)
        return done(request, message, back)
    return _decided(
        request,
        submission,
        f"Rejected {name}'s {_scope(submission)}; the entries are back with them.",
    )


@login_required
@require_POST
def write_off(request: PageRequest, entry_id: int) -> HttpResponse:
    back = reverse("timesheets:approvals")
    form = WriteOffForm(request.POST)
    try:
        entry = time_entry_get(actor=request.user, entry_id=entry_id)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise InvalidInput(" ".join(str(e) for e in errors), fields={field: "invalid"})
        entry = services.time_entry_write_off(
            entry=entry,
            actor=request.user,
            billable_seconds=form.cleaned_data["billable"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=request.POST.get("next") or back)
    message = (
        f"Entry {entry.pk}: billing {hours(entry.billable_seconds)} of "
        f"{hours(entry.worked_seconds)} worked."
    )
    if request.htmx and entry.submission_id and entry.state == "submitted":
        return _card(request, entry.submission_id, message=message)
    if request.htmx:
        messages.success(request, message)
        return HttpResponseClientRedirect(reverse("timesheets:time_entry_row", args=[entry.pk]))
    return done(request, message, safe_next(request, back))


@login_required
@require_POST
def reopen(request: PageRequest, submission_id: int) -> HttpResponse:
    back = reverse("timesheets:approvals")
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput("Give a reason for reopening.", fields={"reason": "required"})
        submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
        submission = services.submission_reopen(
            submission=submission, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(
        request,
        f"Reopened {submission.agent.display_name}'s {_scope(submission)}; it waits for a "
        "new decision.",
        back,
    )


# --- day view, copying, per-ticket submission -------------------------------------------------


@login_required
@require_GET
def day_page(request: PageRequest, day: str) -> HttpResponse:
    try:
        agent = _agent_from(request, request.GET.get("agent"))
        try:
            date = dt.date.fromisoformat(day)
        except ValueError as exc:
            raise NotFound("No such day.") from exc
    except DomainError as exc:
        return error_page(request, exc)
    monday = dates.week_start(date)
    context = _week_context(request, agent, monday, day=date)
    context["day"] = next(d for d in context["week"].days if d.date == date)
    context["prev_day"] = (date - dt.timedelta(days=1)).isoformat()
    context["next_day"] = (date + dt.timedelta(days=1)).isoformat()
    return render(request, "timesheets/day.html", context)


@login_required
@require_POST
def copy_last_week(request: PageRequest, week: str) -> HttpResponse:
    try:
        agent = _agent_from(request, request.POST.get("agent"))
        monday = dates.parse_week(week)
    except DomainError as exc:
        return error_response(request, exc, back_to=reverse("home"))
    back = week_url(request, agent, monday)
    try:
        created, skipped = services.week_copy_previous_activities(
            agent=agent, week_start=monday, actor=request.user
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    message = f"Copied {len(created)} entr{'y' if len(created) == 1 else 'ies'} from last week."
    if skipped:
        message += f" Skipped {skipped} (overlapping, or on a day off)."
    return done(request, message, back)


@login_required
@require_POST
def submit_ticket(request: PageRequest, ticket_id: int) -> HttpResponse:
    back = safe_next(request, reverse("home"))
    try:
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound("No such ticket.")
        submission = services.submission_submit_ticket(
            ticket=ticket, agent=request.user, actor=request.user
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(
        request,
        f"Time on ticket #{ticket_id} submitted ({hours(submission.total_seconds)}).",
        back,
    )


# --- leave ------------------------------------------------------------------------------------


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(choices=LeaveKind.choices, label="Kind")
    first_day = forms.DateField(
        label="First day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label="Last day",
        required=False,
        help_text="Empty for one day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        help_text="Empty for whole days",
    )
    note = forms.CharField(required=False, max_length=200)


@login_required
@require_http_methods(["GET", "POST"])
def leave_page(request: PageRequest) -> HttpResponse:
    profile = tracking.agent_profile(request.user)
    form = LeaveForm(request.POST or None, label_suffix="")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                leave = account_services.leave_create(
                    agent=profile,
                    actor=request.user,
                    kind=data["kind"],
                    first_day=data["first_day"],
                    last_day=data["last_day"],
                    hours=data["hours"],
                    note=data["note"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
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
        "leaves": Leave.objects.filter(agent=profile).order_by("-first_day")[:50],
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
    try:
        leave = Leave.objects.filter(pk=leave_id, agent__user=request.user).first()
        if leave is None:
            raise NotFound("No such leave.")
        account_services.leave_delete(leave=leave, actor=request.user)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(request, "Leave removed.", back)
