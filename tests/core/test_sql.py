"""The audit row's hand-written INSERT on PostgreSQL writes what `AuditEntry.save()` writes."""

import pytest
from django.db import connection

from tallyhour.core import sql
from tallyhour.core.errors import Conflict
from tallyhour.core.models import AuditEntry

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="hand-written SQL runs on PostgreSQL only"
    ),
]

COLUMNS = ["actor_id", "action", "object_type", "object_id", "before", "after", "reason"]


def _entry(actor) -> AuditEntry:  # noqa: ANN001
    return AuditEntry(
        actor=actor,
        action="timer.stop",
        object_type="timetracking.timer",
        object_id="42",
        before={"state": "running", "seconds": 90, "note": 'Ünïcode & "quotes"'},
        after=None,
        reason="",
    )


def test_the_row_is_the_orms(engineer):
    by_orm, by_sql = _entry(engineer), _entry(engineer)
    by_orm.save()
    sql.audit_insert(by_sql)
    assert by_sql.pk is not None and by_sql.pk != by_orm.pk
    orm_row, sql_row = (
        AuditEntry.objects.filter(pk=pk).values(*COLUMNS, "created_at").get()
        for pk in (by_orm.pk, by_sql.pk)
    )
    assert {c: sql_row[c] for c in COLUMNS} == {c: orm_row[c] for c in COLUMNS}
    assert sql_row["created_at"] == by_sql.created_at
    assert abs(sql_row["created_at"] - orm_row["created_at"]).total_seconds() < 5


def test_an_entry_is_written_once():
    entry = _entry(None)
    sql.audit_insert(entry)
    with pytest.raises(Conflict):
        sql.audit_insert(entry)
