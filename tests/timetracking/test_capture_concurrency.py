"""Parallel ticket work by one agent on PostgreSQL: one running timer, no second lost."""

import random
import time

import pytest
from django.db import connection

from tallyhour.accounts.models import Organisation
from tallyhour.core import dates
from tallyhour.timetracking.capture import ticket_open
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState
from tallyhour.timetracking.timers import timer_stop
from tests.core.concurrency import run_in_parallel
from tests.factories import TicketFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_twenty_parallel_starts_keep_one_timer_and_every_second(engineer, client_acme):
    tickets = [
        TicketFactory(client=client_acme, charge_type=None, assignee=engineer) for _ in range(20)
    ]
    rng = random.Random(7)
    delays = [rng.uniform(0, 1.5) for _ in tickets]  # spread the starts over a few seconds

    def start(index: int) -> Timer | None:
        time.sleep(delays[index])
        return ticket_open(ticket=tickets[index], actor=engineer)

    results, errors = run_in_parallel(20, start)

    assert errors == []
    assert len(results) == 20
    timers = Timer.objects.filter(agent=engineer)
    assert timers.filter(state=TimerState.RUNNING).count() == 1
    assert timers.count() == 20
    first_start = min(t.first_started_at for t in timers)

    # Paused timers' time is placed ending at the stop: nineteen stops at one moment would
    # overlap, and a few seconds each would be discarded as stray. Only the count matters here.
    engineer.agent.allow_overlaps = True
    engineer.agent.save()
    Organisation.objects.filter(pk=1).update(timer_discard_seconds=0)
    end = dates.now().replace(microsecond=0)
    running = timers.get(state=TimerState.RUNNING)
    for timer in timers.filter(state=TimerState.PAUSED):
        timer_stop(timer=timer, actor=engineer, now=end)
    logged = sum(TimeEntry.objects.filter(agent=engineer).values_list("worked_seconds", flat=True))
    running.refresh_from_db()

    # Every second from the first start to now is counted exactly once.
    assert logged + running.elapsed_seconds(end) == int((end - first_start).total_seconds())
