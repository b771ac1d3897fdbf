"""Writes for submissions: submit (weekly or per ticket), recall, approve, reject (whole or
single entries), write off, reopen and bulk approve. Approval locks entries.

Every state change is audited twice over: one row on the submission, and one row per entry it
moves, so an entry's own history tells its whole story.

Reopening an approved submission puts it back to *submitted*: the approver who reopened it
decides again (approve after a write-off, or reject entries back to the agent with a reason).
While it waits the agent may also recall it, exactly as before the first decision.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse

from tallyhour.accounts.calendars import calendars_by_agent
from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.selectors import approvers_of, can_approve
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.core.events import event_emit
from tallyhour.core.models import AuditEntry
from tallyhour.core.notices import notice_send
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.models import Submission, SubmissionKind, SubmissionState
from tallyhour.timetracking.locks import lock_date_check
from tallyhour.timetracking.models import EDITABLE_STATES, EntryState, TimeEntry, Timer, TimerState
from tallyhour.timetracking.services import agent_profile, lock_agent, time_entry_create

SUBMISSION_FIELDS = [
    "agent",
    "kind",
    "week_start",
    "ticket",
    "state",
    "decided_by",
    "decided_at",
    "reason",
    "comment",
]
ENTRY_LABEL = TimeEntry._meta.label_lower


def _emit(event: str, submission: Submission) -> None:
    """Queue a webhook for the submission's new state (inside the caller's transaction)."""
    event_emit(
        event,
        {
            "id": submission.pk,
            "agent_id": submission.agent_id,
            "kind": submission.kind,
            "week": dates.format_week(submission.week_start) if submission.week_start else None,
            "ticket_id": submission.ticket_id,
            "state": submission.state,
            "worked_seconds": submission.total_seconds,
            "billable_seconds": submission.billable_seconds,
            "gap_seconds": submission.gap_seconds,
            "reason": submission.reason,
        },
    )


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.2f} h"


def _lock_submission(submission: Submission) -> Submission:
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("agent", "ticket")
        .get(pk=submission.pk)
    )


def _audit_entries(
    *,
    actor: User,
    action: str,
    entries: Iterable[TimeEntry],
    after: dict[str, Any],
    reason: str = "",
) -> None:
    """One audit row per entry whose state moves, written in one query."""
    rows = [
        AuditEntry(
            actor=actor,
            action=action,
            object_type=ENTRY_LABEL,
            object_id=str(entry.pk),
            before={"state": entry.state, "submission": entry.submission_id},
            after=after,
            reason=reason,
        )
        for entry in entries
    ]
    AuditEntry.objects.bulk_create(rows)


def _refresh_totals(submission: Submission) -> None:
    """Totals count the entries still in the submission (returned ones drop out)."""
    totals = submission.entries.exclude(state=EntryState.REJECTED).aggregate(
        w=Sum("worked_seconds"), b=Sum("billable_seconds")
    )
    submission.total_seconds, submission.billable_seconds = totals["w"] or 0, totals["b"] or 0
    submission.save(update_fields=["total_seconds", "billable_seconds"])


def week_target_and_gap(agent: User, monday: dt.date) -> tuple[int, int]:
    """The week's target seconds and its gap: per day, target not covered by logged time."""
    profile = agent_profile(agent)
    tz = dates.zone(profile.timezone)
    sunday = monday + dt.timedelta(days=6)
    start, end = dates.day_range(monday, sunday, tz)
    logged: dict[dt.date, int] = defaultdict(int)
    rows = TimeEntry.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end)
    for started_at, seconds in rows.values_list("started_at", "worked_seconds"):
        logged[dates.local_date(started_at, tz)] += seconds
    calendar = calendars_by_agent([profile], monday, sunday)[agent.pk]
    target = sum(day.target_seconds for day in calendar)
    gap = sum(max(0, day.target_seconds - logged[day.day]) for day in calendar)
    return target, gap


