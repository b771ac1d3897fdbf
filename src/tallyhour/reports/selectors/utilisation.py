"""Utilisation per agent (and team, and everyone) over a period, and its weekly trend."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from tallyhour.accounts.calendars import available_seconds_by_agent, calendars_by_agent
from tallyhour.accounts.models import User
from tallyhour.core import dates
from tallyhour.reports.selectors.common import (
    BAND_TOLERANCE,
    MAX_TREND_WEEKS,
    UTILISATION_FIELDS,
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
from tallyhour.reports.selectors.totals import AgentTotals, running_timers, utilisation_totals


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
        """under / on / over the target utilisation (±5 points counts as on target)."""
        value = self.utilisation
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
    days and leave). Billed hours and revenue are those of the period's work that sits on an
    issued or paid invoice; revenue is left empty for people who may not see money."""
    check_period(start, end)
    now = now or dates.now()
    agents = chosen_agents(actor, agent_ids, team_id, only=UTILISATION_FIELDS)
    available = available_seconds_by_agent(agents, start, end)
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
    team), all of them combined; one grouped query however many weeks or agents."""
    check_period(start, end)
    now = now or dates.now()
    first_monday = dates.week_start(start)
    weeks = [
        (first_monday + dt.timedelta(days=7 * i), first_monday + dt.timedelta(days=7 * i + 6))
        for i in range((dates.week_start(end) - first_monday).days // 7 + 1)
    ][-MAX_TREND_WEEKS:]
    agents = chosen_agents(actor, agent_ids, team_id)
    calendars = calendars_by_agent(agents, weeks[0][0], weeks[-1][1])
    totals = entry_totals(agents, weeks)
    running = running_timers(agents)
    points = []
    for index, (monday, sunday) in enumerate(weeks):
        rows = []
        for agent in agents:
            agg = totals.get((agent.user_id, index), BucketTotals())
            logged, billable = agg.logged, agg.billable
            if timer := running.get(agent.user_id):
                lo, hi = dates.day_range(monday, sunday, dates.zone(agent.timezone))
                seconds = timer.seconds_in(lo, hi, now)
                logged += seconds
                billable += seconds if timer.is_billable else 0
            available = sum(
                d.target_seconds for d in calendars[agent.user_id] if monday <= d.day <= sunday
            )
            rows.append(
                UtilisationRow(
                    agent_id=agent.user_id,
                    name=agent.user.display_name,
                    available_seconds=available,
                    logged_seconds=logged,
                    billable_seconds=billable,
                    target_utilisation=agent.target_utilisation,
                )
            )
        points.append(TrendPoint(monday, combined_row(rows, name=dates.format_week(monday))))
    return points
