"""Working calendars: target hours per local day from workdays, holidays, closures and leave.

Everything here works on the agent's local dates: a day's target is the wall-clock workday in the
agent's zone, measured as real elapsed time (so a workday crossing a daylight-saving change is
an hour shorter or longer), minus the break. Public holidays and organisation closure days set
the target to zero; leave lowers it by its hours (whole day when no hours are given).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

import holidays as holidays_lib
from django.db.models import F

from tallyhour.accounts.models import Agent, ClosureDay, Leave, Organisation, Workday
from tallyhour.core.dates import days as day_list
from tallyhour.core.dates import zone
from tallyhour.core.lookups import IdIn


class WorkHours(NamedTuple):
    """One weekday's working hours, as a calendar needs them."""

    start: dt.time
    end: dt.time
    break_minutes: int


@dataclass(frozen=True)
class LeaveOnDay:
    kind: str
    label: str
    seconds: int  # absence on this day, capped at the day's working time


@dataclass(frozen=True)
class CalendarDay:
    """One local day of an agent's calendar, with the reasons its target is what it is."""

    day: dt.date
    workday_seconds: int
    target_seconds: int
    holiday: str = ""
    closure: str = ""
    leaves: tuple[LeaveOnDay, ...] = field(default_factory=tuple)

    @property
    def is_workday(self) -> bool:
        return self.workday_seconds > 0

    @property
    def leave_seconds(self) -> int:
        return sum(leave.seconds for leave in self.leaves)

    @property
    def absence_label(self) -> str:
        """A short reason for a lowered target, for display ('' when none)."""
        if self.holiday:
            return self.holiday
        if self.closure:
            return self.closure
        return ", ".join(leave.label for leave in self.leaves)


@lru_cache(maxsize=256)
def _holidays_for_year(country: str, subdivision: str, year: int) -> dict[dt.date, str]:
    try:
        calendar = holidays_lib.country_holidays(
            country, subdiv=subdivision or None, years=year, language="en_US"
        )
    except (NotImplementedError, KeyError, ValueError):
        # An unknown country or region means "no public holidays", never a crash.
        return {}
    return dict(calendar.items())


