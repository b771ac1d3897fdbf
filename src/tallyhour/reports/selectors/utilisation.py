"""Utilisation per agent (and team, and everyone) over a period, and its weekly trend."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q

from tallyhour.accounts.calendars import calendars_by_agent
from tallyhour.accounts.models import Agent, User
from tallyhour.core import dates
from tallyhour.core.lookups import IdIn
from tallyhour.reports.selectors.common import (
    BAND_TOLERANCE,
    MAX_TREND_WEEKS,
    UTILISATION_FIELDS,
    Bucket,
    BucketTotals,
    Money,
    add_money,
    check_period,
    chosen_agents,
    entry_totals,
    ratio,
    rounded,
    teams_of,
)
from tallyhour.reports.selectors.to_date import available_by_agent, todays_of
from tallyhour.reports.selectors.totals import (
    AgentTotals,
    Running,
    running_timers,
    utilisation_totals,
)
from tallyhour.timetracking.models import TimeEntry


@dataclass
class UtilisationRow:
    """One agent (or a team, or everyone) over a period."""

    agent_id: int
    name: str
    available_seconds: int
    logged_seconds: int
    billable_seconds: int
    target_utilisation: Decimal
    billed_seconds: int = 0
    revenue: Money = field(default_factory=dict)
    teams: tuple[tuple[int, str], ...] = ()
    # Available up to now when the period includes now (see `to_date`); None: the whole
    # period's, for a period that ended.
    available_to_date_seconds: int | None = None

    @property
    def available_so_far_seconds(self) -> int:
        """Available hours to date: the whole period's once it ended."""
        if self.available_to_date_seconds is None:
            return self.available_seconds
        return self.available_to_date_seconds

    @property
    def is_to_date(self) -> bool:
        """Whether the period is still in progress, so that to date and whole differ."""
        return self.available_so_far_seconds != self.available_seconds

    @property
    def non_billable_seconds(self) -> int:
        return self.logged_seconds - self.billable_seconds

    @property
    def utilisation(self) -> Decimal | None:
        return ratio(self.billable_seconds, self.available_seconds)

    @property
    def logged_ratio(self) -> Decimal | None:
        return ratio(self.logged_seconds, self.available_seconds)

    @property
    def utilisation_to_date(self) -> Decimal | None:
        return ratio(self.billable_seconds, self.available_so_far_seconds)

    @property
    def logged_ratio_to_date(self) -> Decimal | None:
        return ratio(self.logged_seconds, self.available_so_far_seconds)

    @property
    def gap_to_date_seconds(self) -> int:
        """Available time so far that nobody logged (never negative)."""
        return max(0, self.available_so_far_seconds - self.logged_seconds)

    @property
    def headroom_seconds(self) -> int:
        return self.available_seconds - self.logged_seconds

    @property
    def gap_seconds(self) -> int:
        """Available time nobody logged (never negative; see headroom for the signed figure)."""
        return max(0, self.headroom_seconds)

    @property
    def over_capacity(self) -> bool:
        return self.logged_seconds > self.available_seconds

    @property
    def band(self) -> str:
        """under / on / over the target utilisation (±5 points counts as on target), judged
        to date: on a Monday morning the week's later days cannot have been worked yet."""
        value = self.utilisation_to_date
        if value is None:
            return "none"
        if value < self.target_utilisation - BAND_TOLERANCE:
            return "under"
        if value > self.target_utilisation + BAND_TOLERANCE:
            return "over"
        return "on"


