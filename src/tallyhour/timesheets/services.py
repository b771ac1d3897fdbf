"""Writes for submissions: submit, recall, approve, reject. Approval locks entries."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Sum

from tallyhour.accounts.models import User
from tallyhour.accounts.selectors import can_approve
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timetracking.models import EDITABLE_STATES, EntryState, TimeEntry, Timer, TimerState
from tallyhour.timetracking.services import agent_profile, lock_agent

SUBMISSION_FIELDS = [
    "agent",
    "week_start",
    "state",
    "decided_by",
    "decided_at",
    "reason",
    "comment",
]


def _lock_submission(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().select_related("agent").get(pk=submission.pk)


@transaction.atomic
def submission_submit(
    *,
    agent: User,
    week_start: dt.date,
    actor: User,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Submission:
    """Send the agent's week (Monday in their zone) for approval; its open entries lock."""
    if actor.pk != agent.pk and not actor.is_admin_role:
        raise Forbidden("You can only submit your own timesheet.")
    if week_start.weekday() != 0:
        raise InvalidInput("week_start must be a Monday.", fields={"week": "not a Monday"})
    now = now or dates.now()
    # Same lock as entry and timer writes: no entry can slip into the week, and no timer can
    # start, between these checks and the entries locking.
    lock_agent(agent)
    if Timer.objects.filter(agent=agent, state=TimerState.RUNNING).exists():
        raise Conflict("Stop your running timer before submitting.", code="timer_running")
    tz = dates.zone(agent_profile(agent).timezone)
    start, end = dates.day_range(week_start, week_start + dt.timedelta(days=6), tz)
    entries = TimeEntry.objects.select_for_update().filter(
        agent=agent, started_at__gte=start, started_at__lt=end, state__in=EDITABLE_STATES
    )
    ids = list(entries.values_list("pk", flat=True))
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                agent=agent, week_start=week_start, submitted_at=now, comment=comment
            )
    except IntegrityError as exc:
        raise Conflict("This week is already submitted.", code="already_submitted") from exc
    TimeEntry.objects.filter(pk__in=ids).update(
        state=EntryState.SUBMITTED, submission=submission, rejection_reason=""
    )
    totals = TimeEntry.objects.filter(submission=submission).aggregate(
        w=Sum("worked_seconds"), b=Sum("billable_seconds")
    )
    submission.total_seconds, submission.billable_seconds = totals["w"] or 0, totals["b"] or 0
    submission.save(update_fields=["total_seconds", "billable_seconds"])
    audit_record(
        actor=actor,
        action="submission.submit",
        obj=submission,
        after={**snapshot(submission, SUBMISSION_FIELDS), "entries": ids},
    )
    return submission


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
    submission.entries.update(state=EntryState.DRAFT, submission=None)
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


def _decide(submission: Submission, actor: User) -> Submission:
    submission = _lock_submission(submission)
    if actor.pk == submission.agent_id:
        raise Forbidden("Nobody approves or rejects their own time.", code="own_time")
    if not can_approve(actor, submission.agent):
        raise Forbidden("You are not this agent's timesheet approver.")
    if submission.state != SubmissionState.SUBMITTED:
        raise Conflict(f"This submission is already {submission.state}.", code="already_decided")
    return submission


@transaction.atomic
def submission_approve(
    *, submission: Submission, actor: User, now: dt.datetime | None = None
) -> Submission:
    submission = _decide(submission, actor)
    before = snapshot(submission, SUBMISSION_FIELDS)
    submission.entries.update(state=EntryState.APPROVED)
    submission.state = SubmissionState.APPROVED
    submission.decided_by, submission.decided_at = actor, now or dates.now()
    submission.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="submission.approve",
        obj=submission,
        before=before,
        after=snapshot(submission, SUBMISSION_FIELDS),
    )
    return submission


@transaction.atomic
def submission_reject(
    *, submission: Submission, actor: User, reason: str, now: dt.datetime | None = None
) -> Submission:
    """Return the week to the agent with a reason; its entries become editable again."""
    if not (reason or "").strip():
        raise InvalidInput("Give a reason for the rejection.", fields={"reason": "required"})
    submission = _decide(submission, actor)
    before = snapshot(submission, SUBMISSION_FIELDS)
    submission.entries.update(state=EntryState.REJECTED, rejection_reason=reason.strip())
    submission.state = SubmissionState.REJECTED
    submission.reason = reason.strip()
    submission.decided_by, submission.decided_at = actor, now or dates.now()
    submission.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="submission.reject",
        obj=submission,
        before=before,
        after=snapshot(submission, SUBMISSION_FIELDS),
        reason=reason.strip(),
    )
    return submission