def public_holidays(country: str, subdivision: str, first: dt.date, last: dt.date) -> dict:
    """Public holidays {date: name} between first and last inclusive."""
    if not country:
        return {}
    found: dict[dt.date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holidays_for_year(country.upper(), subdivision.upper(), year).items():
            if first <= day <= last:
                found[day] = name
    return found


def holiday_region(agent: Agent, organisation: Organisation) -> tuple[str, str]:
    """The agent's (country, subdivision): their own override, else the organisation's."""
    if agent.holiday_country:
        return agent.holiday_country, agent.holiday_subdivision
    return organisation.holiday_country, organisation.holiday_subdivision


def _workday_seconds(workday: WorkHours, day: dt.date, tz_name: str) -> int:
    tz = zone(tz_name)
    start = dt.datetime.combine(day, workday.start, tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day, workday.end, tzinfo=tz).astimezone(dt.UTC)
    return max(0, int((end - start).total_seconds()) - workday.break_minutes * 60)


def _leave_seconds(hours: Decimal | None, workday_seconds: int) -> int:
    if hours is None:
        return workday_seconds
    return min(workday_seconds, int(hours * 3600))


# A calendar's shape: the weekday hours (weekday, start, end, break), the holiday region and
# the zone. Agents sharing one share every day of the calendar except their own leave.
_Signature = tuple[tuple[tuple[int, dt.time, dt.time, int], ...], str, str, str]


def _signature(agent: Agent, hours: dict[int, WorkHours], organisation: Organisation) -> _Signature:
    country, subdivision = holiday_region(agent, organisation)
    week = tuple((weekday, w.start, w.end, w.break_minutes) for weekday, w in sorted(hours.items()))
    return week, country, subdivision, agent.timezone


def _shared_days(
    hours: dict[int, WorkHours],
    tz_name: str,
    holidays: dict[dt.date, str],
    closures: dict[dt.date, str],
    all_days: list[dt.date],
) -> list[CalendarDay]:
    """The days of one calendar shape before anyone's leave."""
    shared = []
    for day in all_days:
        hours_of_day = hours.get(day.weekday())
        worked = _workday_seconds(hours_of_day, day, tz_name) if hours_of_day else 0
        holiday = holidays.get(day, "")
        closure = closures.get(day, "")
        shared.append(
            CalendarDay(
                day=day,
                workday_seconds=worked,
                target_seconds=0 if holiday or closure else worked,
                holiday=holiday,
                closure=closure,
            )
        )
    return shared


@dataclass(frozen=True)
class _Shape:
    """The shared days of one calendar shape over a period, with their targets summed up to
    each day so that reports can take whole-day leave off without walking the days."""

    days: tuple[CalendarDay, ...]
    targets: tuple[int, ...]
    target_before: tuple[int, ...]  # target_before[i]: the targets of days[:i] summed

    @property
    def total(self) -> int:
        return self.target_before[-1]


# The days of a shape follow from its signature, the closure days and the period alone (the
# holidays package and the zone rules do not change while the process runs), so they are kept
# per process; closures are read every call and are part of the key, so none can go stale.
# A year's shape takes about 90 kB.
@lru_cache(maxsize=64)
def _shape_over(
    signature: _Signature,
    closures: tuple[tuple[dt.date, str], ...],
    first: dt.date,
    last: dt.date,
) -> _Shape:
    week, country, subdivision, tz_name = signature
    hours = {weekday: WorkHours(start, end, minutes) for weekday, start, end, minutes in week}
    holidays = public_holidays(country, subdivision, first, last)
    days = tuple(_shared_days(hours, tz_name, holidays, dict(closures), day_list(first, last)))
    targets = tuple(day.target_seconds for day in days)
    return _Shape(days, targets, (0, *accumulate(targets)))


def _with_leave(shared: tuple[CalendarDay, ...], leaves: list[Leave]) -> list[CalendarDay]:
    """An agent's days: the shared ones, with the days their leave touches rebuilt."""
    first = shared[0].day
    own = list(shared)
    # Labels from the choices once: Django's get_kind_display() per leave is slow in bulk.
    labels = dict(Leave._meta.get_field("kind").flatchoices)
    for leave in leaves:
        lo = max(leave.first_day, first)
        hi = min(leave.last_day, shared[-1].day)
        label = str(labels.get(leave.kind, leave.kind))
        for index in range((lo - first).days, (hi - first).days + 1):
            base = own[index]
            on_leave = (
                *base.leaves,
                LeaveOnDay(
                    kind=leave.kind,
                    label=label,
                    seconds=_leave_seconds(leave.hours, base.workday_seconds),
                ),
            )
            if base.holiday or base.closure:
                target = 0
            else:
                target = max(0, base.workday_seconds - sum(x.seconds for x in on_leave))
            # Built directly: dataclasses.replace() inspects the fields on every call.
            own[index] = CalendarDay(
                day=base.day,
                workday_seconds=base.workday_seconds,
                target_seconds=target,
                holiday=base.holiday,
                closure=base.closure,
                leaves=on_leave,
            )
    return own


def _shapes_of(
    agent_list: list[Agent], first: dt.date, last: dt.date
) -> tuple[dict[int, _Signature], dict[_Signature, _Shape]]:
    """Each agent's calendar shape, and the shared days of every shape (three queries)."""
    ids = [agent.user_id for agent in agent_list]
    organisation = Organisation.current()
    # Plain rows: building hundreds of Workday objects cost more than the calendars they feed.
    workdays: dict[int, dict[int, WorkHours]] = defaultdict(dict)
    for agent_id, weekday, start, end, break_minutes in (
        Workday.objects.filter(IdIn(F("agent_id"), ids))
        .order_by()
        .values_list("agent_id", "weekday", "start", "end", "break_minutes")
    ):
        workdays[agent_id][weekday] = WorkHours(start, end, break_minutes)
    closures = tuple(
        ClosureDay.objects.filter(day__gte=first, day__lte=last)
        .order_by("day")
        .values_list("day", "name")
    )
    signatures: dict[int, _Signature] = {}
    shapes: dict[_Signature, _Shape] = {}
    for agent in agent_list:
        signature = signatures[agent.user_id] = _signature(
            agent, workdays[agent.user_id], organisation
        )
        if signature not in shapes:
            shapes[signature] = _shape_over(signature, closures, first, last)
    return signatures, shapes


def calendars_by_agent(
    agents: Iterable[Agent], first: dt.date, last: dt.date
) -> dict[int, list[CalendarDay]]:
    """Each agent's calendar for local days first..last, keyed by user id (four queries).

    Days are built once per distinct calendar shape (weekday hours, holiday region, zone);
    each agent then only has the days of their own leave rebuilt."""
    agent_list = list(agents)
    if not agent_list or last < first:
        return {agent.user_id: [] for agent in agent_list}
    signatures, shapes = _shapes_of(agent_list, first, last)
    leaves: dict[int, list[Leave]] = defaultdict(list)
    ids = [agent.user_id for agent in agent_list]
    for leave in Leave.objects.filter(
        IdIn(F("agent_id"), ids), first_day__lte=last, last_day__gte=first
    ):
        leaves[leave.agent_id].append(leave)
    return {
        agent.user_id: _with_leave(shapes[signatures[agent.user_id]].days, leaves[agent.user_id])
        for agent in agent_list
    }


def calendar_for(agent: Agent, first: dt.date, last: dt.date) -> list[CalendarDay]:
    """One agent's calendar days, for display (holiday, closure and leave names included)."""
    return calendars_by_agent([agent], first, last)[agent.user_id]


def target_seconds_by_day(agent: Agent, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Target working seconds per local day for one agent."""
    return {day.day: day.target_seconds for day in calendar_for(agent, first, last)}


# An agent's leave within a period: (first index, last index, hours a day or None for whole days).
_LeaveSpan = tuple[int, int, Decimal | None]


def _leave_taken(shape: _Shape, spans: list[_LeaveSpan]) -> int:
    """The target seconds leave takes off a shape's days. On a day it touches, leave takes its
    hours (the whole day when none are given), all of it together at most the day's target;
    holidays and closures have no target to take. Days under whole-day leave are summed
    through the running totals, a stretch at a time; only the days that have nothing but
    hourly leave are walked one by one."""
    whole_days: list[list[int]] = []  # merged [first index, last index] stretches
    hourly: list[tuple[int, int, int]] = []
    for lo, hi, hours in sorted(spans, key=lambda span: span[:2]):
        if hours is not None:
            hourly.append((lo, hi, int(hours * 3600)))
        elif whole_days and lo <= whole_days[-1][1] + 1:
            whole_days[-1][1] = max(whole_days[-1][1], hi)
        else:
            whole_days.append([lo, hi])
    before = shape.target_before
    taken = sum(before[hi + 1] - before[lo] for lo, hi in whole_days)
    if hourly:
        whole = {index for lo, hi in whole_days for index in range(lo, hi + 1)}
        hours_on: dict[int, int] = defaultdict(int)
        for lo, hi, seconds in hourly:
            for index in range(lo, hi + 1):
                if index not in whole:
                    hours_on[index] += seconds
        taken += sum(min(shape.targets[index], seconds) for index, seconds in hours_on.items())
    return taken


def available_seconds_by_agent(
    agents: Iterable[Agent], first: dt.date, last: dt.date
) -> dict[int, int]:
    """Available working seconds over first..last per agent, keyed by user id: the same sums
    as `calendars_by_agent`, without building anyone's days (reports over many agents and a
    year need only the totals). Each shape is summed once; an agent's leave then takes off
    what it removes from the days it touches."""
    agent_list = list(agents)
    if not agent_list or last < first:
        return {agent.user_id: 0 for agent in agent_list}
    signatures, shapes = _shapes_of(agent_list, first, last)
    spans: dict[int, list[_LeaveSpan]] = defaultdict(list)
    ids = [agent.user_id for agent in agent_list]
    for agent_id, first_day, last_day, hours in (
        Leave.objects.filter(IdIn(F("agent_id"), ids), first_day__lte=last, last_day__gte=first)
        .order_by()
        .values_list("agent_id", "first_day", "last_day", "hours")
    ):
        lo, hi = (max(first_day, first) - first).days, (min(last_day, last) - first).days
        spans[agent_id].append((lo, hi, hours))
    available = {}
    for agent in agent_list:
        shape = shapes[signatures[agent.user_id]]
        own = spans.get(agent.user_id)
        available[agent.user_id] = shape.total - _leave_taken(shape, own) if own else shape.total
    return available
