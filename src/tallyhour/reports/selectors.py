"""Reports: utilisation, missed hours, unbilled time and profitability (reads only).

Every figure is aggregated by the database with a fixed number of queries: entries are
bucketed into local days or weeks per agent zone with one CASE expression, and Python only
walks the grouped rows (per agent, per bucket, per currency), never the entries. Billed
time and revenue come from the figures billing keeps on each entry (set when its invoice is
issued, cleared when it is credited), so they are summed in the same pass as worked time.
"""

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from tallyhour.accounts.calendars import available_seconds_by_agent, calendars_by_agent
from tallyhour.accounts.models import Agent, Organisation, Role, User
from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceState
from tallyhour.billing.pricing import MICROS, RateBook, rates_for_clients
from tallyhour.billing.selectors import billable_entries
from tallyhour.contracts.models import Contract
from tallyhour.core import dates
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.core.lookups import IdIn
from tallyhour.core.money import SECONDS_PER_HOUR, round_money
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.selectors import submissions_visible_to
from tallyhour.timetracking.models import (
    EDITABLE_STATES,
    ChargeType,
    TimeEntry,
    Timer,
    TimerState,
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


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO)


def _add_money(total: Money, more: Money) -> None:
    for currency, amount in more.items():
        total[currency] = total.get(currency, Decimal(0)) + amount


def _rounded(money: Money) -> Money:
    return {c: round_money(a, c) for c, a in sorted(money.items())}


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
        return _ratio(self.billable_seconds, self.available_seconds)

    @property
    def logged_ratio(self) -> Decimal | None:
        return _ratio(self.logged_seconds, self.available_seconds)

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
        _add_money(revenue, row.revenue)
    return UtilisationRow(
        agent_id=key,
        name=name,
        available_seconds=available,
        logged_seconds=sum(r.logged_seconds for r in rows),
        billable_seconds=sum(r.billable_seconds for r in rows),
        target_utilisation=target.quantize(Decimal("0.001")),
        billed_seconds=sum(r.billed_seconds for r in rows),
        revenue=_rounded(revenue),
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
_UTILISATION_FIELDS = (
    "timezone",
    "holiday_country",
    "holiday_subdivision",
    "target_utilisation",
    "user__username",
    "user__first_name",
    "user__last_name",
)


def _agents(
    actor: User, agent_ids: list[int] | None, team_id: int | None, *, only: tuple[str, ...] = ()
) -> list[Agent]:
    agents = agents_visible_to(actor).order_by("user__username")
    if only:
        agents = agents.only(*only)
    if agent_ids:
        agents = agents.filter(user_id__in=agent_ids)
    if team_id:
        agents = agents.filter(teams=team_id)
    return list(agents)


def _teams_of(agents: list[Agent]) -> dict[int, tuple[tuple[int, str], ...]]:
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


def _bucketed(agents: list[Agent], buckets: list[Bucket], prefix: str = "") -> tuple[Q, Case]:
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
class _Totals:
    logged: int = 0
    billable: int = 0
    unsubmitted: int = 0


def _entry_totals(agents: list[Agent], buckets: list[Bucket]) -> dict[tuple[int, int], _Totals]:
    """Worked, billable and not-yet-submitted seconds per (agent, bucket): one grouped query."""
    if not agents:
        return {}
    inside, bucket = _bucketed(agents, buckets)
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
        (row["agent_id"], row["bucket"]): _Totals(
            row["logged"] or 0, row["billable"] or 0, row["unsubmitted"] or 0
        )
        for row in rows
    }


@dataclass
class _AgentTotals:
    logged: int = 0
    billable: int = 0
    billed: "_Billed" = field(default_factory=lambda: _Billed())