def _notify_approvers(submission: Submission, now: dt.datetime) -> None:
    scope = (
        f"week {dates.format_week(submission.week_start)}"
        if submission.week_start
        else f"ticket #{submission.ticket_id}"
    )
    text = (
        f"{submission.agent.display_name} submitted {scope} for approval "
        f"({_hours(submission.total_seconds)} logged"
        + (f", {_hours(submission.gap_seconds)} gap" if submission.gap_seconds else "")
        + ")."
    )
    for approver in approvers_of(submission.agent):
        if approver.pk != submission.agent_id:
            notice_send(
                user=approver,
                text=text,
                url=reverse("timesheets:approvals"),
                subject="timesheet to approve",
                now=now,
            )


def _notify_rejected(
    submission: Submission, actor: User, reason: str, now: dt.datetime, count: int
) -> None:
    what = "your timesheet" if count == 0 else f"{count} of your time entries"
    notice_send(
        user=submission.agent,
        text=f"{actor.display_name} returned {what}: {reason}",
        url=reverse("home"),
        subject="time returned",
        now=now,
    )


def _check_no_running_timer(agent: User, ticket: Ticket | None = None) -> None:
    running = Timer.objects.filter(agent=agent, state=TimerState.RUNNING)
    if ticket is not None:
        running = running.filter(ticket=ticket)
    if running.exists():
        raise Conflict("Stop your running timer before submitting.", code="timer_running")


def _create_submission(**fields: Any) -> Submission:
    try:
        with transaction.atomic():
            return Submission.objects.create(**fields)
    except IntegrityError as exc:
        raise Conflict("This week is already submitted.", code="already_submitted") from exc


def _attach(submission: Submission, ids: list[int], actor: User, entries: list[TimeEntry]) -> None:
    _audit_entries(
        actor=actor,
        action="time_entry.submit",
        entries=entries,
        after={"state": EntryState.SUBMITTED, "submission": submission.pk},
    )
    TimeEntry.objects.filter(pk__in=ids).update(
        state=EntryState.SUBMITTED, submission=submission, rejection_reason=""
    )
    _refresh_totals(submission)
    audit_record(
        actor=actor,
        action="submission.submit",
        obj=submission,
        after={**snapshot(submission, SUBMISSION_FIELDS), "entries": ids},
    )
    _emit("submission.submitted", submission)


@transaction.atomic
def submission_submit(
    *,
    agent: User,
    week_start: dt.date,
    actor: User,
    comment: str = "",
    require_gap_reason: bool = False,
    now: dt.datetime | None = None,
) -> Submission:
    """Send the agent's week (Monday in their zone) for approval; its open entries lock.

    A week with gaps against the target needs a comment when `require_gap_reason` is set
    (pages and the API ask for one); the gap is stored either way so approvers see it.
    """
    if actor.pk != agent.pk and not actor.is_admin_role:
        raise Forbidden("You can only submit your own timesheet.")
    if week_start.weekday() != 0:
        raise InvalidInput("week_start must be a Monday.", fields={"week": "not a Monday"})
    now = now or dates.now()
    comment = (comment or "").strip()
    # Same lock as entry and timer writes: no entry can slip into the week, and no timer can
    # start, between these checks and the entries locking.
    lock_agent(agent)
    _check_no_running_timer(agent)
    tz = dates.zone(agent_profile(agent).timezone)
    start, end = dates.day_range(week_start, week_start + dt.timedelta(days=6), tz)
    entries = list(
        TimeEntry.objects.select_for_update().filter(
            agent=agent,
            started_at__gte=start,
            started_at__lt=end,
            state__in=EDITABLE_STATES,
            invoice_line__isnull=True,
        )
    )
    already = Submission.objects.filter(
        agent=agent,
        kind=SubmissionKind.WEEK,
        week_start=week_start,
        state__in=[SubmissionState.SUBMITTED, SubmissionState.APPROVED],
    ).values_list("state", flat=True)
    if SubmissionState.SUBMITTED in already or (already and not entries):
        raise Conflict("This week is already submitted.", code="already_submitted")
    target, gap = week_target_and_gap(agent, week_start)
    if gap and require_gap_reason and not comment:
        raise InvalidInput(
            f"The week is {_hours(gap)} short of its target; say why in the comment.",
            fields={"comment": "required when the week has gaps"},
            code="gap_reason_required",
        )
    submission = _create_submission(
        agent=agent,
        kind=SubmissionKind.WEEK,
        week_start=week_start,
        submitted_at=now,
        comment=comment,
        target_seconds=target,
        gap_seconds=gap,
    )
    _attach(submission, [e.pk for e in entries], actor, entries)
    _notify_approvers(submission, now)
    return submission


