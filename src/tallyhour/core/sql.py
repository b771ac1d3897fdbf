"""Hand-written SQL for the audit log, PostgreSQL only.

Its ORM twin is `AuditEntry.save()` (what SQLite runs); `tests/core/test_sql.py` writes a row
each way and compares them.
"""

from tallyhour.core.models import AuditEntry
from tallyhour.core.sqlrows import insert, insert_statement

# Every audited write adds one row: the INSERT is rendered once, where the ORM compiles it
# for each row.
INSERT = insert_statement(AuditEntry)


def audit_insert(entry: AuditEntry) -> None:
    """Write a new audit row (twin: `entry.save()`); `entry` gets its id and time."""
    if entry.pk is not None:
        entry.save()  # refuses: the audit log is append-only
    insert(entry, INSERT)
