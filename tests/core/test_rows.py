"""value_rows gives exactly the rows values_list() gives, timestamps included."""

import datetime as dt

import pytest
from django.db.models import F

from tallyhour.core.models import AuditEntry
from tallyhour.core.rows import value_rows
from tallyhour.timetracking.models import TimeEntry
from tests.factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_same_rows_as_values_list():
    agent = UserFactory()
    for minutes in (0, 61, 59 * 60 + 59):
        start = dt.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=dt.UTC)
        start += dt.timedelta(minutes=minutes)
        TimeEntryFactory(agent=agent, started_at=start)
    entries = TimeEntry.objects.filter(agent=agent).order_by("started_at", "pk")
    query = entries.values_list("pk", "ticket_id", "started_at", "ended_at", "billable_seconds")
    rows = value_rows(query)
    assert rows == list(query) and len(rows) == 3
    assert all(row[2].tzinfo is dt.UTC and row[3].tzinfo is dt.UTC for row in rows)
    # Expressions as well as columns.
    shifted = entries.annotate(later=F("ended_at")).values_list("later", flat=False)
    assert value_rows(shifted) == list(shifted)


def test_converted_values_and_empty_queries(billing):
    AuditEntry.objects.create(
        actor=billing, action="x", object_type="t", object_id="1", after={"a": 1}
    )
    # A JSON column is converted by the ORM on the way out: read through it, still equal.
    query = AuditEntry.objects.filter(action="x").values_list("after", "created_at")
    assert value_rows(query) == list(query) == [({"a": 1}, query[0][1])]
    assert value_rows(TimeEntry.objects.filter(pk__in=[]).values_list("pk")) == []


def test_values_list_only():
    with pytest.raises(AssertionError):
        value_rows(TimeEntry.objects.all())