def _ticket_submission(
    *, ticket: Ticket, agent: User, actor: User, comment: str, now: dt.datetime
) -> Submission | None:
    lock_agent(agent)
    entries = list(
        TimeEntry.objects.select_for_update().filter(
            agent=agent, ticket=ticket, state__in=EDITABLE_STATES, invoice_line__isnull=True
        )
    )
    if not entries:
        return None
    submission = _create_submission(
        agent=agent,
        kind=SubmissionKind.TICKET,
        ticket=ticket,
        submitted_at=now,
        comment=comment,
    )
    _attach(submission, [e.pk for e in entries], actor, entries)
    _notify_approvers(submission, now)
    return submission


@transaction.atomic
def submission_submit_ticket(
    *,
    ticket: Ticket,
    agent: User,
    actor: User,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Submission:
    """On request (per-ticket mode): send the agent's open entries on one ticket for approval."""
    if actor.pk != agent.pk and not actor.is_admin_role:
        raise Forbidden("You can only submit your own time.")
    if Organisation.current().submission_mode != "per_ticket":
        raise Conflict(
            "Timesheets are submitted weekly here, not per ticket.", code="weekly_submission"
        )
    _check_no_running_timer(agent, ticket)
    submission = _ticket_submission(
        ticket=ticket, agent=agent, actor=actor, comment=comment.strip(), now=now or dates.now()
    )
    if submission is None:
        raise Conflict("No open time on this ticket to submit.", code="nothing_to_submit")
    return submission


@transaction.atomic
def submissions_submit_closed_ticket(
    *, ticket: Ticket, actor: User, now: dt.datetime | None = None
) -> list[Submission]:
    """When a ticket closes in per-ticket mode: submit each agent's open time on it.

    Called by the ticket-close service after the closer's timer has been logged. Agents
    still running a timer on the ticket are skipped: their time goes with their week.
    Does nothing in weekly mode.
    """
    if Organisation.current().submission_mode != "per_ticket":
        return []
    now = now or dates.now()
    running = set(
        Timer.objects.filter(ticket=ticket, state=TimerState.RUNNING).values_list(
            "agent_id", flat=True
        )
    )
    agent_ids = (
        TimeEntry.objects.filter(
            ticket=ticket, state__in=EDITABLE_STATES, invoice_line__isnull=True
        )
        .exclude(agent_id__in=running)
        .values_list("agent_id", flat=True)
        .distinct()
    )
    made = []
    for agent in User.objects.filter(pk__in=list(agent_ids)).order_by("pk"):
        submission = _ticket_submission(
            ticket=ticket, agent=agent, actor=actor, comment="Ticket closed.", now=now
        )
        if submission is not None:
            made.append(submission)
    return made


@transaction.atomic
def submission_recall(*, submission: Submission, actor: User) -> Submission:
    """The agent takes back an undecided submission; its entries become drafts again."""
    submission = _lock_submission(submission)
    if actor.pk != submission.agent_id and not actor.is_admin_role:
        raise Forbidden("Only the agent can recall their submission.")
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict(
            f"This submission is {submission.state}; only undecided ones can be recalled."
        )
    before = snapshot(submission, SUBMISSION_FIELDS)
    moving = list(submission.entries.select_for_update().filter(state=EntryState.SUBMITTED))
    _audit_entries(
        actor=actor,
        action="time_entry.recall",
        entries=moving,
        after={"state": EntryState.DRAFT, "submission": None},
    )
    TimeEntry.objects.filter(pk__in=[e.pk for e in moving]).update(
        state=EntryState.DRAFT, submission=None
    )
    submission.state = SubmissionState.RECALLED
    submission.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="submission.recall",
        obj=submission,
        before=before,
        after=snapshot(submission, SUBMISSION_FIELDS),
    )
    return submission


