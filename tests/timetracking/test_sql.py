"""Timers' hand-written SQL on PostgreSQL builds what its ORM twin builds on the same rows:
the locked timer with its ticket, the ticket's charge type and its own charge type, and no
further query for any of them."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tallyhour.core import dates
from tallyhour.timetracking import sql
from tallyhour.timetracking.models import Timer, TimerState
from tallyhour.timetracking.timers import running_locked_orm, timer_locked_orm
from tests.factories import TicketFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="hand-written SQL runs on PostgreSQL only"
    ),
]


def _fields(obj):  # noqa: ANN001, ANN202
    if obj is None:
        return None
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _timer(engineer, **values) -> Timer:  # noqa: ANN001
    return Timer.objects.create(
        agent=engineer,
        state=TimerState.PAUSED,
        accumulated_seconds=60,
        first_started_at=dates.now(),
        **values,
    )


@pytest.mark.parametrize("shape", ["ticket with its charge type", "ticket", "activity", "none"])
def test_the_locked_timer_is_the_orms(shape, engineer, client_acme, remote_support):
    values = {
        "ticket with its charge type": {
            "ticket": TicketFactory(client=client_acme, charge_type=remote_support)
        },
        "ticket": {"ticket": TicketFactory(client=client_acme, charge_type=None)},
        "activity": {"charge_type": remote_support, "note": "Travel"},
        "none": {},
    }[shape]
    timer = _timer(engineer, **values)
    with transaction.atomic():
        orm = timer_locked_orm(timer.pk)
        with CaptureQueriesContext(connection) as queries:
            raw = sql.timer_locked(timer.pk)
            assert _fields(raw) == _fields(orm)
            assert _fields(raw.ticket) == _fields(orm.ticket)
            assert _fields(raw.charge_type) == _fields(orm.charge_type)
            if orm.ticket is not None:
                assert _fields(raw.ticket.charge_type) == _fields(orm.ticket.charge_type)
        assert len(queries) == 1  # nothing loaded lazily


def test_a_gone_timer_is_none():
    with transaction.atomic():
        assert sql.timer_locked(0) is None
        assert timer_locked_orm(0) is None


def test_the_bare_timer_row_is_the_orms(engineer, remote_support):
    timer = _timer(engineer, charge_type=remote_support, note="Travel")
    assert _fields(sql.timer_row(timer.pk)) == _fields(Timer.objects.get(pk=timer.pk))
    assert sql.timer_row(0) is None


def test_the_running_timers_locked_are_the_orms(engineer, approver, remote_support):
    running = Timer.objects.create(
        agent=engineer,
        state=TimerState.RUNNING,
        running_since=dates.now(),
        first_started_at=dates.now(),
        charge_type=remote_support,
    )
    _timer(engineer, charge_type=remote_support)  # paused: not read
    _timer(approver, charge_type=remote_support)  # someone else's
    with transaction.atomic():
        raw = sql.running_timers_locked(engineer.pk)
        orm = running_locked_orm(engineer.pk)
        assert [_fields(t) for t in raw] == [_fields(t) for t in orm]
        assert [t.pk for t in raw] == [running.pk]
        assert sql.running_timers_locked(0) == running_locked_orm(0) == []


def test_a_timer_inserted_and_deleted_is_as_the_orms(engineer, client_acme, remote_support):
    ticket = TicketFactory(client=client_acme, charge_type=remote_support)
    started = dates.now().replace(microsecond=0)
    by_orm, by_sql = (
        Timer(
            agent=engineer,
            ticket=ticket,
            note="Ünïcode",
            state=TimerState.PAUSED,
            accumulated_seconds=90,
            first_started_at=started,
        )
        for _ in range(2)
    )
    by_orm.save()
    sql.timer_insert(by_sql)
    assert by_sql.pk is not None and by_sql.pk != by_orm.pk
    stored = {t.pk: _fields(t) for t in Timer.objects.filter(pk__in=[by_orm.pk, by_sql.pk])}
    orm_row, sql_row = stored[by_orm.pk], stored[by_sql.pk]
    for row in (orm_row, sql_row):
        row.pop("id"), row.pop("created_at")
    assert sql_row == orm_row
    assert Timer.objects.get(pk=by_sql.pk).created_at == by_sql.created_at
    sql.timer_delete(by_sql)
    assert by_sql.pk is None
    assert list(Timer.objects.values_list("pk", flat=True)) == [by_orm.pk]
