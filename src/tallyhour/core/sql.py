"""Hand-written SQL for the audit log, PostgreSQL only.

Its ORM twin is `AuditEntry.save()` (what SQLite runs); `tests/core/test_sql.py` writes a row
each way and compares them.
"""

from django.db import connection
from django.utils import timezone
from psycopg import sql

from tallyhour.core.models import AuditEntry

# Every audited write adds one row: the INSERT is rendered once, where the ORM compiles it
# for each row.
FIELDS = [field for field in AuditEntry._meta.concrete_fields if not field.primary_key]
INSERT = (
    sql.SQL("INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id")
    .format(
        table=sql.Identifier(AuditEntry._meta.db_table),
        columns=sql.SQL(", ").join(sql.Identifier(str(field.column)) for field in FIELDS),
        values=sql.SQL(", ").join(sql.Placeholder() for _ in FIELDS),
    )
    .as_string(None)
)


def audit_insert(entry: AuditEntry) -> None:
    """Write a new audit row and give `entry` its id and time, as `save()` would; each
    value is prepared by its field, as the ORM prepares it (JSON for before and after)."""
    if entry.pk is not None:
        entry.save()  # refuses: the audit log is append-only
    entry.created_at = timezone.now()
    values = [field.get_db_prep_save(getattr(entry, field.attname), connection) for field in FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(INSERT, values)
        row = cursor.fetchone()
    assert row is not None
    entry.pk = row[0]