def _utilisation_totals(
    agents: list[Agent], start: dt.date, end: dt.date
) -> dict[int, _AgentTotals]:
    """Worked, billable and billed seconds and revenue per agent over local days
    start..end, grouped by the database. Billed figures are those billing keeps on each
    entry (set when its invoice is issued, cleared when it is credited).

    The span every agent's zone agrees on (the period less the few hours by which zones
    differ at each end) is one plain range: a single pass over it, naming agents only when
    they are few enough for the index to help (naming hundreds costs more per row than the
    rows of other agents it skips). The edges left over are read per zone, through the
    (agent, started_at) index."""
    if not agents:
        return {}
    windows: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for agent in agents:
        if agent.timezone not in windows:
            windows[agent.timezone] = dates.day_range(start, end, dates.zone(agent.timezone))
    core_lo = max(lo for lo, _ in windows.values())
    core_hi = min(hi for _, hi in windows.values())
    ids = [agent.user_id for agent in agents]
    if core_lo >= core_hi:
        parts = [TimeEntry.objects.filter(_bucketed(agents, [(start, end)])[0])]
    else:
        core = TimeEntry.objects.filter(started_at__gte=core_lo, started_at__lt=core_hi)
        if len(ids) <= NAMED_AGENTS:
            core = core.filter(IdIn(F("agent_id"), ids))
        parts = [core]
        by_zone: dict[str, list[int]] = defaultdict(list)
        for agent in agents:
            by_zone[agent.timezone].append(agent.user_id)
        edges = []
        for zone_name, members in by_zone.items():
            lo, hi = windows[zone_name]
            if lo < core_lo:
                edges.append(
                    Q(IdIn(F("agent_id"), members), started_at__gte=lo, started_at__lt=core_lo)
                )
            if hi > core_hi:
                edges.append(
                    Q(IdIn(F("agent_id"), members), started_at__gte=core_hi, started_at__lt=hi)
                )
        if edges:
            parts.append(TimeEntry.objects.filter(reduce(operator.or_, edges)))
    wanted = set(ids)
    result: dict[int, _AgentTotals] = defaultdict(_AgentTotals)
    for part in parts:
        for row in _sums_by_agent(part):
            if row["agent_id"] not in wanted:
                continue
            totals = result[row["agent_id"]]
            totals.logged += row["logged"] or 0
            totals.billable += row["billable"] or 0
            totals.billed.seconds += row["billed"] or 0
            for currency, micros in row["revenue"].items():
                if micros:
                    _add_money(totals.billed.revenue, {currency: Decimal(micros) / MICROS})
    return result


# Invoice currencies seen so far (SQLite). Revenue is summed once per currency rather than
# grouped by currency: grouping by agent alone lets SQLite aggregate without sorting (it walks
# the agent index). A currency missing here shows as a revenue total the per-currency sums do
# not reach, and the currencies are then read again; extra ones only add zero sums.
_currencies: set[str] = set()


def _time_sums() -> dict[str, Sum]:
    return {
        "logged": Sum("worked_seconds"),
        "billable": Sum("worked_seconds", filter=Q(is_billable=True)),
        "billed": Sum("billed_seconds"),
    }


def _sums_by_agent(entries: QuerySet[TimeEntry]) -> list[dict[str, Any]]:
    """Worked, billable and billed seconds per agent, and revenue micros per currency."""
    if connection.vendor == "postgresql":
        return _sums_by_agent_and_currency(entries)
    for attempt in range(2):
        currencies = sorted(_currencies)
        per_currency = {
            f"revenue_{n}": Sum("billed_micros", filter=Q(billed_currency=currency))
            for n, currency in enumerate(currencies)
        }
        rows: list[dict[str, Any]] = [
            dict(row)
            for row in entries.values("agent_id")
            .annotate(**_time_sums(), revenue_total=Sum("billed_micros"), **per_currency)
            .order_by()
        ]
        for row in rows:
            row["revenue"] = {c: row[f"revenue_{n}"] or 0 for n, c in enumerate(currencies)}
        if attempt or all(
            (row["revenue_total"] or 0) == sum(row["revenue"].values()) for row in rows
        ):
            return rows
        _currencies.update(Invoice.objects.order_by().values_list("currency", flat=True).distinct())
    return rows


