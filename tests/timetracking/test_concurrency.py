"""Parallel timer starts on PostgreSQL: the agent row lock queues them, the index holds."""

import pytest
from django.db import connection

from tallyhour.timetracking.models import Timer, TimerState
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at
from tests.core.concurrency import run_in_parallel
from tests.factories import TicketFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_parallel_starts_leave_one_running_timer(engineer, client_acme):
    tickets = [TicketFactory(client=client_acme, charge_type=None) for _ in range(20)]

    results, errors = run_in_parallel(
        20,
        lambda i: timer_start(agent=engineer, actor=engineer, ticket=tickets[i], now=at(MONDAY, 9)),
    )

    assert errors == []
    assert len(results) == 20
    timers = Timer.objects.filter(agent=engineer)
    assert timers.count() == 20
    assert timers.filter(state=TimerState.RUNNING).count() == 1
    assert timers.filter(state=TimerState.PAUSED).count() == 19
    assert {t.ticket_id for t in timers} == {t.pk for t in tickets}
