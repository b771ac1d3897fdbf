"""Hand-written SQL for time entries, PostgreSQL only.

Each statement has an ORM twin in `claims.py` that SQLite runs; `tests/timetracking/
test_sql.py` runs both on the same rows and compares the results.
"""

from django.db import connection
from psycopg import sql

from tallyhour.timetracking.models import EntryState, TimeEntry


def claim_entries(claims: dict[int, int]) -> int:
    """Point each entry (key) at its invoice line (value), only where the entry is still
    approved and unclaimed; the number of entries claimed.

    Two statements whatever the number of entries (the ORM would need one UPDATE per line,
    and a run of 100,000 entries writes ~28,000 lines). First the entries are locked by
    primary key and their claimability read; then the claimable ones are pointed at their
    lines, joined by primary key. Putting the guard into the UPDATE instead lets the planner
    read every unclaimed entry of the table (hundreds of thousands) through the
    `invoice_line` index to hash-join a batch against them."""
    if not claims:
        return 0
    table, pk = sql.Identifier(TimeEntry._meta.db_table), sql.Identifier("id")
    line, state = sql.Identifier("invoice_line_id"), sql.Identifier("state")
    lock = sql.SQL(
        "SELECT {pk}, {line} IS NULL AND {state} = %s FROM {table}"
        " WHERE {pk} = ANY(%s::bigint[]) FOR UPDATE"
    ).format(table=table, pk=pk, line=line, state=state)
    point = sql.SQL(
        "UPDATE {table} SET {line} = pairs.line_id"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS pairs(entry_id, line_id)"
        " WHERE {table}.{pk} = pairs.entry_id"
    ).format(table=table, pk=pk, line=line)
    with connection.cursor() as cursor:
        cursor.execute(lock.as_string(cursor.cursor), [EntryState.APPROVED, list(claims)])
        claimable = [entry_id for entry_id, free in cursor.fetchall() if free]
        if not claimable:
            return 0
        # The rows are locked and were checked, so the update needs no guard of its own.
        cursor.execute(
            point.as_string(cursor.cursor), [claimable, [claims[pk] for pk in claimable]]
        )
        claimed: int = cursor.rowcount
        return claimed