def _sums_by_agent_and_currency(entries: QuerySet[TimeEntry]) -> list[dict[str, Any]]:
    """The same sums grouped by agent and billed currency, folded per agent: PostgreSQL
    hash-aggregates the pair without sorting, and four sums cost less than a filtered sum per
    currency (a year of 250 agents: 1.28x the bare two-sum aggregate against 1.34x)."""
    agents: dict[int, dict[str, Any]] = {}
    rows: Iterable[Mapping[str, Any]] = (
        entries.values("agent_id", "billed_currency")
        .annotate(**_time_sums(), micros=Sum("billed_micros"))
        .order_by()
    )
    for row in rows:
        agent = agents.setdefault(
            row["agent_id"],
            {"agent_id": row["agent_id"], "logged": 0, "billable": 0, "billed": 0, "revenue": {}},
        )
        agent["logged"] += row["logged"] or 0
        agent["billable"] += row["billable"] or 0
        agent["billed"] += row["billed"] or 0
        if row["micros"]:
            currency = row["billed_currency"]
            agent["revenue"][currency] = agent["revenue"].get(currency, 0) + row["micros"]
    return list(agents.values())


@dataclass
class _Running:
    timer: Timer
    is_billable: bool

    def seconds_in(self, lo: dt.datetime, hi: dt.datetime, now: dt.datetime) -> int:
        """Time the timer has counted inside [lo, hi) when now falls there, else none: a
        running timer counts up to now, but never for time before the window began."""
        if not lo <= now < hi:
            return 0
        return min(self.timer.elapsed_seconds(now), int((now - lo).total_seconds()))


def _running_timers(agents: list[Agent]) -> dict[int, _Running]:
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
    return {timer.agent_id: _Running(timer, bool(timer.charge_billable)) for timer in timers}


@dataclass
class _Billed:
    seconds: int = 0
    revenue: Money = field(default_factory=dict)


def _billed_on_entries(entries: QuerySet[TimeEntry]) -> dict[tuple[Any, ...], _Billed]:
    """Billed seconds and revenue of `entries` per (agent, client), from the figures billing
    keeps on each entry: one grouped query, no line times."""
    rows = (
        entries.filter(billed_seconds__gt=0)
        .values("agent_id", "ticket__client_id", "billed_currency")
        .annotate(seconds=Sum("billed_seconds"), revenue=Sum("billed_micros"))
        .order_by()
    )
    result: dict[tuple[Any, ...], _Billed] = defaultdict(_Billed)
    for row in rows:
        group = result[(row["agent_id"], row["ticket__client_id"])]
        group.seconds += row["seconds"] or 0
        if row["revenue"]:
            _add_money(group.revenue, {row["billed_currency"]: Decimal(row["revenue"]) / MICROS})
    return result


def _entries_in(agents: list[Agent], start: dt.date, end: dt.date) -> QuerySet[TimeEntry]:
    """Entries of `agents` worked on local days start..end of each agent's zone."""
    if not agents:
        return TimeEntry.objects.none()
    inside, _ = _bucketed(agents, [(start, end)])
    return TimeEntry.objects.filter(inside)


# --- utilisation -------------------------------------------------------------------------


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
    agents = _agents(actor, agent_ids, team_id, only=_UTILISATION_FIELDS)
    available = available_seconds_by_agent(agents, start, end)
    totals = _utilisation_totals(agents, start, end)
    running = _running_timers(agents)
    teams = _teams_of(agents)
    show_money = actor.is_billing_role
    rows = []
    for agent in agents:
        agg = totals.get(agent.user_id) or _AgentTotals()
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
                revenue=_rounded(agg.billed.revenue) if show_money else {},
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
    agents = _agents(actor, agent_ids, team_id)
    calendars = calendars_by_agent(agents, weeks[0][0], weeks[-1][1])
    totals = _entry_totals(agents, weeks)
    running = _running_timers(agents)
    points = []
    for index, (monday, sunday) in enumerate(weeks):
        rows = []
        for agent in agents:
            agg = totals.get((agent.user_id, index), _Totals())
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


