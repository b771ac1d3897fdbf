"""Writes for submissions: submit (weekly or per ticket), recall, and copying last week's
activities. Deciding them (approve, reject, write off, reopen) lives in `approvals` and is
re-exported here, so other apps keep one import for every timesheet write.

Every state change is audited twice over: one row on the submission, and one row per entry it
moves (written by timetracking's transitions), so an entry's own history tells its whole story.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from tallyhour.accounts.calendars import calendars_by_agent
from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import approvers_of, can_admin
from tallyhour.core import dates
from tallyhour.core.audit import Audited, audit_record, snapshot
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.core.notices import notice_send
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.approvals import (
    submission_approve,
    submission_reject,
    submission_reject_entries,
    submission_reopen,
    submissions_bulk_approve,
    time_entry_write_off,
)
from tallyhour.timesheets.common import (
    SUBMISSION_FIELDS,
    submission_event_emit,
    submission_lock,
    submission_totals_refresh,
)
from tallyhour.timesheets.models import Submission, SubmissionKind, SubmissionState
from tallyhour.timesheets.selectors import previous_week_activity_entries
from tallyhour.timetracking.models import EDITABLE_STATES, EntryState, TimeEntry, Timer, TimerState
from tallyhour.timetracking.services import agent_profile, lock_agent, time_entry_create
from tallyhour.timetracking.transitions import time_entries_recall, time_entries_submit

__all__ = [
    "submission_approve",
    "submission_recall",
    "submission_reject",
    "submission_reject_entries",
    "submission_reopen",
    "submission_submit",
    "submission_submit_ticket",
    "submissions_bulk_approve",
    "submissions_submit_closed_ticket",
    "time_entry_write_off",
    "week_copy_previous_activities",
    "week_target_and_gap",
]


def week_target_and_gap(
    agent: User, monday: dt.date, first: dt.date | None = None, last: dt.date | None = None
) -> tuple[int, int]:
    """Target seconds and gap of the week's days `first`..`last` (default: all seven): per
    day, target not covered by logged time."""
    profile = agent_profile(agent)
    tz = dates.zone(profile.timezone)
    first = first or monday
    last = last or monday + dt.timedelta(days=6)
    if last < first:
        return 0, 0
    start, end = dates.day_range(first, last, tz)
    logged: dict[dt.date, int] = defaultdict(int)
    rows = TimeEntry.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end)
    for started_at, seconds in rows.values_list("started_at", "worked_seconds"):
        logged[dates.local_date(started_at, tz)] += seconds
    calendar = calendars_by_agent([profile], first, last)[agent.pk]
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
        f"({dates.duration_text(submission.total_seconds)} logged"
        + (f", {dates.duration_text(submission.gap_seconds)} gap" if submission.gap_seconds else "")
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
        raise Conflict(
            "These days are already waiting for approval; recall that submission to add to it.",
            code="already_submitted",
        ) from exc


def _attach(submission: Submission, actor: User, entries: list[TimeEntry]) -> None:
    ids = [e.pk for e in entries]
    time_entries_submit(entries=entries, submission_id=submission.pk, actor=actor)
    submission_totals_refresh(submission)
    audit_record(
        actor=actor,
        action="submission.submit",
        obj=submission,
        after={**snapshot(submission, SUBMISSION_FIELDS), "entries": ids},
    )
    submission_event_emit("submission.submitted", submission)


def week_covered_through(agent: User, monday: dt.date) -> dt.date | None:
    """The last day of the week a submitted or approved submission already covers."""
    return (
        Submission.objects.filter(
            agent=agent,
            kind=SubmissionKind.WEEK,
            week_start=monday,
            state__in=[SubmissionState.SUBMITTED, SubmissionState.APPROVED],
        )
        .order_by("-through")
        .values_list("through", flat=True)
        .first()
    )


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
    """Send the agent's week (Monday in their zone) for approval, up to today: its open
    entries up to then lock.

    The early-submission rule: a week is submitted through today at the latest. The days
    after stay open for logging and join a follow-up submission of the same week, so
    approving or invoicing Monday never stops anyone logging Tuesday. A follow-up also
    carries entries returned by the approver and fixed.

    Days not covered before that have gaps against their target need a comment when
    `require_gap_reason` is set (pages and the API ask for one); the gap is stored either
    way so approvers see it. Resending fixed entries asks for no reason again.
    """
    if actor.pk != agent.pk and not can_admin(actor):
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
    sunday = week_start + dt.timedelta(days=6)
    through = min(sunday, dates.local_date(now, tz))
    if through < week_start:
        raise Conflict(
            f"The week of {week_start:%d %b %Y} has not started yet; submit it from "
            f"{week_start:%a %d %b}.",
            fields={"week": "in the future"},
            code="week_not_started",
        )
    start, end = dates.day_range(week_start, through, tz)
    entries = list(
        TimeEntry.objects.select_for_update().filter(
            agent=agent,
            started_at__gte=start,
            started_at__lt=end,
            state__in=EDITABLE_STATES,
            invoice_line__isnull=True,
        )
    )
    covered = week_covered_through(agent, week_start)
    if covered is not None and covered >= through and not entries:
        raise Conflict(
            f"This week is already submitted through {covered:%a %d %b}; nothing new to send.",
            code="already_submitted",
        )
    first_new_day = week_start if covered is None else covered + dt.timedelta(days=1)
    target, gap = week_target_and_gap(agent, week_start, first_new_day, through)
    if gap and require_gap_reason and not comment:
        raise InvalidInput(
            f"{dates.duration_text(gap)} short of the target up to {through:%a %d %b}; say why "
            "in the comment.",
            fields={"comment": "required when the days sent have gaps"},
            code="gap_reason_required",
        )
    submission = _create_submission(
        agent=agent,
        kind=SubmissionKind.WEEK,
        week_start=week_start,
        through=through,
        submitted_at=now,
        comment=comment,
        target_seconds=target,
        gap_seconds=gap,
    )
    _attach(submission, actor, entries)
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
    _attach(submission, actor, entries)
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
    if actor.pk != agent.pk and not can_admin(actor):
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
    submission = submission_lock(submission)
    if actor.pk != submission.agent_id and not can_admin(actor):
        raise Forbidden("Only the agent can recall their submission.")
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict(
            f"This submission is {submission.state}; only undecided ones can be recalled."
        )
    change = Audited(submission, SUBMISSION_FIELDS)
    moving = list(submission.entries.select_for_update().filter(state=EntryState.SUBMITTED))
    time_entries_recall(entries=moving, actor=actor)
    submission.state = SubmissionState.RECALLED
    submission.save(update_fields=["state"])
    change.record(actor=actor, action="submission.recall")
    return submission


@transaction.atomic
def week_copy_previous_activities(
    *, agent: User, week_start: dt.date, actor: User
) -> tuple[list[TimeEntry], int]:
    """Repeat last week's non-ticket entries (meetings, admin…) a week later, same local times.

    Entries that would overlap existing time, or land on a day with no target (a holiday,
    leave), are skipped; answers the new entries and how many were skipped.
    """
    # Checked up front: with nothing to copy, no entry service would ever ask.
    if actor.pk != agent.pk and not can_admin(actor):
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
