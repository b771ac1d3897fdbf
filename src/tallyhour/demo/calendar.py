"""Demo calendar data: closure days and a little leave, so My week shows absences.

`DemoBuilder` calls `load_demo_calendar(rng, agents, today)` before time is logged, then
skips logging on days whose target is zero.
"""

import datetime as dt
import random
from collections.abc import Sequence

from tallyhour.accounts.models import Agent, ClosureDay, Leave, LeaveKind
from tallyhour.core.dates import week_start


def load_demo_calendar(rng: random.Random, agents: Sequence[Agent], today: dt.date) -> list[Leave]:
    """Christmas closure days, one agent's holiday last week, a sick day and a half day."""
    for day, name in [
        (dt.date(today.year, 12, 29), "Office closed between Christmas and New Year"),
        (dt.date(today.year, 12, 30), "Office closed between Christmas and New Year"),
        (dt.date(today.year, 12, 31), "Office closed between Christmas and New Year"),
    ]:
        ClosureDay.objects.get_or_create(day=day, defaults={"name": name})
    if not agents:
        return []
    people = list(agents)
    rng.shuffle(people)
    last_monday = week_start(today) - dt.timedelta(days=7)
    plans = [
        (LeaveKind.ANNUAL, last_monday + dt.timedelta(days=3), 2, None, "Long weekend"),
        (LeaveKind.SICK, week_start(today), 1, None, ""),
        (LeaveKind.OTHER, last_monday + dt.timedelta(days=1), 1, 4, "Dentist, afternoon"),
        (LeaveKind.ANNUAL, week_start(today) + dt.timedelta(days=14), 5, None, "Skiing"),
    ]
    made = []
    for agent, (kind, first, length, hours, note) in zip(people, plans, strict=False):
        made.append(
            Leave.objects.create(
                agent=agent,
                kind=kind,
                first_day=first,
                last_day=first + dt.timedelta(days=length - 1),
                hours=hours,
                note=note,
            )
        )
    return made