# --- missed hours ------------------------------------------------------------------------


@dataclass
class DayGap:
    agent_id: int
    name: str
    day: dt.date
    target_seconds: int
    logged_seconds: int

    @property
    def gap_seconds(self) -> int:
        return max(0, self.target_seconds - self.logged_seconds)


@dataclass
class LateWeek:
    agent_id: int
    name: str
    week_start: dt.date
    target_seconds: int
    logged_seconds: int
    unsubmitted_seconds: int

    @property
    def label(self) -> str:
        return dates.format_week(self.week_start)


@dataclass
class MoneyGroup:
    """Time (and its value at current rates) for one client or agent."""

    key: int
    name: str
    seconds: int
    entries: int
    value: Money = field(default_factory=dict)
    oldest: dt.datetime | None = None


@dataclass
class MissedHours:
    start: dt.date
    end: dt.date
    gaps: list[DayGap]
    late_weeks: list[LateWeek]
    waiting: list[Submission]
    long_timers: list[TimeEntry]
    running_long: list[Timer]
    tickets_without_time: list[Ticket] | None
    unbilled: list[MoneyGroup] | None
    write_offs_by_client: list[MoneyGroup]
    write_offs_by_agent: list[MoneyGroup]
    deadline_days: int = 0
    waiting_days: int = 0
    long_timer_hours: int = 0

    @property
    def gap_seconds(self) -> int:
        return sum(g.gap_seconds for g in self.gaps)

    @property
    def unbilled_seconds(self) -> int:
        return sum(g.seconds for g in self.unbilled or [])

    @property
    def unbilled_value(self) -> Money:
        total: Money = {}
        for group in self.unbilled or []:
            _add_money(total, group.value)
        return total

    @property
    def write_off_seconds(self) -> int:
        return sum(g.seconds for g in self.write_offs_by_agent)


def _valued_by_client(entries: QuerySet[TimeEntry], seconds_field: Any) -> list[MoneyGroup]:
    """Time grouped by client, charge type, agent and contract in SQL, valued per group at
    the rate that would apply to work done today (contract, client, agent and charge-type
    rates, most specific first; before rounding, multipliers and prepaid hours)."""
    rows = [
        row
        for row in entries.filter(ticket__isnull=False)
        .values("ticket__client_id", "charge_type_id", "agent_id", "ticket__contract_id")
        .annotate(seconds=Sum(seconds_field), entries=Count("id"), oldest=Min("started_at"))
        .order_by()
        if row["seconds"]
    ]
    clients = Client.objects.in_bulk({row["ticket__client_id"] for row in rows})
    charge_types = ChargeType.objects.in_bulk({row["charge_type_id"] for row in rows})
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for contract in Contract.objects.filter(client__in=list(clients)):
        contracts[contract.client_id].append(contract)
    # The rates of every client with time here, read at once and sorted into a book each.
    rates = rates_for_clients(list(clients))
    books = {pk: RateBook(client, contracts[pk], rates) for pk, client in clients.items()}
    today = dates.local_date(dates.now(), dates.zone(Organisation.current().timezone))
    groups: dict[int, MoneyGroup] = {}
    for row in rows:
        client = clients[row["ticket__client_id"]]
        group = groups.setdefault(
            client.pk, MoneyGroup(key=client.pk, name=client.name, seconds=0, entries=0)
        )
        group.seconds += row["seconds"]
        group.entries += row["entries"]
        group.oldest = min(filter(None, [group.oldest, row["oldest"]]))
        rate = books[client.pk].resolve(
            charge_type=charge_types[row["charge_type_id"]],
            agent_id=row["agent_id"],
            client_id=client.pk,
            contract_id=row["ticket__contract_id"],
            day=today,
        )
        _add_money(group.value, {client.currency: rate * row["seconds"] / SECONDS_PER_HOUR})
    for group in groups.values():
        group.value = _rounded(group.value)
    return sorted(groups.values(), key=lambda g: (-g.seconds, g.name))


