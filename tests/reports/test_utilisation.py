"""Utilisation: available vs logged vs billable per agent, live, by local day, in SQL."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.core.errors import InvalidInput
from tallyhour.reports.selectors.utilisation import UtilisationRow, utilisation_for
from tallyhour.timetracking.models import Timer, TimerState
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUR = 3600
SUNDAY = MONDAY + dt.timedelta(days=6)
THURSDAY = MONDAY + dt.timedelta(days=3)


def log(agent, start, hours, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=int(hours * 60), **kwargs
    )


def rows_by_name(rows: list[UtilisationRow]) -> dict[str, UtilisationRow]:
    return {row.name: row for row in rows}


def only_row(actor, start=MONDAY, end=SUNDAY, **kwargs) -> UtilisationRow:
    [row] = utilisation_for(actor=actor, start=start, end=end, **kwargs)
    return row


@pytest.fixture
def logged_week(engineer, ticket, internal):
    log(engineer, at(MONDAY, 9), 6, ticket=ticket)  # billable
    log(engineer, at(MONDAY + dt.timedelta(days=1), 9), 2, charge_type=internal)
    log(engineer, at(MONDAY + dt.timedelta(days=2), 9), 4, ticket=ticket)  # billable
    log(engineer, at(SUNDAY + dt.timedelta(days=1), 9), 3, ticket=ticket)  # next week


def test_hand_worked_week(logged_week, engineer):
    row = only_row(engineer, now=at(SUNDAY + dt.timedelta(days=1), 12))
    assert row.available_seconds == 40 * HOUR  # 5 workdays × (8.5 h − 30 min break)
    assert (row.logged_seconds, row.billable_seconds, row.non_billable_seconds) == (
        12 * HOUR,
        10 * HOUR,
        2 * HOUR,
    )
    assert row.utilisation == Decimal("0.2500")  # 10 h / 40 h
    assert row.logged_ratio == Decimal("0.3000")  # 12 h / 40 h
    assert row.headroom_seconds == 28 * HOUR
    assert not row.over_capacity
    assert row.band == "under"  # target 75 %


def test_billable_counts_worked_time_before_write_offs(engineer, ticket):
    entry = log(engineer, at(MONDAY, 9), 2, ticket=ticket)
    type(entry).objects.filter(pk=entry.pk).update(billable_seconds=HOUR)
    assert only_row(engineer, now=at(SUNDAY, 23)).billable_seconds == 2 * HOUR


def test_running_timer_counts_up_to_now(logged_week, engineer, ticket, time_machine):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(THURSDAY, 9))
    time_machine.move_to(at(THURSDAY, 10, 30), tick=False)
    row = only_row(engineer)  # no `now`: the clock decides
    assert (row.logged_seconds, row.billable_seconds) == (12 * HOUR + 5400, 10 * HOUR + 5400)
    assert row.utilisation == Decimal("0.2875")  # 11.5 h / 40 h
    time_machine.move_to(at(THURSDAY, 11), tick=False)
    assert only_row(engineer).logged_seconds == 14 * HOUR  # 12 h logged + 2 h running


def test_running_timer_on_non_billable_work(engineer, internal):
    timer_start(agent=engineer, actor=engineer, charge_type=internal, now=at(MONDAY, 9))
    row = only_row(engineer, now=at(MONDAY, 10))
    assert (row.logged_seconds, row.billable_seconds) == (HOUR, 0)


def test_running_timer_billable_by_the_agents_default(engineer, client_acme):
    # Neither timer nor ticket names a charge type: stopping it would use the agent's
    # default (billable remote support), so it counts as billable now.
    bare = TicketFactory(client=client_acme, charge_type=None)
    timer_start(agent=engineer, actor=engineer, ticket=bare, now=at(MONDAY, 9))
    assert only_row(engineer, now=at(MONDAY, 10)).billable_seconds == HOUR


def test_running_timer_not_billable_by_the_agents_default(engineer, internal, client_acme):
    engineer.agent.default_charge_type = internal
    engineer.agent.save()
    bare = TicketFactory(client=client_acme, charge_type=None)
    timer_start(agent=engineer, actor=engineer, ticket=bare, now=at(MONDAY, 9))
    row = only_row(engineer, now=at(MONDAY, 10))
    assert (row.logged_seconds, row.billable_seconds) == (HOUR, 0)


def test_running_timer_counts_only_inside_the_period(engineer, ticket):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 23))
    # Started Monday 23:00; on Tuesday at 01:00 only Tuesday's hour belongs to Tuesday.
    tuesday = MONDAY + dt.timedelta(days=1)
    assert only_row(engineer, start=tuesday, end=tuesday, now=at(tuesday, 1)).logged_seconds == HOUR
    # When now is after the period the timer is not in it at all.
    assert only_row(engineer, start=MONDAY, end=MONDAY, now=at(tuesday, 1)).logged_seconds == 0


def test_paused_timer_is_not_counted(engineer, ticket):
    Timer.objects.create(
        agent=engineer,
        ticket=ticket,
        state=TimerState.PAUSED,
        accumulated_seconds=HOUR,
        first_started_at=at(MONDAY, 8),
    )
    assert only_row(engineer, now=at(MONDAY, 12)).logged_seconds == 0


def test_agent_in_another_zone_is_bucketed_by_local_days(engineer, other_engineer, ticket, billing):
    other_engineer.agent.timezone = "America/New_York"
    other_engineer.agent.save()
    sunday_evening_ny = dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC)  # Sun 20:00 in New York
    previous_sunday_ny = dt.datetime(2026, 11, 16, 3, tzinfo=dt.UTC)  # Sun 15th 22:00
    log(other_engineer, sunday_evening_ny, 1, ticket=ticket)
    log(other_engineer, previous_sunday_ny, 1, ticket=ticket)
    log(engineer, sunday_evening_ny, 1, ticket=ticket)  # Monday 01:00 in London: next week
    log(engineer, previous_sunday_ny, 1, ticket=ticket)  # Monday 03:00 in London: this week

    rows = rows_by_name(
        utilisation_for(actor=billing, start=MONDAY, end=SUNDAY, now=at(SUNDAY, 12))
    )
    ny = rows[other_engineer.display_name]
    london = rows[engineer.display_name]
    assert (ny.logged_seconds, london.logged_seconds) == (HOUR, HOUR)


def test_available_follows_each_agents_workdays(org, billing):
    user = UserFactory(username="part_time")
    AgentFactory(user=user, workdays=[0, 2, 4])
    row = only_row(billing, agent_ids=[user.pk], now=at(MONDAY, 9))
    assert row.available_seconds == 24 * HOUR
    # Two weeks: 6 workdays.
    assert (
        only_row(
            billing, end=SUNDAY + dt.timedelta(days=7), agent_ids=[user.pk], now=at(MONDAY, 9)
        ).available_seconds
        == 48 * HOUR
    )


def test_no_available_hours_means_no_ratio(engineer, ticket):
    saturday = MONDAY + dt.timedelta(days=5)
    log(engineer, at(saturday, 10), 2, ticket=ticket)
    row = only_row(engineer, start=saturday, end=saturday + dt.timedelta(days=1), now=at(MONDAY, 9))
    assert (row.available_seconds, row.logged_seconds) == (0, 2 * HOUR)
    assert (row.utilisation, row.logged_ratio, row.band) == (None, None, "none")
    assert row.over_capacity and row.headroom_seconds == -2 * HOUR


def test_bands_around_the_target(engineer):
    def band(billable: int) -> str:
        return UtilisationRow(
            agent_id=1,
            name="x",
            available_seconds=100,
            logged_seconds=100,
            billable_seconds=billable,
            target_utilisation=Decimal("0.75"),
        ).band

    assert [band(69), band(70), band(80), band(81)] == ["under", "on", "on", "over"]


def test_visibility(engineer, other_engineer, approver, other_approver, billing, admin):
    def names(actor) -> set[str]:
        return {
            row.agent_id
            for row in utilisation_for(actor=actor, start=MONDAY, end=SUNDAY, now=at(MONDAY, 9))
        }

    everyone = {engineer.pk, other_engineer.pk, approver.pk, other_approver.pk, admin.pk}
    assert names(engineer) == {engineer.pk}
    assert names(approver) == {approver.pk, engineer.pk}
    assert names(other_approver) == {other_approver.pk, other_engineer.pk}
    assert names(billing) == everyone
    assert names(admin) == everyone
    # Asking for someone you cannot see gives nothing rather than their figures.
    assert (
        utilisation_for(actor=engineer, start=MONDAY, end=SUNDAY, agent_ids=[other_engineer.pk])
        == []
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (MONDAY, MONDAY - dt.timedelta(days=1), "end"),
        (MONDAY, MONDAY + dt.timedelta(days=366), "end"),
    ],
)
def test_period_validation(engineer, start, end, field):
    with pytest.raises(InvalidInput) as caught:
        utilisation_for(actor=engineer, start=start, end=end)
    assert field in caught.value.fields


def test_longest_period_is_366_days(engineer):
    row = only_row(
        engineer, start=dt.date(2028, 1, 1), end=dt.date(2028, 12, 31), now=at(MONDAY, 9)
    )
    # 2028 has 260 weekdays, 8 of them English bank holidays.
    assert row.available_seconds == 252 * 8 * HOUR


def make_agents(size: int, team, remote_support, ticket, internal) -> None:
    """`size` agents in two zones, each with 2 h billable + 1 h internal and a running timer."""
    for i in range(size):
        user = UserFactory(username=f"bulk{i:02d}")
        agent = AgentFactory(
            user=user,
            default_charge_type=remote_support,
            timezone="America/New_York" if i % 2 else "Europe/London",
        )
        agent.teams.add(team)
        log(user, at(MONDAY, 14), 2, ticket=ticket)
        log(user, at(MONDAY, 17), 1, charge_type=internal)
        timer_start(
            agent=user, actor=user, ticket=ticket, now=at(MONDAY + dt.timedelta(days=1), 15)
        )


@pytest.mark.parametrize("size", [2, 20])
def test_query_count_does_not_grow_with_agents(
    size,
    billing,
    approver,
    team_a,
    remote_support,
    ticket,
    internal,
    django_assert_max_num_queries,
):
    make_agents(size, team_a, remote_support, ticket, internal)
    now = at(MONDAY + dt.timedelta(days=1), 16)
    for actor in (billing, approver):
        # Agents, their teams, the calendar (organisation, workdays, closures, leave),
        # entries, running timers, billed time: nine; the week in progress adds today's
        # workday hours: ten, whatever the number of agents.
        with django_assert_max_num_queries(10):
            rows = utilisation_for(actor=actor, start=MONDAY, end=SUNDAY, now=now)
        bulk = [row for row in rows if row.agent_id != approver.pk]
        assert len(bulk) == size
        # 3 h logged plus the timer's running hour; 2 h billable plus that hour.
        assert {(row.logged_seconds, row.billable_seconds) for row in bulk} == {
            (4 * HOUR, 3 * HOUR)
        }
