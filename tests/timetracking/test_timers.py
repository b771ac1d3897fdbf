"""Server-side timers: one running per agent, pause/resume arithmetic, stop logs an entry."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.timetracking.models import EntrySource, TimeEntry, Timer, TimerState
from tallyhour.timetracking.selectors import running_timer
from tallyhour.timetracking.timers import timer_pause, timer_resume, timer_start, timer_stop
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, ChargeTypeFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    """Frozen time, moved by hand: `clock(9, 30)` is Monday 09:30 UTC."""

    def move(hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> dt.datetime:
        instant = at(MONDAY, hour, minute) + dt.timedelta(seconds=second, microseconds=microsecond)
        time_machine.move_to(instant, tick=False)
        return instant

    return move


def test_start_runs_a_timer(engineer, ticket, clock):
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    assert (timer.state, timer.running_since, timer.first_started_at) == (
        TimerState.RUNNING,
        at(MONDAY, 9),
        at(MONDAY, 9),
    )
    assert timer.accumulated_seconds == 0
    assert timer.charge_type is None  # the ticket decides when it is stopped
    assert running_timer(engineer) == timer
    assert history_for(timer).get().action == "timer.start"


def test_start_pauses_the_running_timer(engineer, ticket, client_acme, clock):
    clock(9)
    first = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    clock(9, 25)
    second = timer_start(agent=engineer, actor=engineer, ticket=TicketFactory(client=client_acme))
    first.refresh_from_db()
    assert (first.state, first.accumulated_seconds, first.running_since) == (
        TimerState.PAUSED,
        25 * 60,
        None,
    )
    assert second.state == TimerState.RUNNING
    assert Timer.objects.filter(agent=engineer, state=TimerState.RUNNING).get() == second


def test_other_agents_timers_are_untouched(engineer, other_engineer, ticket, clock):
    clock(9)
    mine = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    timer_start(agent=other_engineer, actor=other_engineer, ticket=ticket)
    mine.refresh_from_db()
    assert mine.state == TimerState.RUNNING


def test_database_refuses_a_second_running_timer(engineer, ticket):
    Timer.objects.create(
        agent=engineer,
        ticket=ticket,
        state=TimerState.RUNNING,
        running_since=at(MONDAY, 9),
        first_started_at=at(MONDAY, 9),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Timer.objects.create(
            agent=engineer,
            ticket=ticket,
            state=TimerState.RUNNING,
            running_since=at(MONDAY, 10),
            first_started_at=at(MONDAY, 10),
        )
    # Paused timers are not limited.
    for _ in range(2):
        Timer.objects.create(
            agent=engineer, ticket=ticket, state=TimerState.PAUSED, first_started_at=at(MONDAY, 8)
        )
    assert Timer.objects.filter(agent=engineer).count() == 3


def test_database_refuses_a_running_timer_without_start(engineer, ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        Timer.objects.create(
            agent=engineer,
            ticket=ticket,
            state=TimerState.RUNNING,
            running_since=None,
            first_started_at=at(MONDAY, 9),
        )


def test_pause_and_resume_accumulate(engineer, ticket, clock):
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    clock(9, 10)
    timer = timer_pause(timer=timer, actor=engineer)
    assert (timer.state, timer.accumulated_seconds) == (TimerState.PAUSED, 600)
    clock(9, 30)  # twenty paused minutes never count
    assert timer.elapsed_seconds(at(MONDAY, 9, 30)) == 600
    timer = timer_resume(timer=timer, actor=engineer)
    assert (timer.state, timer.running_since) == (TimerState.RUNNING, at(MONDAY, 9, 30))
    clock(9, 45)
    assert timer.elapsed_seconds(at(MONDAY, 9, 45)) == 600 + 900
    timer_pause(timer=timer, actor=engineer)
    timer = timer_pause(timer=timer, actor=engineer)  # pausing twice changes nothing
    assert timer.accumulated_seconds == 1500

    entry = timer_stop(timer=timer, actor=engineer)
    assert entry.worked_seconds == 1500
    assert (entry.started_at, entry.ended_at) == (at(MONDAY, 9, 20), at(MONDAY, 9, 45))


def test_resume_pauses_the_running_one(engineer, ticket, client_acme, clock):
    clock(9)
    first = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    clock(9, 5)
    second = timer_start(agent=engineer, actor=engineer, ticket=TicketFactory(client=client_acme))
    clock(9, 8)
    first.refresh_from_db()
    timer_resume(timer=first, actor=engineer)
    second.refresh_from_db()
    assert (second.state, second.accumulated_seconds) == (TimerState.PAUSED, 180)
    assert running_timer(engineer).pk == first.pk


def test_stop_logs_exact_elapsed_time_ending_now(engineer, ticket, remote_support, clock):
    clock(9, 0, 0, 400_000)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, note="Printer")
    clock(10, 17, 42, 900_000)
    entry = timer_stop(timer=timer, actor=engineer)
    entry.refresh_from_db()
    assert entry.worked_seconds == 77 * 60 + 42
    assert (entry.started_at, entry.ended_at) == (
        at(MONDAY, 9),
        at(MONDAY, 10, 17) + dt.timedelta(seconds=42),
    )
    assert (entry.source, entry.ticket, entry.charge_type, entry.note) == (
        EntrySource.TIMER,
        ticket,
        remote_support,
        "Printer",
    )
    assert not entry.needs_review
    assert not Timer.objects.exists()
    assert history_for(timer).last().after == {"entry": entry.pk, "seconds": 4662}


def test_stop_under_a_second_logs_nothing(engineer, ticket, clock):
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    clock(9, 0, 0, 900_000)
    assert timer_stop(timer=timer, actor=engineer) is None
    assert not TimeEntry.objects.exists()
    assert not Timer.objects.exists()


def test_stop_with_another_ticket_logs_to_it(engineer, ticket, client_acme, clock):
    onsite = ChargeTypeFactory(name="On-site", hourly_rate=120)
    other = TicketFactory(client=client_acme, charge_type=onsite)
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    clock(9, 30)
    entry = timer_stop(timer=timer, actor=engineer, ticket=other, note="Moved on site")
    assert (entry.ticket, entry.charge_type, entry.note) == (other, onsite, "Moved on site")


def test_stop_a_stopped_timer_is_a_conflict(engineer, ticket, clock):
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    clock(9, 5)
    timer_stop(timer=timer, actor=engineer)
    with pytest.raises(Conflict) as caught:
        timer_stop(timer=timer, actor=engineer)
    assert caught.value.status == 409
    assert TimeEntry.objects.count() == 1


def test_timer_without_ticket_uses_a_charge_type(engineer, internal, remote_support, clock):
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer)
    assert timer.charge_type == remote_support  # the agent's default
    clock(9, 5)
    timer = timer_start(agent=engineer, actor=engineer, charge_type=internal)
    clock(9, 20)
    entry = timer_stop(timer=timer, actor=engineer)
    assert (entry.ticket, entry.charge_type, entry.is_billable) == (None, internal, False)


def test_timer_that_could_never_be_logged_is_refused_at_start(org, client_acme):
    user = UserFactory(username="no_default")
    AgentFactory(user=user, default_charge_type=None)
    for ticket in (None, TicketFactory(client=client_acme, charge_type=None)):
        with pytest.raises(InvalidInput) as caught:
            timer_start(agent=user, actor=user, ticket=ticket)
        assert caught.value.fields == {"charge_type_id": "required"}
    assert not Timer.objects.exists()


def test_forgotten_timer_is_capped_and_flagged(engineer, ticket, clock):
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    stop = at(MONDAY + dt.timedelta(days=2), 9)  # left running for 48 hours
    entry = timer_stop(timer=timer, actor=engineer, now=stop)
    assert entry.worked_seconds == 24 * 3600
    assert entry.ended_at == stop
    assert entry.needs_review


def test_someone_elses_timer_is_forbidden(engineer, other_engineer, ticket, clock):
    clock(9)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    for action in (timer_pause, timer_resume, timer_stop):
        with pytest.raises(Forbidden):
            action(timer=timer, actor=other_engineer)
    with pytest.raises(Forbidden):
        timer_start(agent=engineer, actor=other_engineer, ticket=ticket)
    timer.refresh_from_db()
    assert timer.state == TimerState.RUNNING


def test_now_argument_overrides_the_clock(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    timer_pause(timer=timer, actor=engineer, now=at(MONDAY, 9, 1))
    timer_resume(timer=timer, actor=engineer, now=at(MONDAY, 10))
    entry = timer_stop(timer=timer, actor=engineer, now=at(MONDAY, 10, 2))
    assert (entry.worked_seconds, entry.started_at) == (180, at(MONDAY, 9, 59))


def test_stop_logs_what_is_stored_under_the_lock_not_what_was_read_before(
    clock, engineer, remote_support
):
    """The stop reuses the ticket and charge type the visibility read loaded only while the
    locked row still names them: a ticket changed in between is the one logged to."""
    from tallyhour.timetracking.selectors import timer_get

    first, second = TicketFactory(charge_type=remote_support), TicketFactory()
    timer = timer_start(agent=engineer, actor=engineer, ticket=first, now=clock(9))
    seen = timer_get(actor=engineer, timer_id=timer.pk)
    assert seen.ticket == first  # loaded with the timer
    Timer.objects.filter(pk=timer.pk).update(ticket=second)
    entry = timer_stop(timer=seen, actor=engineer, now=clock(9, 30))
    assert entry is not None
    assert entry.ticket_id == second.pk
    assert entry.charge_type_id == (second.charge_type_id or engineer.agent.default_charge_type_id)