def unbilled_entries(*, actor: User, end: dt.date) -> QuerySet[TimeEntry]:
    """Approved billable time worked up to `end` and not on any invoice: the leakage."""
    check_finance(actor)
    return billable_entries(end).select_related("agent", "ticket__client", "charge_type")


def unbilled_by_client(*, actor: User, end: dt.date) -> list[MoneyGroup]:
    return _valued_by_client(unbilled_entries(actor=actor, end=end), "billable_seconds")


def write_off_entries(
    *, actor: User, start: dt.date, end: dt.date, agent_ids: list[int] | None = None
) -> QuerySet[TimeEntry]:
    """Billable entries of the period an approver trimmed below their worked time."""
    check_period(start, end)
    agents = _agents(actor, agent_ids, None)
    return (
        _entries_in(agents, start, end)
        .filter(is_billable=True, billable_seconds__lt=F("worked_seconds"))
        .select_related("agent", "ticket__client", "charge_type")
        .order_by("started_at", "id")
    )


def _write_offs_by_agent(entries: QuerySet[TimeEntry], agents: list[Agent]) -> list[MoneyGroup]:
    names = {agent.user_id: agent.user.display_name for agent in agents}
    rows = (
        entries.values("agent_id")
        .annotate(seconds=Sum(F("worked_seconds") - F("billable_seconds")), entries=Count("id"))
        .order_by()
    )
    groups = [
        MoneyGroup(
            key=row["agent_id"],
            name=names[row["agent_id"]],
            seconds=row["seconds"],
            entries=row["entries"],
        )
        for row in rows
    ]
    return sorted(groups, key=lambda g: (-g.seconds, g.name))


def long_timer_entries(
    *, actor: User, start: dt.date, end: dt.date, agent_ids: list[int] | None = None
) -> QuerySet[TimeEntry]:
    """Entries from timers that were capped or ran long and wait for someone to review them."""
    check_period(start, end)
    agents = _agents(actor, agent_ids, None)
    return (
        _entries_in(agents, start, end)
        .filter(needs_review=True)
        .select_related("agent", "ticket__client", "charge_type")
        .order_by("started_at", "id")
    )


def _tickets_without_time(
    agents: list[Agent], start: dt.date, end: dt.date, org: Organisation
) -> list[Ticket]:
    """Tickets the agents acted on in the period (organisation days) without logging any
    time on them in it: work that probably happened and was not captured."""
    lo, hi = dates.day_range(start, end, dates.zone(org.timezone))
    ids = [agent.user_id for agent in agents]
    logged = TimeEntry.objects.filter(
        ticket=OuterRef("pk"), agent_id__in=ids, started_at__gte=lo, started_at__lt=hi
    )
    acted = Q(actions__agent_id__in=ids, actions__created_at__gte=lo, actions__created_at__lt=hi)
    return list(
        Ticket.objects.filter(acted)
        .filter(~Exists(logged))
        .annotate(
            action_count=Count("actions", filter=acted), last_action=Max("actions__created_at")
        )
        .select_related("client", "assignee")
        .order_by("-last_action")
    )


