"""The PostgreSQL backend reads timestamps with psycopg's C loader and gives what Django's would."""

import datetime as dt

import pytest
from django.db import connection

from tallyhour.accounts.models import User
from tallyhour.timetracking.models import TimeEntry
from tests.factories import TimeEntryFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend only"),
]


def _loader(cursor):
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from psycopg.pq import Format

    return cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


def test_cursors_use_the_c_loader():
    with connection.cursor() as cursor:
        loader = _loader(cursor.cursor)
    assert loader.__module__.startswith(("psycopg_binary", "psycopg_c")), loader


@pytest.mark.skipif(
    not connection.settings_dict["OPTIONS"].get("server_side_binding"),
    reason="DATABASE_PREPARE=0",
)
def test_repeated_queries_become_server_prepared_statements():
    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {row[0] for row in cursor.fetchall()}

    UserFactory(username="someone")
    for _ in range(6):  # psycopg prepares a statement from its fifth run on a connection
        assert User.objects.filter(username="someone").exists()
    assert any('"accounts_user"."username"' in sql and "$1" in sql for sql in prepared())


def test_same_values_as_djangos_loader():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    agent = UserFactory()
    starts = [
        dt.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=dt.UTC),  # the night clocks change
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC),
    ]
    for start in starts:
        TimeEntryFactory(agent=agent, started_at=start, ended_at=start + dt.timedelta(minutes=7))
    query = TimeEntry.objects.filter(agent=agent).order_by("started_at")
    sql, params = query.values_list("started_at", "ended_at", "created_at").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fast = cursor.fetchall()
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own loader
        cursor.execute(sql, params)
        django = cursor.fetchall()
    assert fast == django and len(fast) == 3
    assert [row[0] for row in fast] == sorted(starts)
    assert all(value.tzinfo is dt.UTC for row in fast for value in row)
    # Model instances are read through the same cursors.
    assert [e.started_at for e in query] == sorted(starts)
    assert all(e.started_at.tzinfo is dt.UTC for e in query)


def test_right_instant_in_another_session_zone():
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/London'")
        try:
            cursor.execute("SELECT '2026-07-01 12:00+00'::timestamptz")
            (value,) = cursor.fetchone()
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
    # Django's own loader would give 13:00 UTC here.
    assert value == dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