def combined_row(rows: list[UtilisationRow], *, name: str, key: int = 0) -> UtilisationRow:
    """Several rows as one; the target is weighted by each row's available hours."""
    available = sum(r.available_seconds for r in rows)
    if available:
        weighted = sum((r.target_utilisation * r.available_seconds for r in rows), Decimal(0))
        target = weighted / available
    elif rows:
        target = sum((r.target_utilisation for r in rows), Decimal(0)) / len(rows)
    else:
        target = Decimal(0)
    revenue: Money = {}
    for row in rows:
        add_money(revenue, row.revenue)
    return UtilisationRow(
        agent_id=key,
        name=name,
        available_seconds=available,
        available_to_date_seconds=sum(r.available_so_far_seconds for r in rows),
        logged_seconds=sum(r.logged_seconds for r in rows),
        billable_seconds=sum(r.billable_seconds for r in rows),
        target_utilisation=target.quantize(Decimal("0.001")),
        billed_seconds=sum(r.billed_seconds for r in rows),
        revenue=rounded(revenue),
    )


def team_rows(rows: list[UtilisationRow]) -> list[UtilisationRow]:
    """One row per team over its members in `rows` (an agent in two teams counts in both);
    the row's `agent_id` holds the team id."""
    members: dict[tuple[int, str], list[UtilisationRow]] = defaultdict(list)
    for row in rows:
        for team in row.teams:
            members[team].append(row)
    return [
        combined_row(team_members, name=name, key=team_id)
        for (team_id, name), team_members in sorted(members.items(), key=lambda t: t[0][1])
    ]


