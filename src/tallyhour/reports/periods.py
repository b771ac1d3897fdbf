"""Report periods: named periods around today and the short labels the command line takes."""

import datetime as dt
import re

from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput

NAMED_PERIODS = [
    ("today", "Today"),
    ("this_week", "This week"),
    ("last_week", "Last week"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.|/)(\d{4}-\d{2}-\d{2})$")


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first_month = 3 * (quarter - 1) + 1
    return month_bounds(year, first_month)[0], month_bounds(year, first_month + 2)[1]


def named_period(key: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of a named period around `today` (unknown names: this week)."""
    monday = dates.week_start(today)
    quarter = (today.month - 1) // 3 + 1
    if key == "today":
        return today, today
    if key == "last_week":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if key == "this_month":
        return month_bounds(today.year, today.month)
    if key == "last_month":
        last_day = today.replace(day=1) - dt.timedelta(days=1)
        return month_bounds(last_day.year, last_day.month)
    if key == "this_quarter":
        return quarter_bounds(today.year, quarter)
    if key == "last_quarter":
        if quarter == 1:
            return quarter_bounds(today.year - 1, 4)
        return quarter_bounds(today.year, quarter - 1)
    return monday, monday + dt.timedelta(days=6)


def parse_period(text: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """`2026-11-16` (a day), `2026-W47`, `2026-11`, `2026-Q4`, `2026`, `FIRST..LAST` or a
    named period such as `this_month`; years outside what dates allow are refused too."""
    value = (text or "").strip()
    try:
        first, last = _period_bounds(value, today)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"Unknown period {value!r}: use 2026-11-16, 2026-W47, 2026-11, 2026-Q4, 2026 or "
            "2026-11-01..2026-11-30.",
            fields={"period": "unknown period"},
        ) from exc
    for day in (first, last):
        if problem := dates.year_problem(day.year):
            raise InvalidInput(f"Unknown period {value!r}: {problem}.", fields={"period": problem})
    return first, last


def _period_bounds(value: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if value in dict(NAMED_PERIODS):
        return named_period(value, today)
    if match := _RANGE.fullmatch(value):
        return dt.date.fromisoformat(match[1]), dt.date.fromisoformat(match[2])
    if "-W" in value.upper():
        monday = dates.parse_week(value.upper(), field="period")
        return monday, monday + dt.timedelta(days=6)
    if match := _QUARTER.fullmatch(value):
        return quarter_bounds(int(match[1]), int(match[2]))
    if match := _MONTH.fullmatch(value):
        return month_bounds(int(match[1]), int(match[2]))
    if match := _YEAR.fullmatch(value):
        return dt.date(int(match[1]), 1, 1), dt.date(int(match[1]), 12, 31)
    day = dt.date.fromisoformat(value)
    return day, day
