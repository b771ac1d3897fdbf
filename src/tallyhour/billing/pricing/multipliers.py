"""Multipliers: an entry's billed time split into public holiday, weekend, out of hours and
normal segments, each with the charge type's multiplier.

Pure: the caller passes the zone, the agent's working hours per weekday and the holidays.
"""

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from tallyhour.billing.pricing.rounding import ONE, scaled_seconds


class MultiplierRule(Protocol):
    """The multiplier fields of a charge type."""

    multiplier_out_of_hours: Decimal
    multiplier_weekend: Decimal
    multiplier_holiday: Decimal


class Hours(Protocol):
    """One weekday's working hours (a Workday)."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class BusinessHours:
    """A charge type's own working hours (the same every weekday)."""

    start: dt.time
    end: dt.time


@dataclass
class Segment:
    """Billed seconds at one multiplier; `label` names why ('' for normal time)."""

    seconds: int
    multiplier: Decimal
    label: str


def segments(
    *,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    billable: int,
    charge: MultiplierRule,
    tz: dt.tzinfo,
    holidays: Collection[dt.date],
    week: Mapping[int, Hours] | None,
) -> list[Segment]:
    """`billable` seconds by multiplier, in working order. `week` is the agent's working hours
    by weekday (0 = Monday), None for a user with no agent profile (never out of hours)."""
    start, end = started_at.astimezone(tz), ended_at.astimezone(tz)
    day = start.date()
    if charge.multiplier_holiday != ONE and day in holidays:
        return [Segment(billable, charge.multiplier_holiday, "public holiday")]
    if charge.multiplier_weekend != ONE and day.weekday() >= 5:
        return [Segment(billable, charge.multiplier_weekend, "weekend")]
    if charge.multiplier_out_of_hours == ONE or week is None:
        return [Segment(billable, ONE, "")]
    workday = week.get(day.weekday())
    if workday is None:
        return [Segment(billable, charge.multiplier_out_of_hours, "out of hours")]
    opens = dt.datetime.combine(day, workday.start, tzinfo=tz)
    closes = dt.datetime.combine(day, workday.end, tzinfo=tz)
    worked = int((end - start).total_seconds())
    before = max(0, int((min(end, opens) - start).total_seconds()))
    after = max(0, int((end - max(start, closes)).total_seconds()))
    inside = max(0, worked - before - after)
    parts = [
        (before, charge.multiplier_out_of_hours, "out of hours"),
        (inside, ONE, ""),
        (after, charge.multiplier_out_of_hours, "out of hours"),
    ]
    # Write-offs shrink every part alike; the last part takes the rounding remainder.
    found: list[Segment] = []
    given = 0
    for index, (seconds, multiplier, label) in enumerate(parts):
        if not seconds:
            continue
        share = billable - given if index == 2 else scaled_seconds(seconds, worked, billable)
        share = min(share, billable - given)
        given += share
        found.append(Segment(share, multiplier, label))
    if given < billable and found:
        found[-1].seconds += billable - given
    return [s for s in found if s.seconds > 0] or [Segment(billable, ONE, "")]
