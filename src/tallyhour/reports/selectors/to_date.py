"""Available hours "to date": what a period in progress asked of each agent up to now.

Early in a week, judging logged time against the whole week's workdays puts everyone "under".
So a period that includes now is also measured to date: the targets of the agent's local days
before today, plus today's target pro rata to how much of today's workday (start to end, in
the agent's zone) has gone by. Before the workday starts today counts nothing; after it ends,
all of it. The break is spread over the workday, since nobody records when it is taken.
Days after today count nothing. A period that ended is unchanged (to date = the whole period);
one that has not begun has nothing available to date.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F

from tallyhour.accounts.calendars import available_seconds_by_agent, calendars_by_agent
from tallyhour.accounts.models import Agent, Workday
from tallyhour.core import dates
from tallyhour.core.lookups import IdIn


@dataclass(frozen=True)
class AgentToday:
    """An agent's local today and how far into today's workday `now` is."""

    day: dt.date
    elapsed_seconds: int  # of today's workday, start to end, gone by now
    workday_seconds: int  # today's workday, start to end (0 without one)

    def part_of(self, target_seconds: int) -> int:
        """Today's target pro rata to the workday gone by."""
        if not self.workday_seconds:
            return 0
        return target_seconds * self.elapsed_seconds // self.workday_seconds


def _to_utc(day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def todays_of(agents: list[Agent], now: dt.datetime) -> dict[int, AgentToday]:
    """Each agent's local today and the part of its workday gone by (one query)."""
    tz_of = {agent.user_id: dates.zone(agent.timezone) for agent in agents}
    day_of = {agent_id: dates.local_date(now, tz) for agent_id, tz in tz_of.items()}
    hours = {
        agent_id: (start, end)
        for agent_id, weekday, start, end in Workday.objects.filter(
            IdIn(F("agent_id"), list(tz_of)),
            weekday__in={day.weekday() for day in day_of.values()},
        )
        .order_by()
        .values_list("agent_id", "weekday", "start", "end")
        if weekday == day_of[agent_id].weekday()
    }
    todays = {}
    for agent_id, day in day_of.items():
        if agent_id not in hours:
            todays[agent_id] = AgentToday(day, 0, 0)
            continue
        # Real elapsed time, as calendars measure workdays (a DST day is shorter or longer).
        begin, finish = (_to_utc(day, t, tz_of[agent_id]) for t in hours[agent_id])
        span = int((finish - begin).total_seconds())
        elapsed = int((min(max(now, begin), finish) - begin).total_seconds())
        todays[agent_id] = AgentToday(day, elapsed, span)
    return todays


def available_by_agent(
    agents: list[Agent], start: dt.date, end: dt.date, now: dt.datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """Available seconds of local days start..end per agent: for the whole period, and up to
    `now`. A period that ended keeps its whole figure to date; one not begun has none yet.

    Agents whose today falls inside the period have their calendar days built (one set of
    queries for all of them, and their workday hours today): the whole period's and the
    to-date sums both come from those days. The others need only the sums
    (`available_seconds_by_agent`, which builds no days)."""
    in_progress, ended, not_begun = [], [], []
    for agent in agents:
        today = dates.local_date(now, dates.zone(agent.timezone))
        if today > end:
            ended.append(agent)
        elif today < start:
            not_begun.append(agent)
        else:
            in_progress.append(agent)
    settled = ended + not_begun
    available = available_seconds_by_agent(settled, start, end) if settled else {}
    to_date = {agent.user_id: available[agent.user_id] for agent in ended}
    to_date.update((agent.user_id, 0) for agent in not_begun)
    if not in_progress:
        return available, to_date
    todays = todays_of(in_progress, now)
    calendars = calendars_by_agent(in_progress, start, end)
    for agent in in_progress:
        agent_today = todays[agent.user_id]
        days = calendars[agent.user_id]
        index = (agent_today.day - start).days
        before_today = sum(day.target_seconds for day in days[:index])
        available[agent.user_id] = sum(day.target_seconds for day in days)
        to_date[agent.user_id] = before_today + agent_today.part_of(days[index].target_seconds)
    return available, to_date
