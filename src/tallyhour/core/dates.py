"""Time helpers: UTC inside, an agent's or the organisation's zone only at the edges."""

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from tallyhour.core.errors import InvalidInput

UTC = dt.UTC
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
# Day and week arithmetic near year 1 or 9999 overflows Python's datetime; no MSP bills there.
# Every path (pages, native API, Halo API) refuses dates outside these years as bad input.
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000


def year_problem(year: int) -> str:
    """Why a year is refused ('' when it is fine)."""
    if EARLIEST_YEAR <= year <= LATEST_YEAR:
        return ""
    return f"year must be between {EARLIEST_YEAR} and {LATEST_YEAR}"


def now() -> dt.datetime:
    return timezone.now()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {name!r}.", fields={"timezone": "unknown"}) from exc


def parse_week(value: str, field: str = "week") -> dt.date:
    """'2026-W45' → the Monday of that ISO week."""
    match = _WEEK_RE.fullmatch(value or "") if isinstance(value, str) else None
    if not match:
        raise InvalidInput(
            f"Week must look like 2026-W45, not {value!r}.", fields={field: "format YYYY-Www"}
        )
    if problem := year_problem(int(match[1])):
        raise InvalidInput(f"No such week {value!r}: {problem}.", fields={field: problem})
    try:
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise InvalidInput(f"No such week {value!r}.", fields={field: "no such week"}) from exc


def format_week(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant at which `day` starts in `tz` (DST-safe)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz).astimezone(UTC)


def day_range(first: dt.date, last: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) covering local days first..last inclusive."""
    return local_midnight(first, tz), local_midnight(last + dt.timedelta(days=1), tz)


def local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def duration_text(seconds: int) -> str:
    """A duration as `H:MM`, the one format people read everywhere (`7:30`, `0:02`).

    Whole minutes rounded half-up, so 7:29:30 shows as 7:30, and a message about an entry
    shows the same figure as the entry's row. Live timers alone tick with seconds.
    """
    value = int(seconds)
    sign = "\u2212" if value < 0 else ""
    minutes = (abs(value) + 30) // 60
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"
