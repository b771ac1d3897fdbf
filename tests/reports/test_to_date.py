"""Utilisation to date: a period in progress is judged on the workday hours up to now (today
pro rata to its workday gone by), next to the whole period's; past periods are unchanged.
The engineer works Monday–Friday 09:00–17:30 with a 30-minute break (8 h a day) in London,
which is UTC in November."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.accounts.models import Agent, Role, Workday
from tallyhour.accounts.services import leave_create
from tallyhour.reports.selectors.utilisation import (
    UtilisationRow,
    combined_row,
    utilisation_for,
    utilisation_trend,
)
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUR = 3600
DAY = 8 * HOUR
SUNDAY = MONDAY + dt.timedelta(days=6)
WEDNESDAY = MONDAY + dt.timedelta(days=2)
WORKDAY = 8.5 * HOUR  # 09:00–17:30, the break spread over it


def log(agent, start, hours, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=int(hours * 60), **kwargs
    )


def week_row(actor, **kwargs) -> UtilisationRow:
    [row] = utilisation_for(actor=actor, start=MONDAY, end=SUNDAY, **kwargs)
    return row


def test_monday_before_the_workday_has_nothing_available_yet(engineer, ticket, time_machine):
    time_machine.move_to(at(MONDAY, 8), tick=False)
    row = week_row(engineer)
    assert (row.available_seconds, row.available_so_far_seconds) == (5 * DAY, 0)
    assert row.is_to_date
    assert (row.utilisation_to_date, row.band) == (None, "none")


def test_monday_morning_is_judged_on_the_morning(engineer, ticket, time_machine):
    log(engineer, at(MONDAY, 9), 1.5, ticket=ticket)
    time_machine.move_to(at(MONDAY, 11), tick=False)
    row = week_row(engineer)
    # Two hours into an 8.5-hour workday: 2/8.5 of the day's 8 h target.
    assert row.available_so_far_seconds == int(DAY * 2 * HOUR // WORKDAY) == 6776
    assert row.available_seconds == 5 * DAY
    assert row.utilisation_to_date == Decimal("0.7969")  # 1.5 h of 1.88 h
    assert row.band == "on"  # target 75 %: not "under" at 4 % of the whole week
    assert row.utilisation == Decimal("0.0375")  # the whole week's figure, kept beside it


def test_mid_week_counts_the_days_so_far_and_part_of_today(engineer, ticket, time_machine):
    log(engineer, at(MONDAY, 9), 8, ticket=ticket)
    log(engineer, at(MONDAY + dt.timedelta(days=1), 9), 8, ticket=ticket)
    time_machine.move_to(at(WEDNESDAY, 14), tick=False)
    row = week_row(engineer)
    assert row.available_so_far_seconds == 2 * DAY + int(DAY * 5 * HOUR // WORKDAY)
    assert row.logged_ratio_to_date == Decimal("0.7727")  # 16 h of 20.7 h
    assert row.headroom_seconds == 5 * DAY - 16 * HOUR  # what is left of the whole week
    time_machine.move_to(at(WEDNESDAY, 18), tick=False)
    assert week_row(engineer).available_so_far_seconds == 3 * DAY  # the workday is over


def test_a_past_period_is_unchanged(engineer, ticket, time_machine):
    log(engineer, at(MONDAY, 9), 6, ticket=ticket)
    time_machine.move_to(at(SUNDAY + dt.timedelta(days=1), 10), tick=False)
    row = week_row(engineer)
    assert row.available_so_far_seconds == row.available_seconds == 5 * DAY
    assert not row.is_to_date
    assert row.utilisation_to_date == row.utilisation == Decimal("0.1500")
    assert row.band == "under"


def test_a_period_not_begun_has_nothing_available_to_date(engineer, time_machine):
    time_machine.move_to(at(MONDAY - dt.timedelta(days=3), 12), tick=False)
    row = week_row(engineer)
    assert (row.available_seconds, row.available_so_far_seconds) == (5 * DAY, 0)


def test_now_passed_in_wins_over_the_clock(engineer):
    row = week_row(engineer, now=at(MONDAY + dt.timedelta(days=1), 9))
    assert row.available_so_far_seconds == DAY


def test_leave_today_takes_today_off(engineer, admin, time_machine):
    leave_create(agent=engineer.agent, actor=admin, first_day=WEDNESDAY)
    time_machine.move_to(at(WEDNESDAY, 15), tick=False)
    assert week_row(engineer).available_so_far_seconds == 2 * DAY


def test_each_agent_counts_in_their_own_zone(engineer, other_engineer, billing, time_machine):
    other = other_engineer.agent
    other.timezone = "America/New_York"  # 09:00 there is 14:00 UTC in November
    other.save()
    time_machine.move_to(at(MONDAY, 16), tick=False)
    rows = {
        row.agent_id: row
        for row in utilisation_for(actor=billing, start=MONDAY, end=SUNDAY)
        if row.agent_id in (engineer.pk, other_engineer.pk)
    }
    assert rows[engineer.pk].available_so_far_seconds == int(DAY * 7 * HOUR // WORKDAY)
    assert rows[other_engineer.pk].available_so_far_seconds == int(DAY * 2 * HOUR // WORKDAY)


def test_teams_and_totals_add_up_to_date(engineer, approver, billing, time_machine):
    time_machine.move_to(at(MONDAY + dt.timedelta(days=1), 17, 30), tick=False)
    rows = utilisation_for(actor=approver, start=MONDAY, end=SUNDAY)
    assert {row.available_so_far_seconds for row in rows} == {2 * DAY}
    total = combined_row(rows, name="All")
    assert (total.available_so_far_seconds, total.available_seconds) == (4 * DAY, 10 * DAY)


# --- the trend ----------------------------------------------------------------------------


def test_trend_starts_at_the_first_week_with_time(engineer, ticket, time_machine):
    log(engineer, at(MONDAY - dt.timedelta(days=7), 9), 4, ticket=ticket)
    time_machine.move_to(at(WEDNESDAY, 13, 15), tick=False)
    trend = utilisation_trend(actor=engineer, start=MONDAY - dt.timedelta(weeks=11), end=SUNDAY)
    assert [p.week_start for p in trend] == [MONDAY - dt.timedelta(days=7), MONDAY]
    last_week, this_week = trend
    assert not last_week.row.is_to_date and last_week.row.utilisation == Decimal("0.1000")
    assert this_week.row.is_to_date
    assert this_week.row.available_so_far_seconds == 2 * DAY + int(DAY * 4.25 * HOUR // WORKDAY)


def test_trend_counts_time_before_its_weeks(engineer, ticket, time_machine):
    # Time before the first week means the agent was already working: no week is left out.
    log(engineer, at(MONDAY - dt.timedelta(weeks=20), 9), 4, ticket=ticket)
    time_machine.move_to(at(WEDNESDAY, 12), tick=False)
    trend = utilisation_trend(actor=engineer, start=MONDAY - dt.timedelta(weeks=3), end=SUNDAY)
    assert len(trend) == 4
    assert trend[0].row.utilisation == Decimal(0)


def test_trend_leaves_newcomers_out_of_the_weeks_before_they_started(
    engineer, other_engineer, billing, ticket, time_machine
):
    log(engineer, at(MONDAY - dt.timedelta(days=14), 9), 8, ticket=ticket)
    log(other_engineer, at(MONDAY - dt.timedelta(days=7), 9), 8, ticket=ticket)
    time_machine.move_to(at(SUNDAY, 12), tick=False)
    trend = utilisation_trend(
        actor=billing,
        start=MONDAY - dt.timedelta(days=14),
        end=SUNDAY,
        agent_ids=[engineer.pk, other_engineer.pk],
    )
    # Two weeks ago only the engineer worked: the newcomer's 40 h there do not count.
    assert trend[0].row.available_seconds == 5 * DAY
    assert trend[1].row.available_seconds == 10 * DAY


def test_trend_with_only_a_running_timer(engineer, ticket, time_machine):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    time_machine.move_to(at(MONDAY, 10), tick=False)
    trend = utilisation_trend(actor=engineer, start=MONDAY - dt.timedelta(weeks=4), end=SUNDAY)
    assert [p.week_start for p in trend] == [MONDAY]
    assert trend[0].row.logged_seconds == HOUR


def test_no_time_no_trend(engineer, time_machine):
    time_machine.move_to(at(WEDNESDAY, 12), tick=False)
    assert utilisation_trend(actor=engineer, start=MONDAY, end=SUNDAY) == []


# --- who is listed ------------------------------------------------------------------------


def test_reports_list_only_active_agents_who_log_time(engineer, billing, admin, time_machine):
    time_machine.move_to(at(WEDNESDAY, 12), tick=False)
    gone = AgentFactory(user=UserFactory(username="gone", is_active=False)).user
    # The empty profile My week used to make for anyone opening it: no workday.
    Agent.objects.create(user=billing)
    biller_who_logs = AgentFactory(user=UserFactory(username="biller", role=Role.BILLING)).user
    contact = AgentFactory(user=UserFactory(username="contact", role=Role.CONTACT)).user
    listed = {row.agent_id for row in utilisation_for(actor=admin, start=MONDAY, end=SUNDAY)}
    assert engineer.pk in listed and biller_who_logs.pk in listed
    assert not listed & {gone.pk, billing.pk, contact.pk}
    assert Workday.objects.filter(agent__user=biller_who_logs).exists()


def test_trend_stops_at_the_week_in_progress(engineer, ticket, time_machine):
    log(engineer, at(MONDAY, 9), 4, ticket=ticket)
    time_machine.move_to(at(WEDNESDAY, 12), tick=False)
    trend = utilisation_trend(actor=engineer, start=MONDAY, end=SUNDAY + dt.timedelta(days=14))
    assert [p.week_start for p in trend] == [MONDAY]


def test_the_whole_period_is_the_same_while_in_progress_and_after(engineer, admin):
    # Whole-day and hourly leave: the days built for the figures to date give the same
    # whole-period sum as the sums a period that ended takes.
    leave_create(agent=engineer.agent, actor=admin, first_day=MONDAY + dt.timedelta(days=3))
    leave_create(
        agent=engineer.agent,
        actor=admin,
        first_day=MONDAY + dt.timedelta(days=1),
        last_day=WEDNESDAY,
        hours=Decimal("2.5"),
    )
    during = week_row(engineer, now=at(WEDNESDAY, 12))
    after = week_row(engineer, now=at(SUNDAY + dt.timedelta(days=1), 12))
    assert during.available_seconds == after.available_seconds == 4 * DAY - 5 * HOUR
    assert during.available_so_far_seconds == DAY + (DAY - 2.5 * HOUR) + int(
        (DAY - 2.5 * HOUR) * 3 * HOUR // WORKDAY
    )
