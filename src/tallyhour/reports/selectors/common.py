"""What every report shares: periods, permission checks, money sums, the agents a report
covers, and the CASE that buckets entries into each agent's local days or weeks."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from tallyhour.accounts.models import Agent, Role, User, Workday
from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.billing.models import InvoiceState
from tallyhour.core import dates
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.core.lookups import IdIn
from tallyhour.core.money import round_money
from tallyhour.timetracking.models import (
    EDITABLE_STATES,
    TimeEntry,
)

MAX_PERIOD_DAYS = 366
MAX_TREND_WEEKS = 53
MAX_DAILY_DAYS = 93
# Up to this many agents, the utilisation pass names them (an index range each); beyond,
# it reads the whole period and leaves other agents' rows out in Python.
NAMED_AGENTS = 50
BAND_TOLERANCE = Decimal("0.05")
BILLED_STATES = (InvoiceState.ISSUED, InvoiceState.PAID)
RATIO = Decimal("0.0001")

Bucket = tuple[dt.date, dt.date]
Money = dict[str, Decimal]


# --- shapes ------------------------------------------------------------------------------


def ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO)


def add_money(total: Money, more: Money) -> None:
    for currency, amount in more.items():
        total[currency] = total.get(currency, Decimal(0)) + amount


def rounded(money: Money) -> Money:
    return {c: round_money(a, c) for c, a in sorted(money.items())}


# --- building blocks ---------------------------------------------------------------------


def check_period(start: dt.date, end: dt.date, *, longest: int = MAX_PERIOD_DAYS) -> None:
    if end < start:
        raise InvalidInput("end must not be before start.", fields={"end": "before start"})
    if (end - start).days >= longest:
        raise InvalidInput(
            f"A period covers at most {longest} days.", fields={"end": "period too long"}
        )


def check_reports(actor: User) -> None:
    """Reports are for people who manage others' time or bill it."""
    if actor.role != Role.APPROVER and not actor.is_billing_role:
        raise Forbidden("Reports are for approvers, billing and admins.")


def check_finance(actor: User) -> None:
    if not actor.is_billing_role:
        raise Forbidden("Money figures are for billing and admin users.")


# What utilisation reads of an agent (zone, holiday region, target, name): hundreds of agents
# and users built with every column cost more than the calendars they feed.
UTILISATION_FIELDS = (
    "timezone",
    "holiday_country",
    "holiday_subdivision",
    "target_utilisation",
    "user__username",
    "user__first_name",
    "user__last_name",
)


def reported_agents(agents: QuerySet[Agent]) -> QuerySet[Agent]:
    """The agents reports list: active accounts with an agent profile, but no client contact
    and no billing user whose profile has no workday (the empty profile My week used to
    make for anyone who opened it). A billing user given a workday logs time and counts."""
    has_workday = Exists(Workday.objects.filter(agent=OuterRef("pk")))
    return (
        agents.filter(user__is_active=True)
        .exclude(user__role=Role.CONTACT)
        .filter(~Q(user__role=Role.BILLING) | Q(has_workday))
    )


def chosen_agents(
    actor: User, agent_ids: list[int] | None, team_id: int | None, *, only: tuple[str, ...] = ()
) -> list[Agent]:
    agents = reported_agents(agents_visible_to(actor)).order_by("user__username")
    if only:
        agents = agents.only(*only)
    if agent_ids:
        agents = agents.filter(user_id__in=agent_ids)
    if team_id:
        agents = agents.filter(teams=team_id)
    return list(agents)


def period_entries(
    actor: User, start: dt.date, end: dt.date, agent_ids: list[int] | None = None
) -> tuple[list[Agent], QuerySet[TimeEntry]]:
    """The chosen agents the actor may see (all of them without `agent_ids`) and their
    entries worked in the period, once the period is checked."""
    check_period(start, end)
    agents = chosen_agents(actor, agent_ids, None)
    return agents, entries_in(agents, start, end)


def teams_of(agents: list[Agent]) -> dict[int, tuple[tuple[int, str], ...]]:
    """(team id, name) pairs per agent in one query: prefetching Team objects for hundreds
    of agents cost more than the rest of the agents' loading."""
    pairs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ids = [agent.user_id for agent in agents]
    memberships = (
        Agent.teams.through.objects.filter(IdIn(F("agent_id"), ids))
        .order_by("team__name")
        .values_list("agent_id", "team_id", "team__name")
    )
    for agent_id, team_id, name in memberships:
        pairs[agent_id].append((team_id, name))
    return {agent_id: tuple(teams) for agent_id, teams in pairs.items()}


def bucketed(agents: list[Agent], buckets: list[Bucket], prefix: str = "") -> tuple[Q, Case]:
    """Entries of `agents` inside the buckets (local days of each agent's zone), and a CASE
    giving each entry its bucket's index. Agents sharing a zone share the UTC windows, so
    the SQL grows with zones × buckets, never with entries. Each zone's agents are named by
    id, so the database needs no join to find an entry's zone. `prefix` reaches the entry
    from another model (``"entry__"`` from line times)."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for agent in agents:
        by_zone[agent.timezone].append(agent.user_id)
    whens = []
    inside = Q(pk__in=[])
    agent_in, started_gte, started_lt = (
        f"{prefix}agent_id__in",
        f"{prefix}started_at__gte",
        f"{prefix}started_at__lt",
    )
    for zone_name in sorted(by_zone):
        tz = dates.zone(zone_name)
        same_zone = Q(**{agent_in: by_zone[zone_name]})
        for index, (first, last) in enumerate(buckets):
            lo, hi = dates.day_range(first, last, tz)
            whens.append(When(same_zone, **{started_gte: lo, started_lt: hi}, then=Value(index)))
        lo, hi = dates.day_range(buckets[0][0], buckets[-1][1], tz)
        inside |= same_zone & Q(**{started_gte: lo, started_lt: hi})
    return inside, Case(*whens, default=Value(-1), output_field=IntegerField())


@dataclass
class BucketTotals:
    logged: int = 0
    billable: int = 0
    unsubmitted: int = 0


def entry_totals(agents: list[Agent], buckets: list[Bucket]) -> dict[tuple[int, int], BucketTotals]:
    """Worked, billable and not-yet-submitted seconds per (agent, bucket): one grouped query."""
    if not agents:
        return {}
    inside, bucket = bucketed(agents, buckets)
    rows = (
        TimeEntry.objects.filter(inside)
        .annotate(bucket=bucket)
        .values("agent_id", "bucket")
        .annotate(
            logged=Sum("worked_seconds"),
            billable=Sum("worked_seconds", filter=Q(is_billable=True)),
            unsubmitted=Sum("worked_seconds", filter=Q(state__in=EDITABLE_STATES)),
        )
        .order_by()
    )
    return {
        (row["agent_id"], row["bucket"]): BucketTotals(
            row["logged"] or 0, row["billable"] or 0, row["unsubmitted"] or 0
        )
        for row in rows
    }


def entries_in(agents: list[Agent], start: dt.date, end: dt.date) -> QuerySet[TimeEntry]:
    """Entries of `agents` worked on local days start..end of each agent's zone."""
    if not agents:
        return TimeEntry.objects.none()
    inside, _ = bucketed(agents, [(start, end)])
    return TimeEntry.objects.filter(inside)