def missed_hours(
    *,
    actor: User,
    start: dt.date,
    end: dt.date,
    deadline_days: int | None = None,
    waiting_days: int | None = None,
    long_timer_hours: int | None = None,
    now: dt.datetime | None = None,
) -> MissedHours:
    """Everything that should have been time, or money, and is not (yet) — for the period.

    Day gaps and late weeks count only days that are over in the agent's zone; a running
    timer fills today's gap as it runs. Unbilled time and its value are for finance only."""
    check_reports(actor)
    check_period(start, end, longest=MAX_DAILY_DAYS)
    now = now or dates.now()
    org = Organisation.current()
    deadline_days = org.submission_deadline_days if deadline_days is None else deadline_days
    waiting_days = org.approval_reminder_days if waiting_days is None else waiting_days
    long_timer_hours = org.max_timer_hours if long_timer_hours is None else long_timer_hours
    agents = _agents(actor, None, None)
    calendars = calendars_by_agent(agents, dates.week_start(start), end)
    days = dates.days(dates.week_start(start), end)
    totals = _entry_totals(agents, [(d, d) for d in days])

    gaps: list[DayGap] = []
    late: list[LateWeek] = []
    submitted = set(
        Submission.objects.filter(
            agent_id__in=[a.user_id for a in agents],
            week_start__gte=days[0],
            week_start__lte=end,
            state__in=[SubmissionState.SUBMITTED, SubmissionState.APPROVED],
        ).values_list("agent_id", "week_start")
    )
    for agent in agents:
        today = dates.local_date(now, dates.zone(agent.timezone))
        name = agent.user.display_name
        week: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
        for index, day in enumerate(calendars[agent.user_id]):
            agg = totals.get((agent.user_id, index), _Totals())
            if start <= day.day < today and day.target_seconds > agg.logged:
                gaps.append(DayGap(agent.user_id, name, day.day, day.target_seconds, agg.logged))
            sums = week[dates.week_start(day.day)]
            sums[0] += day.target_seconds
            sums[1] += agg.logged
            sums[2] += agg.unsubmitted
        for monday, (target, logged, unsubmitted) in week.items():
            deadline = monday + dt.timedelta(days=6 + deadline_days)
            if today <= deadline or (agent.user_id, monday) in submitted:
                continue
            if target or unsubmitted:
                late.append(LateWeek(agent.user_id, name, monday, target, logged, unsubmitted))

    waiting = list(
        submissions_visible_to(actor)
        .filter(
            state=SubmissionState.SUBMITTED,
            submitted_at__lt=now - dt.timedelta(days=waiting_days),
            agent_id__in=[a.user_id for a in agents],
        )
        .exclude(agent=actor)
        .order_by("submitted_at")
    )
    running_long = list(
        Timer.objects.filter(
            agent_id__in=[a.user_id for a in agents],
            state=TimerState.RUNNING,
            running_since__lt=now - dt.timedelta(hours=long_timer_hours),
        ).select_related("agent", "ticket")
    )
    write_offs = write_off_entries(actor=actor, start=start, end=end)
    return MissedHours(
        start=start,
        end=end,
        gaps=sorted(gaps, key=lambda g: (g.day, g.name)),
        late_weeks=sorted(late, key=lambda w: (w.week_start, w.name)),
        waiting=waiting,
        long_timers=list(long_timer_entries(actor=actor, start=start, end=end)),
        running_long=running_long,
        tickets_without_time=_tickets_without_time(agents, start, end, org),
        unbilled=unbilled_by_client(actor=actor, end=end) if actor.is_billing_role else None,
        write_offs_by_client=_valued_by_client(
            write_offs, F("worked_seconds") - F("billable_seconds")
        ),
        write_offs_by_agent=_write_offs_by_agent(write_offs, agents),
        deadline_days=deadline_days,
        waiting_days=waiting_days,
        long_timer_hours=long_timer_hours,
    )


# --- profitability -----------------------------------------------------------------------


@dataclass
class ProfitRow:
    """Billed revenue against the cost of the time behind it, for a client or an agent."""

    key: int
    name: str
    worked_seconds: int
    billed_seconds: int
    revenue: Money
    cost: Decimal
    currency: str  # the organisation's: cost rates are kept in it

    @property
    def effective_rate(self) -> Money:
        """Revenue per hour worked, per currency (time not billed yet lowers it)."""
        if not self.worked_seconds:
            return {}
        return {
            c: round_money(a * SECONDS_PER_HOUR / self.worked_seconds, c)
            for c, a in self.revenue.items()
        }

    @property
    def margin(self) -> Decimal | None:
        """Revenue less cost, when all revenue is in the organisation's currency."""
        if set(self.revenue) - {self.currency}:
            return None
        return self.revenue.get(self.currency, Decimal(0)) - self.cost

    @property
    def margin_ratio(self) -> Decimal | None:
        margin = self.margin
        revenue = self.revenue.get(self.currency)
        if margin is None or not revenue:
            return None
        return (margin / revenue).quantize(RATIO)