def utilisation_for(
    *,
    actor: User,
    start: dt.date,
    end: dt.date,
    agent_ids: list[int] | None = None,
    team_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[UtilisationRow]:
    """One row per visible agent for local days start..end; a fixed number of queries.

    Available hours come from each agent's calendar (workdays less public holidays, closure
    days and leave), for the whole period and up to `now` (`to_date`). Billed hours and
    revenue are those of the period's work that sits on an issued or paid invoice; revenue
    is left empty for people who may not see money."""
    check_period(start, end)
    now = now or dates.now()
    agents = chosen_agents(actor, agent_ids, team_id, only=UTILISATION_FIELDS)
    available, available_to_date = available_by_agent(agents, start, end, now)
    totals = utilisation_totals(agents, start, end)
    running = running_timers(agents)
    teams = teams_of(agents)
    show_money = actor.is_billing_role
    rows = []
    for agent in agents:
        agg = totals.get(agent.user_id) or AgentTotals()
        logged, billable = agg.logged, agg.billable
        if timer := running.get(agent.user_id):
            lo, hi = dates.day_range(start, end, dates.zone(agent.timezone))
            seconds = timer.seconds_in(lo, hi, now)
            logged += seconds
            billable += seconds if timer.is_billable else 0
        rows.append(
            UtilisationRow(
                agent_id=agent.user_id,
                name=agent.user.display_name,
                available_seconds=available.get(agent.user_id, 0),
                available_to_date_seconds=available_to_date[agent.user_id],
                logged_seconds=logged,
                billable_seconds=billable,
                target_utilisation=agent.target_utilisation,
                billed_seconds=agg.billed.seconds,
                revenue=rounded(agg.billed.revenue) if show_money else {},
                teams=teams.get(agent.user_id, ()),
            )
        )
    return rows


@dataclass
class TrendPoint:
    """All chosen agents together in one week (Monday start, local days)."""

    week_start: dt.date
    row: UtilisationRow

    @property
    def label(self) -> str:
        return dates.format_week(self.week_start)


def utilisation_trend(
    *,
    actor: User,
    start: dt.date,
    end: dt.date,
    agent_ids: list[int] | None = None,
    team_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[TrendPoint]:
    """Utilisation per week over the weeks touching start..end for the chosen agents (or a
    team), all of them combined; one grouped query however many weeks or agents.

    Each agent counts from their first week with time in it (or from the first week, when
    they logged time before it): weeks before someone started would plot as 0 %, and a
    newcomer would drag the team's earlier weeks down. Weeks before anyone's first are left
    out, and so are weeks to come. The week in progress counts available hours to date, as
    `utilisation_for` does."""
    check_period(start, end)
    now = now or dates.now()
    first_monday = dates.week_start(start)
    weeks = [
        (first_monday + dt.timedelta(days=7 * i), first_monday + dt.timedelta(days=7 * i + 6))
        for i in range((dates.week_start(end) - first_monday).days // 7 + 1)
    ][-MAX_TREND_WEEKS:]
    agents = chosen_agents(actor, agent_ids, team_id)
    totals = entry_totals(agents, weeks)
    running = running_timers(agents)
    first_week = first_weeks_with_time(agents, weeks, totals, running, now)
    if not first_week:
        return []
    calendars = calendars_by_agent(agents, weeks[0][0], weeks[-1][1])
    todays = todays_of(agents, now)
    this_week = max(dates.week_start(today.day) for today in todays.values())
    points = []
    for index, (monday, sunday) in enumerate(weeks):
        if monday > this_week:
            break  # weeks to come have nothing to show yet
        rows = []
        for agent in agents:
            if first_week.get(agent.user_id, len(weeks)) > index:
                continue
            agg = totals.get((agent.user_id, index), BucketTotals())
            logged, billable = agg.logged, agg.billable
            if timer := running.get(agent.user_id):
                lo, hi = dates.day_range(monday, sunday, dates.zone(agent.timezone))
                seconds = timer.seconds_in(lo, hi, now)
                logged += seconds
                billable += seconds if timer.is_billable else 0
            today = todays[agent.user_id]
            week_days = [d for d in calendars[agent.user_id] if monday <= d.day <= sunday]
            rows.append(
                UtilisationRow(
                    agent_id=agent.user_id,
                    name=agent.user.display_name,
                    available_seconds=sum(d.target_seconds for d in week_days),
                    available_to_date_seconds=sum(
                        d.target_seconds if d.day < today.day else today.part_of(d.target_seconds)
                        for d in week_days
                        if d.day <= today.day
                    ),
                    logged_seconds=logged,
                    billable_seconds=billable,
                    target_utilisation=agent.target_utilisation,
                )
            )
        if rows:
            points.append(TrendPoint(monday, combined_row(rows, name=dates.format_week(monday))))
    return points


def first_weeks_with_time(
    agents: list[Agent],
    weeks: list[Bucket],
    totals: dict[tuple[int, int], BucketTotals],
    running: dict[int, Running],
    now: dt.datetime,
) -> dict[int, int]:
    """The index of each agent's first week with logged time (0 for agents who logged time
    before the first week); agents with none are left out. One query, an index probe per
    agent, for the time before the weeks."""
    first: dict[int, int] = {}
    for (agent_id, index), agg in totals.items():
        if agg.logged and index >= 0:
            first[agent_id] = min(index, first.get(agent_id, index))
    zone_of = {agent.user_id: agent.timezone for agent in agents}
    for agent_id, timer in running.items():
        zone = dates.zone(zone_of[agent_id])
        for index, (monday, sunday) in enumerate(weeks):
            lo, hi = dates.day_range(monday, sunday, zone)
            if timer.seconds_in(lo, hi, now):
                first[agent_id] = min(index, first.get(agent_id, index))
    earlier = [agent for agent in agents if first.get(agent.user_id) != 0]
    for agent_id in agents_with_time_before(earlier, weeks[0][0]):
        first[agent_id] = 0
    return first


def agents_with_time_before(agents: list[Agent], day: dt.date) -> set[int]:
    """Those of `agents` with an entry before local day `day` of their zone: one query, one
    index probe of (agent, started_at) per agent."""
    if not agents:
        return set()
    by_zone: dict[str, list[int]] = defaultdict(list)
    for agent in agents:
        by_zone[agent.timezone].append(agent.user_id)
    earlier = Q(pk__in=[])
    for zone_name, ids in by_zone.items():
        midnight = dates.local_midnight(day, dates.zone(zone_name))
        entry_before = TimeEntry.objects.filter(
            agent_id=OuterRef("user_id"), started_at__lt=midnight
        )
        earlier |= Q(IdIn(F("user_id"), ids)) & Q(Exists(entry_before))
    return set(Agent.objects.filter(earlier).order_by().values_list("user_id", flat=True))
