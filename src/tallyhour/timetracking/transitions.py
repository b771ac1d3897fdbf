"""State changes of time entries that timesheets decides: submit, recall, approve, reject,
reopen, and an approver's write-off.

Only timetracking writes `TimeEntry`. Timesheets decides *which* entries move (it reads and
locks them under the agent lock, and checks who may decide) and calls these services; each
one moves the whole set with one guarded UPDATE whose row count is checked, and writes one
audit row per entry (before, after, why), so an entry's own history tells its whole story.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q

from tallyhour.accounts.models import User
from tallyhour.core.audit import Audited, audit_record_many
from tallyhour.core.errors import Conflict
from tallyhour.timetracking.models import EDITABLE_STATES, EntryState, TimeEntry

ENTRY_LABEL = TimeEntry._meta.label_lower
WRITE_OFF_FIELDS = ["billable_seconds", "write_off_reason", "state", "worked_seconds"]

# What each move requires of a row at the moment it is written.
_OPEN = Q(state__in=EDITABLE_STATES, invoice_line__isnull=True)
_WAITING = Q(state=EntryState.SUBMITTED)
_APPROVED_UNBILLED = Q(state=EntryState.APPROVED, invoice_line__isnull=True)


def _move(
    *,
    entries: Sequence[TimeEntry],
    guard: Q,
    state: str,
    submission_id: int | None,
    action: str,
    actor: User,
    also: dict[str, Any] | None = None,
    reason: str = "",
    conflict: Conflict | None = None,
) -> int:
    """Move every entry or none to `state` in submission `submission_id` (with the columns in
    `also`): one guarded UPDATE, then one audit row per entry."""
    if not entries:
        return 0
    moved = TimeEntry.objects.filter(guard, pk__in=[e.pk for e in entries]).update(
        state=state, **(also or {})
    )
    if moved != len(entries):
        # The caller holds the rows locked, so only a changed rule or a missing lock gets here.
        raise conflict or Conflict(
            "Some of this time changed meanwhile; reload and try again.", code="entry_changed"
        )
    after = {"state": state, "submission": submission_id}
    # `before` comes from the caller's copies, which still hold the state they were read in.
    audit_record_many(
        actor=actor,
        action=action,
        changes=(
            (entry, {"state": entry.state, "submission": entry.submission_id}, after)
            for entry in entries
        ),
        reason=reason,
    )
    return moved


@transaction.atomic
def time_entries_submit(*, entries: Sequence[TimeEntry], submission_id: int, actor: User) -> int:
    """Lock open (draft or returned, uninvoiced) entries into a submission."""
    return _move(
        entries=entries,
        guard=_OPEN,
        state=EntryState.SUBMITTED,
        submission_id=submission_id,
        also={"submission_id": submission_id, "rejection_reason": ""},
        action="time_entry.submit",
        actor=actor,
    )


@transaction.atomic
def time_entries_recall(*, entries: Sequence[TimeEntry], actor: User) -> int:
    """Undecided entries leave their submission and become drafts again."""
    return _move(
        entries=entries,
        guard=_WAITING,
        state=EntryState.DRAFT,
        submission_id=None,
        also={"submission_id": None},
        action="time_entry.recall",
        actor=actor,
    )


@transaction.atomic
def time_entries_approve(*, entries: Sequence[TimeEntry], submission_id: int, actor: User) -> int:
    """Waiting entries are approved, and locked until reopened or invoiced."""
    return _move(
        entries=entries,
        guard=_WAITING,
        state=EntryState.APPROVED,
        submission_id=submission_id,
        action="time_entry.approve",
        actor=actor,
    )


@transaction.atomic
def time_entries_reject(
    *, entries: Sequence[TimeEntry], submission_id: int, actor: User, reason: str
) -> int:
    """Waiting entries go back to the agent with the approver's reason."""
    return _move(
        entries=entries,
        guard=_WAITING,
        state=EntryState.REJECTED,
        submission_id=submission_id,
        also={"rejection_reason": reason},
        action="time_entry.reject",
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def time_entries_reopen(
    *, entries: Sequence[TimeEntry], submission_id: int, actor: User, reason: str
) -> int:
    """Approved, uninvoiced entries wait for a new decision.

    The guard matters here: an invoice run may claim approved time without the agent lock,
    so a claim between the caller's read and this write makes the count differ.
    """
    return _move(
        entries=entries,
        guard=_APPROVED_UNBILLED,
        state=EntryState.SUBMITTED,
        submission_id=submission_id,
        action="time_entry.reopen",
        actor=actor,
        reason=reason,
        conflict=Conflict("Some of this time was just invoiced.", code="invoiced"),
    )


@transaction.atomic
def time_entry_write_down(
    *, entry: TimeEntry, billable_seconds: int, reason: str, actor: User
) -> TimeEntry:
    """Record an approver's write-off: bill less of a waiting entry than was worked.

    Worked time stays as it was. `entry` is the caller's locked row; who may write off, the
    bounds and the lock date are the caller's decision, the database checks the bounds again.
    """
    if entry.state != EntryState.SUBMITTED or entry.invoice_line_id is not None:
        raise Conflict(
            "Only time waiting for approval can be written off; reopen approved time first.",
            code=f"entry_{entry.state}",
        )
    change = Audited(entry, WRITE_OFF_FIELDS)
    entry.billable_seconds, entry.write_off_reason = billable_seconds, reason
    entry.version += 1
    entry.save(update_fields=["billable_seconds", "write_off_reason", "version", "updated_at"])
    change.record(actor=actor, action="time_entry.write_off", reason=reason)
    return entry
