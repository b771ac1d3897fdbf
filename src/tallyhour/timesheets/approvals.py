"""Deciding submissions: approve (one or in bulk), reject (whole or single entries), write off
and reopen. Approval locks entries; the entries themselves move through timetracking's
transitions, which audit each one.

Reopening an approved submission puts it back to *submitted*: the approver who reopened it
decides again (approve after a write-off, or reject entries back to the agent with a reason).
While it waits the agent may also recall it, exactly as before the first decision.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import can_approve, is_own_time
from tallyhour.core import dates
from tallyhour.core.audit import Audited, audit_record
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.core.notices import notice_send
from tallyhour.timesheets.common import (
    SUBMISSION_FIELDS,
    submission_event_emit,
    submission_lock,
    submission_totals_refresh,
)
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timetracking.locks import lock_date_check
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import agent_profile, lock_agent
from tallyhour.timetracking.transitions import (
    time_entries_approve,
    time_entries_reject,
    time_entries_reopen,
    time_entry_write_down,
)


def _notify_rejected(
    submission: Submission, actor: User, reason: str, now: dt.datetime, count: int
) -> None:
    what = "your timesheet" if count == 0 else f"{count} of your time entries"
    notice_send(
        user=submission.agent,
        text=f"{actor.display_name} rejected {what}: {reason}",
        url=reverse("home"),
        subject="time rejected",
        now=now,
    )


def _check_may_decide(submission: Submission, actor: User) -> None:
    if is_own_time(actor, submission.agent_id):
        raise Forbidden("Nobody approves or rejects their own time.", code="own_time")
    if not can_approve(actor, submission.agent):
        raise Forbidden("You are not this agent's timesheet approver.")


def _decide(submission: Submission, actor: User) -> Submission:
    submission = submission_lock(submission)
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


def _waiting_entries(submission: Submission) -> list[TimeEntry]:
    return list(submission.entries.select_for_update().filter(state=EntryState.SUBMITTED))


# A decision's audit action and webhook event.
_DECISIONS = {
    SubmissionState.APPROVED: ("submission.approve", "submission.approved"),
    SubmissionState.REJECTED: ("submission.reject", "submission.rejected"),
}


def _mark_decided(
    submission: Submission, *, state: str, actor: User, now: dt.datetime, reason: str = ""
) -> None:
    """The submission as a whole is decided: state, who, when (and why), audit row, event."""
    change = Audited(submission, SUBMISSION_FIELDS)
    submission.state, submission.decided_by, submission.decided_at = state, actor, now
    fields = ["state", "decided_by", "decided_at"]
    if reason:
        submission.reason = reason
        fields.append("reason")
    submission.save(update_fields=fields)
    action, event = _DECISIONS[SubmissionState(state)]
    change.record(actor=actor, action=action, reason=reason)
    submission_event_emit(event, submission)


def _approve(submission: Submission, actor: User, now: dt.datetime) -> Submission:
    time_entries_approve(
        entries=_waiting_entries(submission), submission_id=submission.pk, actor=actor
    )
    _mark_decided(submission, state=SubmissionState.APPROVED, actor=actor, now=now)
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
    time_entries_reject(
        entries=_waiting_entries(submission),
        submission_id=submission.pk,
        actor=actor,
        reason=reason,
    )
    _mark_decided(submission, state=SubmissionState.REJECTED, actor=actor, now=now, reason=reason)
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
    time_entries_reject(entries=moving, submission_id=submission.pk, actor=actor, reason=reason)
    submission_totals_refresh(submission)
    audit_record(
        actor=actor,
        action="submission.reject_entries",
        obj=submission,
        after={"entries": ids},
        reason=reason,
    )
    if not submission.entries.filter(state=EntryState.SUBMITTED).exists():
        _mark_decided(
            submission, state=SubmissionState.REJECTED, actor=actor, now=now, reason=reason
        )
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
    if is_own_time(actor, entry.agent_id):
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
    entry = time_entry_write_down(
        entry=entry, billable_seconds=billable_seconds, reason=reason, actor=actor
    )
    if entry.submission_id is not None:
        submission_totals_refresh(Submission.objects.get(pk=entry.submission_id))
    return entry


@transaction.atomic
def submission_reopen(
    *, submission: Submission, actor: User, reason: str, now: dt.datetime | None = None
) -> Submission:
    """Undo an approval, with a reason, while none of its entries is invoiced.

    The submission goes back to *submitted* for a new decision (see the module docstring).
    """
    reason = _reason_or_invalid(reason, "reopening")
    submission = submission_lock(submission)
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
    change = Audited(submission, SUBMISSION_FIELDS)
    time_entries_reopen(entries=approved, submission_id=submission.pk, actor=actor, reason=reason)
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
    change.record(actor=actor, action="submission.reopen", reason=reason)
    return submission
