"""Utilisation's grouped sums: worked and billable time per agent over a period, billed
time and revenue joined from billing's line times, running timers, and billed figures per
agent and client. A fixed number of queries
whatever the number of agents or entries."""

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db.models import (
    BigIntegerField,
    CharField,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from tallyhour.accounts.models import Agent
from tallyhour.billing.pricing import MICROS
from tallyhour.billing.selectors import billed_line_times
from tallyhour.core import dates
from tallyhour.core.lookups import IdIn
from tallyhour.reports.selectors.common import NAMED_AGENTS, Money, add_money, bucketed
from tallyhour.timetracking.models import (
    TimeEntry,
    Timer,
    TimerState,
)


@dataclass
class AgentTotals:
    logged: int = 0
    billable: int = 0
    billed: "Billed" = field(default_factory=lambda: Billed())


def utilisation_totals(agents: list[Agent], start: dt.date, end: dt.date) -> dict[int, AgentTotals]:
    """Worked, billable and billed seconds and revenue per agent over local days
    start..end, grouped by the database. Billed figures are billing's line times of that
    work (counted from the invoice's issue until a credit note takes it back).

    The span every agent's zone agrees on (the period less the few hours by which zones
    differ at each end) is one plain range: a single pass over it, naming agents only when
    they are few enough for the index to help (naming hundreds costs more per row than the
    rows of other agents it skips). The edges left over are read per zone, through the
    (agent, started_at) index. Billed time is one join of line times to those entries."""
    if not agents:
        return {}
    wanted = {agent.user_id for agent in agents}
    result: dict[int, AgentTotals] = defaultdict(AgentTotals)
    for row in sums_by_agent(agents, start, end):
        if row["agent_id"] not in wanted:
            continue
        totals = result[row["agent_id"]]
        totals.logged += row["logged"] or 0
        totals.billable += row["billable"] or 0
        totals.billed.seconds += row["billed"] or 0
        if row["micros"]:
            add_money(totals.billed.revenue, {row["currency"]: Decimal(row["micros"]) / MICROS})
    return result


def period_parts(agents: list[Agent], start: dt.date, end: dt.date, prefix: str = "") -> list[Q]:
    """The entries of `agents` over local days start..end as the range every zone agrees on
    and, apart, the edges left over per zone (see `utilisation_totals`). `prefix` reaches the
    entry from another model (``"entry__"`` from line times)."""
    windows: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for agent in agents:
        if agent.timezone not in windows:
            windows[agent.timezone] = dates.day_range(start, end, dates.zone(agent.timezone))
    core_lo = max(lo for lo, _ in windows.values())
    core_hi = min(hi for _, hi in windows.values())
    ids = [agent.user_id for agent in agents]
    if core_lo >= core_hi:
        return [bucketed(agents, [(start, end)], prefix)[0]]
    agent_id, started_gte, started_lt = (
        F(f"{prefix}agent_id"),
        f"{prefix}started_at__gte",
        f"{prefix}started_at__lt",
    )
    core = Q(**{started_gte: core_lo, started_lt: core_hi})
    if len(ids) <= NAMED_AGENTS:
        core &= Q(IdIn(agent_id, ids))
    by_zone: dict[str, list[int]] = defaultdict(list)
    for agent in agents:
        by_zone[agent.timezone].append(agent.user_id)
    edges = []
    for zone_name, members in by_zone.items():
        lo, hi = windows[zone_name]
        if lo < core_lo:
            edges.append(Q(IdIn(agent_id, members), **{started_gte: lo, started_lt: core_lo}))
        if hi > core_hi:
            edges.append(Q(IdIn(agent_id, members), **{started_gte: core_hi, started_lt: hi}))
    return [core, reduce(operator.or_, edges)] if edges else [core]


def sums_by_agent(agents: list[Agent], start: dt.date, end: dt.date) -> list[Mapping[str, Any]]:
    """Rows of (agent, currency, logged, billable, billed seconds, revenue micros): the
    worked and billable sums of each part of the period (`period_parts`), and the billed
    ones joined from line times per agent and currency, sent as one UNION ALL statement so
    the billed join costs no round trip of its own."""
    zero = Value(0, output_field=BigIntegerField())
    parts = [
        TimeEntry.objects.filter(part)
        .values("agent_id")
        .annotate(
            currency=Value("", output_field=CharField()),
            logged=Sum("worked_seconds"),
            billable=Sum("worked_seconds", filter=Q(is_billable=True)),
            billed=zero,
            micros=zero,
        )
        .order_by()
        for part in period_parts(agents, start, end)
    ]
    inside = reduce(operator.or_, period_parts(agents, start, end, prefix="entry__"))
    # UNION matches columns by position (rows take the first part's names): these line up
    # with agent_id, currency, logged, billable, billed, micros above.
    billed = (
        billed_line_times()
        .filter(inside)
        .values(agent=F("entry__agent_id"), line_currency=F("line__invoice__currency"))
        .annotate(worked=zero, billable_worked=zero, seconds=Sum("seconds"), revenue=Sum("micros"))
        .order_by()
    )
    rows: Iterable[Mapping[str, Any]] = parts[0].union(*parts[1:], billed, all=True)
    return list(rows)


@dataclass
class Running:
    timer: Timer
    is_billable: bool

    def seconds_in(self, lo: dt.datetime, hi: dt.datetime, now: dt.datetime) -> int:
        """Time the timer has counted inside [lo, hi) when now falls there, else none: a
        running timer counts up to now, but never for time before the window began."""
        if not lo <= now < hi:
            return 0
        return min(self.timer.elapsed_seconds(now), int((now - lo).total_seconds()))


def running_timers(agents: list[Agent]) -> dict[int, Running]:
    # The charge type stopping a timer would log: the timer's, the ticket's, the agent's.
    charge_billable = Coalesce(
        "charge_type__is_billable",
        "ticket__charge_type__is_billable",
        "agent__agent__default_charge_type__is_billable",
        Value(False),
    )
    timers = (
        Timer.objects.filter(
            IdIn(F("agent_id"), [agent.user_id for agent in agents]), state=TimerState.RUNNING
        )
        .annotate(charge_billable=charge_billable)
        .order_by()
    )
    return {timer.agent_id: Running(timer, bool(timer.charge_billable)) for timer in timers}


@dataclass
class Billed:
    seconds: int = 0
    revenue: Money = field(default_factory=dict)


def billed_groups(inside: Q, keys: tuple[str, ...]) -> dict[tuple[Any, ...], Billed]:
    """Billed seconds and revenue of the line times matching `inside` per `keys` (paths
    from a line time): one join and GROUP BY, per currency folded in Python."""
    currency = "line__invoice__currency"
    rows = (
        billed_line_times()
        .filter(inside)
        .values(*keys, currency)
        .annotate(seconds=Sum("seconds"), revenue=Sum("micros"))
        .order_by()
    )
    result: dict[tuple[Any, ...], Billed] = defaultdict(Billed)
    for row in rows:
        group = result[tuple(row[key] for key in keys)]
        group.seconds += row["seconds"] or 0
        if row["revenue"]:
            add_money(group.revenue, {row[currency]: Decimal(row["revenue"]) / MICROS})
    return result


def billed_by_agent_and_client(
    agents: list[Agent], start: dt.date, end: dt.date
) -> dict[tuple[Any, ...], Billed]:
    """Billed seconds and revenue per (agent, client) of the work of `agents` over local
    days start..end."""
    if not agents:
        return {}
    inside, _ = bucketed(agents, [(start, end)], prefix="entry__")
    return billed_groups(inside, ("entry__agent_id", "entry__ticket__client_id"))
