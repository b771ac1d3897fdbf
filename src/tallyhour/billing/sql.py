"""Hand-written SQL for billing, PostgreSQL only, each beside the ORM version SQLite runs
(`tests/billing/test_sql.py` runs both on the same rows)."""

from django.db import connection
from psycopg import sql

from tallyhour.billing.models import LineTime

# Rows per INSERT of the ORM version: three parameters a row, within SQLite's limit.
ORM_ROWS = 5_000


def copy_line_times(rows: list[tuple[int, int, int]]) -> None:
    """Write (line id, entry id, seconds) rows with COPY: a run writes one per billed entry,
    and building a model instance for each costs more than the database does."""
    statement = sql.SQL(
        "COPY {table} ({line}, {entry}, {seconds}, {micros}, {billed}) FROM STDIN"
    ).format(
        table=sql.Identifier(LineTime._meta.db_table),
        line=sql.Identifier("line_id"),
        entry=sql.Identifier("entry_id"),
        seconds=sql.Identifier("seconds"),
        micros=sql.Identifier("micros"),
        billed=sql.Identifier("billed"),
    )
    # A draft bills nothing yet: issuing fills in the share and counts it.
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row, 0, False))


def insert_line_times_orm(rows: list[tuple[int, int, int]]) -> None:
    """`copy_line_times` in the ORM."""
    LineTime.objects.bulk_create(
        (LineTime(line_id=line, entry_id=entry, seconds=seconds) for line, entry, seconds in rows),
        batch_size=ORM_ROWS,
    )
