"""Billing's writes to time entries, kept here so that timetracking alone writes its table:
claiming approved time for invoice lines and releasing it again."""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from tallyhour.accounts.models import User
from tallyhour.core.errors import Conflict, Forbidden
from tallyhour.timetracking import sql
from tallyhour.timetracking.models import EntryState, TimeEntry

# Ids per `IN (…)` list: well within SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 5_000


class EntriesTaken(Conflict):
    """Some entries to claim were no longer approved and unclaimed."""

    code = "entries_taken"


def _check_billing(actor: User) -> None:
    if not actor.is_billing_role:
        raise Forbidden("Billing is for billing and admin users.")


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for first in range(0, len(ids), IN_CHUNK):
        yield ids[first : first + IN_CHUNK]


def claim_entries_orm(claims: dict[int, int]) -> int:
    """`sql.claim_entries` in the ORM: one guarded UPDATE per line."""
    by_line: dict[int, list[int]] = defaultdict(list)
    for entry_id, line_id in claims.items():
        by_line[line_id].append(entry_id)
    claimed = 0
    for line_id, entry_ids in by_line.items():
        for chunk in _chunks(entry_ids):
            claimed += TimeEntry.objects.filter(
                pk__in=chunk, invoice_line__isnull=True, state=EntryState.APPROVED
            ).update(invoice_line_id=line_id)
    return claimed


@transaction.atomic
def time_entries_claim(*, claims: dict[int, int], actor: User) -> int:
    """Point each entry (key) at the invoice line (value) that bills it.

    Only entries still approved and unclaimed move, and all of them must, or nothing does
    (EntriesTaken): a parallel run or an edit got there first. No audit row per entry: the
    caller audits the invoices the lines belong to."""
    _check_billing(actor)
    if connection.vendor == "postgresql":
        claimed = sql.claim_entries(claims)
    else:
        claimed = claim_entries_orm(claims)
    if claimed != len(claims):
        raise EntriesTaken(
            f"{len(claims) - claimed} of {len(claims)} entries were claimed or changed meanwhile."
        )
    return claimed


@transaction.atomic
def time_entries_release(*, line_ids: list[int], actor: User) -> int:
    """Free the entries claimed by these invoice lines (a voided draft, a removed line, a
    credit note) for the next run; the number released."""
    _check_billing(actor)
    return TimeEntry.objects.filter(invoice_line__in=line_ids).update(invoice_line=None)
