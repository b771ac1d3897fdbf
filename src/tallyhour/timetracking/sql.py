"""Hand-written SQL for time entries, PostgreSQL only.

Each statement has an ORM twin in `claims.py` that SQLite runs; `tests/timetracking/
test_sql.py` runs both on the same rows and compares the results.
"""

from django.db import connection
from psycopg import sql

from tallyhour.timetracking.models import EntryState, TimeEntry


def claim_entries(claims: dict[int, int]) -> int:
    """Point each entry (key) at its invoice line (value) in one statement, only where the
    entry is still approved and unclaimed; the number of entries claimed.

    The ORM would need one UPDATE per line: an invoice run of 100,000 entries writes
    ~28,000 lines. The pairs travel as two arrays, so the statement has three parameters
    whatever the number of entries."""
    if not claims:
        return 0
    statement = sql.SQL(
        "UPDATE {table} SET {line} = pairs.line_id"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS pairs(entry_id, line_id)"
        " WHERE {table}.{pk} = pairs.entry_id AND {table}.{line} IS NULL AND {table}.{state} = %s"
    ).format(
        table=sql.Identifier(TimeEntry._meta.db_table),
        pk=sql.Identifier("id"),
        line=sql.Identifier("invoice_line_id"),
        state=sql.Identifier("state"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement.as_string(cursor.cursor),
            [list(claims), list(claims.values()), EntryState.APPROVED],
        )
        claimed: int = cursor.rowcount
        return claimed
