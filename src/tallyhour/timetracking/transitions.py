"""State changes of time entries that timesheets decides: submit, recall, approve, reject,
reopen, and an approver's write-off.

Only timetracking writes `TimeEntry`. Timesheets decides *which* entries move (it reads and
locks them under the agent lock, and checks who may decide) and calls these services; each
one moves the whole set with one guarded UPDATE whose row count is checked, and writes one
audit row per entry (before, after, why), so an entry's own history tells its whole story.
"""

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Move:
    """One transition: which rows may take it (`guard`, checked in the UPDATE), the state
    they go to, the audit action, and the conflict to report when some row may not."""

    guard: Q
    state: str
    action: str
    conflict: tuple[str, str] = (
        "Some of this time changed meanwhile; reload and try again.",
        "entry_changed",
    )


_SUBMIT = _Move(_OPEN, EntryState.SUBMITTED, "time_entry.submit")
_RECALL = _Move(_WAITING, EntryState.DRAFT, "time_entry.recall")
_APPROVE = _Move(_WAITING, EntryState.APPROVED, "time_entry.approve")
_REJECT = _Move(_WAITING, EntryState.REJECTED, "time_entry.reject")
# An invoice run may claim approved time without the agent lock, so a claim between the
# caller's read and this write makes the count differ.
_REOPEN = _Move(
    _APPROVED_UNBILLED,
    EntryState.SUBMITTED,
    "time_entry.reopen",
    ("Some of this time was just invoiced.", "invoiced"),
)


def _move(
    move: _Move,
    entries: Sequence[TimeEntry],
    submission_id: int | None,
    *,
    actor: User,
    also: dict[str, Any] | None = None,
    reason: str = "",
) -> int:
    """Move every entry or none into `submission_id` (setting the columns in `also` too): one
    guarded UPDATE, then one audit row per entry."""
    if not entries:
        return 0
    moved = TimeEntry.objects.filter(move.guard, pk__in=[e.pk for e in entries]).update(
        state=move.state, **(also or {})
    )
    if moved != len(entries):
        # The caller holds the rows locked, so only a changed rule or a missing lock gets here.
        message, code = move.conflict
        raise Conflict(message, code=code)
    after = {"state": move.state, "submission": submission_id}
    # `before` comes from the caller's copies, which still hold the state they were read in.
    audit_record_many(
        actor=actor,
        action=move.action,
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
    also = {"submission_id": submission_id, "rejection_reason": ""}
    return _move(_SUBMIT, entries, submission_id, actor=actor, also=also)


@transaction.atomic
def time_entries_recall(*, entries: Sequence[TimeEntry], actor: User) -> int:
    """Undecided entries leave their submission and become drafts again."""
    return _move(_RECALL, entries, None, actor=actor, also={"submission_id": None})


@transaction.atomic
def time_entries_approve(*, entries: Sequence[TimeEntry], submission_id: int, actor: User) -> int:
    """Waiting entries are approved, and locked until reopened or invoiced."""
    return _move(_APPROVE, entries, submission_id, actor=actor)


@transaction.atomic
def time_entries_reject(
    *, entries: Sequence[TimeEntry], submission_id: int, actor: User, reason: str
) -> int:
    """Waiting entries go back to the agent with the approver's reason."""
    also = {"rejection_reason": reason}
    return _move(_REJECT, entries, submission_id, actor=actor, also=also, reason=reason)


@transaction.atomic
def time_entries_reopen(
    *, entries: Sequence[TimeEntry], submission_id: int, actor: User, reason: str
) -> int:
    """Approved, uninvoiced entries wait for a new decision (see `_REOPEN` for its guard)."""
    return _move(_REOPEN, entries, submission_id, actor=actor, reason=reason)


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