def _check_may_decide(submission: Submission, actor: User) -> None:
    if actor.pk == submission.agent_id:
        raise Forbidden("Nobody approves or rejects their own time.", code="own_time")
    if not can_approve(actor, submission.agent):
        raise Forbidden("You are not this agent's timesheet approver.")


def _decide(submission: Submission, actor: User) -> Submission:
    submission = _lock_submission(submission)
    _check_may_decide(submission, actor)
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict(f"This submission is already {submission.state}.", code="already_decided")
    return submission


def _check_lock_date(actor: User, agent: User, entries: Iterable[TimeEntry], reason: str) -> None:
    """Decisions that change time (reopen, write-off, returns) respect the lock date."""
    lock_date_check(
        actor=actor,
        zone=lambda: dates.zone(agent_profile(agent).timezone),
        started_at=[entry.started_at for entry in entries],
        reason=reason,
        field=None,
    )


def _approve(submission: Submission, actor: User, now: dt.datetime) -> Submission:
    before = snapshot(submission, SUBMISSION_FIELDS)
    moving = list(submission.entries.select_for_update().filter(state=EntryState.SUBMITTED))
    _audit_entries(
        actor=actor,
        action="time_entry.approve",
        entries=moving,
        after={"state": EntryState.APPROVED, "submission": submission.pk},
    )
    TimeEntry.objects.filter(pk__in=[e.pk for e in moving]).update(state=EntryState.APPROVED)
    submission.state = SubmissionState.APPROVED
    submission.decided_by, submission.decided_at = actor, now
    submission.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="submission.approve",
        obj=submission,
        before=before,
        after=snapshot(submission, SUBMISSION_FIELDS),
    )
    _emit("submission.approved", submission)
    return submission


@transaction.atomic
def submission_approve(
    *, submission: Submission, actor: User, now: dt.datetime | None = None
) -> Submission:
    """Approve the submission; its entries lock (entries returned singly stay with the agent)."""
    return _approve(_decide(submission, actor), actor, now or dates.now())


@transaction.atomic
def submissions_bulk_approve(
    *, submissions: Iterable[Submission], actor: User, now: dt.datetime | None = None
) -> list[Submission]:
    """Approve several submissions at once: all of them, or none if any one is refused."""
    now = now or dates.now()
    chosen = sorted({s.pk: s for s in submissions}.values(), key=lambda s: s.pk)
    if not chosen:
        raise InvalidInput("Choose at least one submission.", fields={"submission_ids": "empty"})
    return [_approve(_decide(s, actor), actor, now) for s in chosen]


def _reason_or_invalid(reason: str, what: str = "the rejection") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"Give a reason for {what}.", fields={"reason": "required"})
    return reason


@transaction.atomic
def submission_reject(
    *, submission: Submission, actor: User, reason: str, now: dt.datetime | None = None
) -> Submission:
    """Return the whole submission to the agent with a reason; its entries become editable."""
    reason = _reason_or_invalid(reason)
    submission = _decide(submission, actor)
    now = now or dates.now()
    before = snapshot(submission, SUBMISSION_FIELDS)
    moving = list(submission.entries.select_for_update().filter(state=EntryState.SUBMITTED))
    _audit_entries(
        actor=actor,
        action="time_entry.reject",
        entries=moving,
        after={"state": EntryState.REJECTED, "submission": submission.pk},
        reason=reason,
    )
    TimeEntry.objects.filter(pk__in=[e.pk for e in moving]).update(
        state=EntryState.REJECTED, rejection_reason=reason
    )
    submission.state = SubmissionState.REJECTED
    submission.reason = reason
    submission.decided_by, submission.decided_at = actor, now
    submission.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="submission.reject",
        obj=submission,
        before=before,
        after=snapshot(submission, SUBMISSION_FIELDS),
        reason=reason,
    )
    _emit("submission.rejected", submission)
    _notify_rejected(submission, actor, reason, now, 0)
    return submission