@dataclass
class Profitability:
    start: dt.date
    end: dt.date
    currency: str
    clients: list[ProfitRow]
    agents: list[ProfitRow]


def _fees(start: dt.date, end: dt.date) -> list[tuple[int, str, Decimal]]:
    """Billed lines that carry no time (retainer fees, manual lines) per client and
    currency, for the period they belong to (else their invoice's issue date)."""
    rows = (
        InvoiceLine.objects.filter(
            invoice__state__in=BILLED_STATES,
            invoice__kind=InvoiceKind.INVOICE,
            times__isnull=True,
        )
        .exclude(invoice__credit_notes__isnull=False)
        .annotate(belongs_to=Coalesce("period_start", "invoice__issue_date"))
        .filter(belongs_to__gte=start, belongs_to__lte=end)
        .values("invoice__client_id", "invoice__currency")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    return [(r["invoice__client_id"], r["invoice__currency"], r["amount"]) for r in rows]


def profitability(*, actor: User, start: dt.date, end: dt.date) -> Profitability:
    """Per client and per agent: hours worked in the period, what of it was billed (issued or
    paid invoices), the revenue, the cost of the time at agent cost rates and the effective
    hourly rate. Grouped by the database; Python scales one row per group."""
    check_finance(actor)
    check_period(start, end)
    currency = Organisation.current().currency
    agents = _agents(actor, None, None)
    cost_rates = {agent.user_id: agent.cost_rate for agent in agents}
    entries = _entries_in(agents, start, end)
    worked = (
        entries.values("agent_id", "ticket__client_id")
        .annotate(seconds=Sum("worked_seconds"))
        .order_by()
    )
    billed = _billed_on_entries(entries)
    clients = Client.objects.in_bulk(
        {row["ticket__client_id"] for row in worked if row["ticket__client_id"]}
    )

    def blank(key: int, name: str) -> ProfitRow:
        return ProfitRow(key, name, 0, 0, {}, Decimal(0), currency)

    by_agent = {a.user_id: blank(a.user_id, a.user.display_name) for a in agents}
    by_client: dict[int, ProfitRow] = {}
    billed_seconds: dict[tuple[str, int], int] = defaultdict(int)
    for row in worked:
        cost = cost_rates[row["agent_id"]] * row["seconds"] / SECONDS_PER_HOUR
        targets = [by_agent[row["agent_id"]]]
        if client_id := row["ticket__client_id"]:
            targets.append(
                by_client.setdefault(client_id, blank(client_id, clients[client_id].name))
            )
        for target in targets:
            target.worked_seconds += row["seconds"]
            target.cost += cost
    for (agent_id, client_id), group in billed.items():
        billed_seconds[("agent", agent_id)] += group.seconds
        _add_money(by_agent[agent_id].revenue, group.revenue)
        if client_id in by_client:
            billed_seconds[("client", client_id)] += group.seconds
            _add_money(by_client[client_id].revenue, group.revenue)
    for client_id, line_currency, amount in _fees(start, end):
        if client_id not in by_client:
            by_client[client_id] = blank(client_id, Client.objects.get(pk=client_id).name)
        _add_money(by_client[client_id].revenue, {line_currency: amount})
    for kind, rows in (("agent", by_agent), ("client", by_client)):
        for key, profit in rows.items():
            profit.billed_seconds = billed_seconds[(kind, key)]
            profit.revenue = _rounded(profit.revenue)
            profit.cost = round_money(profit.cost, currency)

    def order(rows: Iterable[ProfitRow]) -> list[ProfitRow]:
        return sorted(rows, key=lambda r: (-sum(r.revenue.values(), Decimal(0)), r.name))

    return Profitability(start, end, currency, order(by_client.values()), order(by_agent.values()))
