"""The Jinja2 environment of the hot partials: its filters match Django's, and a week row's
composed addresses are the ones urls.py reverses."""

import datetime as dt

import pytest
from django.urls import reverse

from tallyhour.core import dates
from tallyhour.core.jinja import clock, date, display
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import login


def test_clock_and_date_put_a_moment_into_the_named_zone():
    moment = dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.UTC)
    assert clock(moment, "Europe/London") == "14:05"
    assert clock(moment, "America/New_York") == "09:05"
    assert clock(None, "UTC") == ""
    assert date(moment, "D j M, H:i", "Australia/Sydney") == "Wed 1 Jul, 23:05"
    assert date(dt.date(2026, 12, 7), "l j F") == "Monday 7 December"


@pytest.mark.parametrize("state", EntryState.values)
def test_display_is_the_models_own_label(state):
    entry = TimeEntry(state=state)
    assert display(entry, "state") == entry.get_state_display()
    assert display(TimeEntry(state="unknown"), "state") == "unknown"


@pytest.mark.django_db
def test_row_addresses_are_the_reversed_ones(engineer, ticket):
    tz = dates.zone(engineer.agent.timezone)
    monday = dates.week_start(dates.local_date(dates.now(), tz))
    entry = time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=dates.local_midnight(monday, tz) + dt.timedelta(hours=9),
        duration_minutes=30,
        ticket=ticket,
    )
    page = login(engineer).get(reverse("home")).content.decode()
    for name in ("time_entry_row", "time_entry_edit", "time_entry_delete"):
        assert f'"{reverse(f"timesheets:{name}", args=[entry.pk])}"' in page, name