@transaction.atomic
def submission_reject_entries(
    *,
    submission: Submission,
    entries: Iterable[TimeEntry],
    actor: User,
    reason: str,
    now: dt.datetime | None = None,
) -> Submission:
    """Return some entries to the agent with a reason; the rest wait for a decision.

    Returning every remaining entry rejects the submission as a whole.
    """
    reason = _reason_or_invalid(reason)
    submission = _decide(submission, actor)
    now = now or dates.now()
    ids = sorted({e.pk for e in entries})
    if not ids:
        raise InvalidInput("Choose the entries to return.", fields={"entry_ids": "empty"})
    moving = list(
        submission.entries.select_for_update().filter(pk__in=ids, state=EntryState.SUBMITTED)
    )
    if len(moving) != len(ids):
        raise InvalidInput(
            "Some of these entries are not waiting in this submission.",
            fields={"entry_ids": "not in this submission"},
        )
    _check_lock_date(actor, submission.agent, moving, reason)
    _audit_entries(
        actor=actor,
        action="time_entry.reject",
        entries=moving,
        after={"state": EntryState.REJECTED, "submission": submission.pk},
        reason=reason,
    )
    TimeEntry.objects.filter(pk__in=ids).update(state=EntryState.REJECTED, rejection_reason=reason)
    _refresh_totals(submission)
    audit_record(
        actor=actor,
        action="submission.reject_entries",
        obj=submission,
        after={"entries": ids},
        reason=reason,
    )
    if not submission.entries.filter(state=EntryState.SUBMITTED).exists():
        before = snapshot(submission, SUBMISSION_FIELDS)
        submission.state, submission.reason = SubmissionState.REJECTED, reason
        submission.decided_by, submission.decided_at = actor, now
        submission.save(update_fields=["state", "reason", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="submission.reject",
            obj=submission,
            before=before,
            after=snapshot(submission, SUBMISSION_FIELDS),
            reason=reason,
        )
        _emit("submission.rejected", submission)
    _notify_rejected(submission, actor, reason, now, len(ids))
    return submission


@transaction.atomic
def time_entry_write_off(
    *, entry: TimeEntry, actor: User, billable_seconds: int, reason: str
) -> TimeEntry:
    """An approver bills less of an entry than was worked; worked time stays as it was.

    Part of deciding a submission, so only while the entry waits for approval.
    """
    reason = _reason_or_invalid(reason, "the write-off")
    lock_agent(entry.agent)
    entry = TimeEntry.objects.select_for_update().select_related("agent").get(pk=entry.pk)
    if actor.pk == entry.agent_id:
        raise Forbidden("Nobody writes off their own time.", code="own_time")
    if not can_approve(actor, entry.agent):
        raise Forbidden("You are not this agent's timesheet approver.")
    if entry.invoice_line_id is not None:
        raise Conflict(f"Time entry {entry.pk} is invoiced and cannot change.", code="invoiced")
    if entry.state != EntryState.SUBMITTED:
        # Approved time is locked: reopen the submission (audited, with a reason) first.
        raise Conflict(
            "Only time waiting for approval can be written off; reopen approved time first.",
            code=f"entry_{entry.state}",
        )
    if not entry.is_billable:
        raise InvalidInput(
            "This entry is not billable.", fields={"billable_seconds": "entry not billable"}
        )
    if not 0 <= billable_seconds <= entry.worked_seconds:
        raise InvalidInput(
            "Billable time must be between zero and the time worked.",
            fields={"billable_seconds": f"between 0 and {entry.worked_seconds}"},
        )
    _check_lock_date(actor, entry.agent, [entry], reason)
    fields = ["billable_seconds", "write_off_reason", "state", "worked_seconds"]
    before = snapshot(entry, fields)
    entry.billable_seconds, entry.write_off_reason = billable_seconds, reason
    entry.version += 1
    entry.save(update_fields=["billable_seconds", "write_off_reason", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="time_entry.write_off",
        obj=entry,
        before=before,
        after=snapshot(entry, fields),
        reason=reason,
    )
    if entry.submission_id is not None:
        _refresh_totals(Submission.objects.get(pk=entry.submission_id))
    return entry


@transaction.atomic
def submission_reopen(
    *, submission: Submission, actor: User, reason: str, now: dt.datetime | None = None
) -> Submission:
    """Undo an approval, with a reason, while none of its entries is invoiced.

    The submission goes back to *submitted* for a new decision (see the module docstring).
    """
    reason = _reason_or_invalid(reason, "reopening")
    submission = _lock_submission(submission)
    _check_may_decide(submission, actor)
    if submission.state != SubmissionState.APPROVED:
        raise Conflict("Only approved submissions can be reopened.", code="not_approved")
    approved = list(submission.entries.select_for_update().filter(state=EntryState.APPROVED))
    if any(e.invoice_line_id is not None for e in approved):
        raise Conflict(
            "Some of this submission's time is invoiced; credit the invoice first.",
            code="invoiced",
        )
    _check_lock_date(actor, submission.agent, approved, reason)
    before = snapshot(submission, SUBMISSION_FIELDS)
    # Guarded update: an invoice run claiming an entry in between makes the count differ.
    moved = TimeEntry.objects.filter(
        pk__in=[e.pk for e in approved], state=EntryState.APPROVED, invoice_line__isnull=True
    ).update(state=EntryState.SUBMITTED)
    if moved != len(approved):
        raise Conflict("Some of this time was just invoiced.", code="invoiced")
    _audit_entries(
        actor=actor,
        action="time_entry.reopen",
        entries=approved,
        after={"state": EntryState.SUBMITTED, "submission": submission.pk},
        reason=reason,
    )
    submission.state = SubmissionState.SUBMITTED
    submission.decided_by, submission.decided_at = None, None
    try:
        with transaction.atomic():
            submission.save(update_fields=["state", "decided_by", "decided_at"])
    except IntegrityError as exc:
        raise Conflict(
            "Another submission for this week is waiting; decide it first.",
            code="already_submitted",
        ) from exc
    audit_record(
        actor=actor,
        action="submission.reopen",
        obj=submission,
        before=before,
        after=snapshot(submission, SUBMISSION_FIELDS),
        reason=reason,
    )
    return submission


@transaction.atomic
def week_copy_previous_activities(
    *, agent: User, week_start: dt.date, actor: User
) -> tuple[list[TimeEntry], int]:
    """Repeat last week's non-ticket entries (meetings, admin…) a week later, same local times.

    Entries that would overlap existing time, or land on a day with no target (a holiday,
    leave), are skipped; answers the new entries and how many were skipped.
    """
    from tallyhour.timesheets.selectors import previous_week_activity_entries

    # Checked up front: with nothing to copy, no entry service would ever ask.
    if actor.pk != agent.pk and not actor.is_admin_role:
        raise Forbidden("You can only copy time into your own timesheet.")
    if week_start.weekday() != 0:
        raise InvalidInput("week_start must be a Monday.", fields={"week": "not a Monday"})
    profile = agent_profile(agent)
    tz = dates.zone(profile.timezone)
    calendar = calendars_by_agent([profile], week_start, week_start + dt.timedelta(days=6))
    working = {day.day for day in calendar[agent.pk] if day.target_seconds}
    created, skipped = [], 0
    for source in previous_week_activity_entries(agent, week_start):
        local_start = source.started_at.astimezone(tz)
        start = dt.datetime.combine(
            local_start.date() + dt.timedelta(days=7), local_start.timetz()
        ).astimezone(dt.UTC)
        if start.astimezone(tz).date() not in working:
            skipped += 1
            continue
        try:
            with transaction.atomic():
                created.append(
                    time_entry_create(
                        agent=agent,
                        actor=actor,
                        started_at=start,
                        duration_minutes=None,
                        ended_at=start + dt.timedelta(seconds=source.worked_seconds),
                        charge_type=source.charge_type,
                        is_billable=source.is_billable,
                        note=source.note,
                    )
                )
        except Conflict:
            skipped += 1
    return created, skipped
