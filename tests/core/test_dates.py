"""Weeks, zones and day boundaries."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("value", "monday"),
    [
        ("2026-W47", dt.date(2026, 11, 16)),
        ("2026-W01", dt.date(2025, 12, 29)),  # ISO week 1 can start in the previous year
        ("2026-W53", dt.date(2026, 12, 28)),  # 2026 has 53 ISO weeks
    ],
)
def test_parse_week(value, monday):
    assert dates.parse_week(value) == monday
    assert dates.format_week(monday) == value


@pytest.mark.parametrize(
    "value",
    ["2026-47", "2026-W7", "26-W47", "", None, "2026-W47\n", " 2026-W47", "2026-w47", 202647],
)
def test_parse_week_rejects_format(value):
    with pytest.raises(InvalidInput) as caught:
        dates.parse_week(value)
    assert caught.value.fields == {"week": "format YYYY-Www"}


@pytest.mark.parametrize("value", ["2025-W53", "2026-W00", "2026-W54"])
def test_parse_week_rejects_missing_week(value):
    with pytest.raises(InvalidInput) as caught:
        dates.parse_week(value, field="from_week")
    assert caught.value.fields == {"from_week": "no such week"}


def test_week_start_is_monday():
    assert dates.week_start(dt.date(2026, 11, 22)) == dt.date(2026, 11, 16)  # Sunday
    assert dates.week_start(dt.date(2026, 11, 16)) == dt.date(2026, 11, 16)


def test_zone_unknown_names_the_field():
    with pytest.raises(InvalidInput) as caught:
        dates.zone("Mars/Olympus_Mons")
    assert caught.value.fields == {"timezone": "unknown"}


def test_day_range_follows_local_midnights_across_dst():
    london = ZoneInfo("Europe/London")
    # Clocks go forward on Sunday 29 March 2026: that local day lasts 23 hours.
    start, end = dates.day_range(dt.date(2026, 3, 29), dt.date(2026, 3, 29), london)
    assert start == dt.datetime(2026, 3, 29, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 29, 23, tzinfo=dt.UTC)


def test_local_date_of_an_instant():
    new_york = ZoneInfo("America/New_York")
    monday_1am_utc = dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC)
    assert dates.local_date(monday_1am_utc, new_york) == dt.date(2026, 11, 22)  # still Sunday
    assert dates.local_midnight(dt.date(2026, 11, 23), new_york) == dt.datetime(
        2026, 11, 23, 5, tzinfo=dt.UTC
    )


def test_days_inclusive():
    assert dates.days(dt.date(2026, 11, 16), dt.date(2026, 11, 18)) == [
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 17),
        dt.date(2026, 11, 18),
    ]
