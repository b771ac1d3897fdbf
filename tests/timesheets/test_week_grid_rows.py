"""The week grid's rows: this week's tickets and activities, plus last week's with no time yet."""

import datetime as dt

import pytest

from tallyhour.timesheets.selectors import week_for
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, TicketFactory

pytestmark = pytest.mark.django_db

LAST_MONDAY = MONDAY - dt.timedelta(days=7)


def log(agent, start, minutes=60, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
    )


def test_last_weeks_tickets_and_activities_are_rows_with_no_time(engineer, ticket, internal):
    travel = ChargeTypeFactory(name="Travel", is_billable=False)
    log(engineer, at(LAST_MONDAY, 9), ticket=ticket)
    # Two charge types on one ticket are still one row; activities are one row each.
    log(engineer, at(LAST_MONDAY, 10), ticket=ticket, charge_type=internal)
    log(engineer, at(LAST_MONDAY, 11), charge_type=internal)
    log(engineer, at(LAST_MONDAY, 12), charge_type=travel)
    rows = week_for(engineer, MONDAY).rows
    assert [(r.key, r.label, r.detail, r.cells) for r in rows] == [
        (f"t{ticket.pk}", f"#{ticket.pk} Printer offline", "Acme Ltd", [0] * 7),
        (f"a{internal.pk}", "Internal", "", [0] * 7),
        (f"a{travel.pk}", "Travel", "", [0] * 7),
    ]


def test_this_weeks_time_is_not_doubled_by_last_weeks_row(engineer, ticket, internal):
    log(engineer, at(LAST_MONDAY, 9), ticket=ticket)
    log(engineer, at(MONDAY, 9), minutes=90, ticket=ticket)
    log(engineer, at(MONDAY, 11), minutes=30, charge_type=internal)
    rows = week_for(engineer, MONDAY).rows
    assert [(r.key, r.cells[0], r.total_seconds) for r in rows] == [
        (f"t{ticket.pk}", 5400, 5400),
        (f"a{internal.pk}", 1800, 1800),
    ]


def test_only_the_week_before_and_only_the_agent_count(engineer, other_engineer, ticket):
    older = TicketFactory(client=ticket.client, summary="Two weeks ago")
    log(engineer, at(LAST_MONDAY - dt.timedelta(days=1), 9), ticket=older)  # the Sunday before
    log(other_engineer, at(LAST_MONDAY, 9), ticket=ticket)
    assert week_for(engineer, MONDAY).rows == []
    # Sunday of last week, late in the agent's zone, is still last week.
    engineer.agent.timezone = "America/New_York"
    engineer.agent.save()
    log(engineer, dt.datetime(2026, 11, 16, 4, tzinfo=dt.UTC), ticket=ticket)  # Sun 23:00 NY
    assert [r.key for r in week_for(engineer, MONDAY).rows] == [f"t{ticket.pk}"]
