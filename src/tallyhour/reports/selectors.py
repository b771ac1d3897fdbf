"""Utilisation: available vs logged vs billable time per agent, aggregated by the database."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from tallyhour.accounts.models import Agent, User
from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState

MAX_PERIOD_DAYS = 366


@dataclass
class UtilisationRow:
    agent_id: int
    name: str
    available_seconds: int
    logged_seconds: int
    billable_seconds: int
    target_utilisation: Decimal

    @property
    def non_billable_seconds(self) -> int:
        return self.logged_seconds - self.billable_seconds

    @property
    def utilisation(self) -> Decimal | None:
        if not self.available_seconds:
            return None
        return (Decimal(self.billable_seconds) / Decimal(self.available_seconds)).quantize(
            Decimal("0.0001")
        )

    @property
    def logged_ratio(self) -> Decimal | None:
        if not self.available_seconds:
            return None
        return (Decimal(self.logged_seconds) / Decimal(self.available_seconds)).quantize(
            Decimal("0.0001")
        )

    @property
    def headroom_seconds(self) -> int:
        return self.available_seconds - self.logged_seconds

    @property
    def over_capacity(self) -> bool:
        return self.logged_seconds > self.available_seconds

    @property
    def band(self) -> str:
        """under / on / over the agent's target utilisation (±5 points counts as on target)."""
        value = self.utilisation
        if value is None:
            return "none"
        if value < self.target_utilisation - Decimal("0.05"):
            return "under"
        if value > self.target_utilisation + Decimal("0.05"):
            return "over"
        return "on"


def _check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidInput("end must not be before start.", fields={"end": "before start"})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput("A period covers at most 366 days.", fields={"end": "period too long"})


def utilisation_for(
    *,
    actor: User,
    start: dt.date,
    end: dt.date,
    agent_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> list[UtilisationRow]:
    """One row per visible agent for local days start..end; a fixed number of queries."""
    _check_period(start, end)
    now = now or dates.now()
    agents = (
        agents_visible_to(actor)
        .select_related("default_charge_type")
        .prefetch_related("workdays")
        .order_by("user__username")
    )
    if agent_ids:
        agents = agents.filter(user_id__in=agent_ids)
    agent_list: list[Agent] = list(agents)
    # Each agent's local days map to a UTC window; agents sharing a zone share the window,
    # so the whole period is one grouped SQL aggregate with a handful of OR-ed ranges.
    by_zone: dict[str, list[int]] = defaultdict(list)
    for agent in agent_list:
        by_zone[agent.timezone].append(agent.user_id)
    windows = {z: dates.day_range(start, end, dates.zone(z)) for z in by_zone}
    in_window = Q(pk__in=[])
    for zone_name, ids in by_zone.items():
        lo, hi = windows[zone_name]
        in_window |= Q(agent_id__in=ids, started_at__gte=lo, started_at__lt=hi)
    totals: dict[int, dict[str, Any]] = {
        row["agent_id"]: dict(row)
        for row in TimeEntry.objects.filter(in_window)
        .values("agent_id")
        .annotate(
            logged=Sum("worked_seconds"), billable=Sum("worked_seconds", filter=Q(is_billable=True))
        )
        .order_by()
    }
    running: dict[int, tuple[int, bool]] = {}
    agents_by_id = {a.user_id: a for a in agent_list}
    timers = Timer.objects.filter(
        agent_id__in=list(agents_by_id), state=TimerState.RUNNING
    ).select_related("charge_type", "ticket__charge_type")
    for timer in timers:
        agent = agents_by_id[timer.agent_id]
        lo, hi = windows[agent.timezone]
        # A running timer counts up to now when now falls inside the period, but never
        # for time before the period began.
        if lo <= now < hi:
            seconds = min(timer.elapsed_seconds(now), int((now - lo).total_seconds()))
            # The charge type stopping it would log: the timer's, the ticket's, the agent's.
            charge = (
                timer.charge_type
                or (timer.ticket.charge_type if timer.ticket else None)
                or agent.default_charge_type
            )
            running[timer.agent_id] = (seconds, charge.is_billable if charge else False)

    rows = []
    period = dates.days(start, end)
    for agent in agent_list:
        targets = {w.weekday: w.target_seconds for w in agent.workdays.all()}
        available = sum(targets.get(d.weekday(), 0) for d in period)
        agg = totals.get(agent.user_id, {})
        logged, billable = agg.get("logged") or 0, agg.get("billable") or 0
        if agent.user_id in running:
            seconds, is_billable = running[agent.user_id]
            logged += seconds
            billable += seconds if is_billable else 0
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
    return rows
