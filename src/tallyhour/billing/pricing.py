"""Pricing: how approved time becomes invoice lines (rates, rounding, multipliers, contracts).

Pure planning: given a client's billable entries and the contract state, build the lines a
run would write. Previews call it without locks; a committing run calls it again under the
client's row lock so what it writes matches what it read.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Q, Sum

from tallyhour.accounts.calendars import holiday_region, public_holidays
from tallyhour.accounts.models import Agent, Organisation, User, Workday
from tallyhour.billing.models import InvoiceState, LineKind, LineTime
from tallyhour.contracts.models import (
    Contract,
    ContractKind,
    PrepayEntry,
    PrepayKind,
    Rate,
    RetainerCharge,
)
from tallyhour.core import dates
from tallyhour.core.money import amount_for_seconds
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, RoundingMode, RoundingScope

ONE = Decimal("1")
RATE_PLACES = Decimal("0.0001")
LIVE_STATES = (InvoiceState.DRAFT, InvoiceState.ISSUED, InvoiceState.PAID)


# An entry's share of a line's amount is kept on the entry in millionths of the currency.
MICROS = 1_000_000


def micros_share(seconds: int, line_seconds: int, amount: Decimal) -> int:
    """`seconds` of a line's `line_seconds` as millionths of the line's amount, half up."""
    share = Decimal(seconds) * amount * MICROS / line_seconds
    return int(share.quantize(ONE, rounding=ROUND_HALF_UP))


def billed_seconds_for(seconds: int, charge: ChargeType) -> int:
    """`seconds` rounded by the charge type's rule."""
    return round_seconds(
        seconds,
        increment_minutes=charge.rounding_increment_minutes,
        minimum_minutes=charge.rounding_minimum_minutes,
        mode=charge.rounding_mode,
    )


def round_seconds(seconds: int, *, increment_minutes: int, minimum_minutes: int, mode: str) -> int:
    """Billed seconds for `seconds` of work: blocks of `increment_minutes` (up, nearest or
    down), then at least `minimum_minutes`. Nothing worked bills nothing."""
    if seconds <= 0:
        return 0
    billed = seconds
    step = increment_minutes * 60
    if step:
        blocks, rest = divmod(seconds, step)
        if mode == RoundingMode.UP and rest or mode == RoundingMode.NEAREST and rest * 2 >= step:
            blocks += 1
        billed = blocks * step
    return max(billed, minimum_minutes * 60)


def _scaled(part: int, whole: int, total: int) -> int:
    """part/whole of total, rounded half-up, in integer seconds."""
    if whole <= 0:
        return 0
    return int((Decimal(part) * total / whole).quantize(ONE, rounding=ROUND_HALF_UP))


@dataclass(slots=True)
class BillableEntry:
    """What pricing reads of one time entry: a plain object, far cheaper to build than a
    model instance when a run prices hundreds of thousands of entries."""

    pk: int
    agent_id: int
    ticket_id: int
    charge_type_id: int
    started_at: dt.datetime
    ended_at: dt.datetime
    billable_seconds: int
    agent: User
    ticket: Ticket
    charge_type: ChargeType


# -- rates ------------------------------------------------------------------------------------


def rates_for_clients(client_ids: list[int]) -> list[Rate]:
    """Every rate that could apply to any of the clients, in one query."""
    return list(
        Rate.objects.filter(
            Q(contract__client_id__in=client_ids)
            | Q(client_id__in=client_ids)
            | Q(contract__isnull=True, client__isnull=True)
        )
    )


class RateBook:
    """Every rate that could apply to one client, resolved in memory per entry.

    `rates`, when given, are the rates of several clients read at once (rates_for_clients);
    the book keeps those that concern this client, in the same order."""

    def __init__(
        self, client: Client, contracts: list[Contract], rates: list[Rate] | None = None
    ) -> None:
        if rates is None:
            self.rates = list(
                Rate.objects.filter(
                    Q(contract__in=contracts)
                    | Q(client=client)
                    | Q(contract__isnull=True, client__isnull=True)
                )
            )
            return
        mine = {contract.pk for contract in contracts}
        self.rates = [
            rate
            for rate in rates
            if rate.contract_id in mine
            or rate.client_id == client.pk
            or (rate.contract_id is None and rate.client_id is None)
        ]

    @staticmethod
    def _level(rate: Rate, contract_id: int | None, client_id: int, agent_id: int) -> int | None:
        """Scope precedence (lower wins), or None when the rate does not apply."""
        if rate.agent_id is not None and rate.agent_id != agent_id:
            return None
        if rate.contract_id is not None:
            if rate.contract_id != contract_id:
                return None
            return 0 if rate.agent_id else 1
        if rate.client_id is not None:
            if rate.client_id != client_id:
                return None
            return 2 if rate.agent_id else 3
        return 4 if rate.agent_id else 5

    def resolve(
        self,
        *,
        charge_type: ChargeType,
        agent_id: int,
        client_id: int,
        contract_id: int | None,
        day: dt.date,
    ) -> Decimal:
        """Most specific scope first; within it a rate naming the charge type beats one for
        every charge type; then the latest `valid_from` on or before the day."""
        best: tuple[int, int, int] | None = None
        chosen = charge_type.hourly_rate
        for rate in self.rates:
            if rate.valid_from > day:
                continue
            if rate.charge_type_id is not None and rate.charge_type_id != charge_type.pk:
                continue
            level = self._level(rate, contract_id, client_id, agent_id)
            if level is None:
                continue
            key = (level, 0 if rate.charge_type_id else 1, -rate.valid_from.toordinal())
            if best is None or key < best:
                best, chosen = key, rate.hourly_rate
        return chosen


# -- plan -------------------------------------------------------------------------------------


@dataclass
class PlannedLine:
    kind: str
    description: str
    ticket_id: int | None
    charge_type_id: int | None
    contract_id: int | None
    base_rate: Decimal | None
    multiplier: Decimal
    rate: Decimal
    currency: str
    period_start: dt.date | None = None
    quantity_units: Decimal | None = None  # fees: a count, not hours
    pieces: dict[int, int] = field(default_factory=dict)  # entry id → billed seconds
    draws: list[tuple[int | None, int]] = field(default_factory=list)  # (block id, seconds)
    # (seconds, entries) once the pieces are written and dropped (see ClientPlan.release_pieces)
    summary: tuple[int, int] | None = None

    @property
    def seconds(self) -> int:
        return self.summary[0] if self.summary else sum(self.pieces.values())

    @property
    def entries(self) -> int:
        return self.summary[1] if self.summary else len(self.pieces)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / 3600).quantize(Decimal("0.01"))

    @property
    def amount(self) -> Decimal:
        if self.quantity_units is not None:
            return amount_for_seconds(self.rate, 3600, self.currency) * self.quantity_units
        return amount_for_seconds(self.rate, self.seconds, self.currency)


@dataclass
class PlannedFee:
    contract: Contract
    period_start: dt.date
    rollover_seconds: int
    line: PlannedLine


@dataclass
class ClientPlan:
    client: Client
    lines: list[PlannedLine] = field(default_factory=list)
    fees: list[PlannedFee] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)
    entry_count: int | None = None  # set when the entry ids are dropped

    @property
    def all_lines(self) -> list[PlannedLine]:
        return self.lines + [fee.line for fee in self.fees]

    def release_pieces(self) -> None:
        """Keep only the totals of a written plan, so a long run's results stay small."""
        self.entry_count = len(self.entry_ids)
        self.entry_ids = []
        for line in self.all_lines:
            line.summary = (line.seconds, line.entries)
            line.pieces = {}

    @property
    def seconds(self) -> int:
        return sum(line.seconds for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.all_lines), Decimal("0"))

    @property
    def entries(self) -> int:
        return self.entry_count if self.entry_count is not None else len(self.entry_ids)

    @property
    def prepay_seconds(self) -> int:
        return sum(line.seconds for line in self.lines if line.kind == LineKind.PREPAY)

    @property
    def overage_seconds(self) -> int:
        return sum(line.seconds for line in self.lines if line.kind == LineKind.OVERAGE)

    @property
    def fee_total(self) -> Decimal:
        return sum((fee.line.amount for fee in self.fees), Decimal("0"))

    def primary_line(self, entry_id: int) -> PlannedLine:
        """The line an entry points at: the one carrying most of it (the first on a tie)."""
        best: PlannedLine | None = None
        for line in self.lines:
            if entry_id in line.pieces and (
                best is None or line.pieces[entry_id] > best.pieces[entry_id]
            ):
                best = line
        assert best is not None
        return best


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def contract_for(
    ticket_contract: Contract | None, defaults: list[Contract], day: dt.date
) -> Contract | None:
    """The ticket's contract, else the client's default contract active on the day."""
    if ticket_contract is not None:
        return ticket_contract
    for contract in defaults:
        if contract.starts_on <= day and (contract.ends_on is None or contract.ends_on >= day):
            return contract
    return None


def retainer_used_seconds(contract: Contract, period_start: dt.date) -> int:
    """Included time already on live lines for the month (entries still on those invoices)."""
    used = LineTime.objects.filter(
        line__kind=LineKind.RETAINER_INCLUDED,
        line__contract=contract,
        line__period_start=period_start,
        line__invoice__state__in=LIVE_STATES,
        entry__invoice_line__invoice=F("line__invoice"),
    ).aggregate(s=Sum("seconds"))["s"]
    return used or 0


def prepay_blocks(contract_ids: list[int]) -> dict[int, tuple[list[PrepayEntry], dict[int, int]]]:
    """Per prepay contract: its purchase blocks in drawing order (soonest expiry first) and
    the seconds left on each (expired blocks included; callers filter). Two queries for
    all the contracts."""
    ledgers: dict[int, tuple[list[PrepayEntry], dict[int, int]]] = {
        pk: ([], {}) for pk in contract_ids
    }
    if not contract_ids:
        return ledgers
    purchases = PrepayEntry.objects.filter(
        contract_id__in=contract_ids, kind=PrepayKind.PURCHASE
    ).order_by("contract_id", F("expires_on").asc(nulls_last=True), "purchased_on", "pk")
    for block in purchases:
        blocks, remaining = ledgers[block.contract_id]
        blocks.append(block)
        remaining[block.pk] = remaining.get(block.pk, 0) + block.seconds
    used = (
        PrepayEntry.objects.filter(contract_id__in=contract_ids, block__isnull=False)
        .values_list("contract_id", "block_id")
        .annotate(s=Sum("seconds"))
        .order_by()
    )
    for contract_id, block_id, seconds in used:
        remaining = ledgers[contract_id][1]
        remaining[block_id] = remaining.get(block_id, 0) + seconds
    return ledgers


def retainers_used_seconds(
    contract_ids: list[int], since: dt.date
) -> dict[tuple[int, dt.date], int]:
    """retainer_used_seconds for every month from `since` on of several contracts, in one
    grouped query (months with nothing used are missing)."""
    if not contract_ids:
        return {}
    used = (
        LineTime.objects.filter(
            line__kind=LineKind.RETAINER_INCLUDED,
            line__contract_id__in=contract_ids,
            line__period_start__gte=since,
            line__invoice__state__in=LIVE_STATES,
            entry__invoice_line__invoice=F("line__invoice"),
        )
        .values_list("line__contract_id", "line__period_start")
        .annotate(s=Sum("seconds"))
        .order_by()
    )
    return {(contract_id, period): seconds or 0 for contract_id, period, seconds in used}


@dataclass
class _Segment:
    seconds: int
    multiplier: Decimal
    label: str


@dataclass
class PlanContext:
    """What planning reads for a batch of clients, read once for all of them: the
    organisation, contracts and rates (one query each) and public holidays per region."""

    org: Organisation
    contracts: dict[int, list[Contract]]
    rates: list[Rate]
    # Unreleased retainer charges per contract, in period order.
    charges: dict[int, list[RetainerCharge]] = field(default_factory=dict)
    # Included time already on live lines per (retainer contract, month), read for the
    # batch's contracts and months from `retainers_since` on; other contracts (a ticket's
    # contract of another client) and earlier months are looked up one by one.
    retainer_used: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    retainers_read: set[int] = field(default_factory=set)
    retainers_since: dt.date | None = None
    # Prepay purchase blocks and the seconds left on each, per contract.
    prepay: dict[int, tuple[list[PrepayEntry], dict[int, int]]] = field(default_factory=dict)
    holidays: dict[tuple[str, str, dt.date, dt.date], set[dt.date]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, client_ids: list[int], org: Organisation | None = None, *, since: dt.date | None = None
    ) -> "PlanContext":
        """`since`: the first month whose retainer usage planning may ask for (the month
        before the earliest entry's, for rollover), so usage is read for the whole batch."""
        contracts: dict[int, list[Contract]] = {pk: [] for pk in client_ids}
        for contract in Contract.objects.filter(client_id__in=client_ids).order_by(
            "client_id", "-starts_on", "pk"
        ):
            contracts[contract.client_id].append(contract)
        retainers = [
            c.pk for cs in contracts.values() for c in cs if c.kind == ContractKind.RETAINER
        ]
        charges: dict[int, list[RetainerCharge]] = {pk: [] for pk in retainers}
        prepays = [c.pk for cs in contracts.values() for c in cs if c.kind == ContractKind.PREPAY]
        if retainers:
            for charge in RetainerCharge.objects.filter(
                contract_id__in=retainers, released=False
            ).order_by("contract_id", "period_start", "pk"):
                charges[charge.contract_id].append(charge)
        return cls(
            org=org or Organisation.current(),
            contracts=contracts,
            rates=rates_for_clients(client_ids),
            charges=charges,
            retainer_used=retainers_used_seconds(retainers, since) if since else {},
            retainers_read=set(retainers) if since else set(),
            retainers_since=since,
            prepay=prepay_blocks(prepays),
        )

    def used_seconds(self, contract: Contract, period: dt.date) -> int:
        read = self.retainers_since is not None and period >= self.retainers_since
        if read and contract.pk in self.retainers_read:
            return self.retainer_used.get((contract.pk, period), 0)
        return retainer_used_seconds(contract, period)

    def prepay_ledger(self, contract: Contract) -> tuple[list[PrepayEntry], dict[int, int]]:
        if contract.pk not in self.prepay:
            self.prepay.update(prepay_blocks([contract.pk]))
        return self.prepay[contract.pk]

    def public_holidays(
        self, country: str, subdivision: str, first: dt.date, last: dt.date
    ) -> set[dt.date]:
        key = (country, subdivision, first, last)
        if key not in self.holidays:
            self.holidays[key] = set(public_holidays(country, subdivision, first, last))
        return self.holidays[key]


class Planner:
    """Builds a ClientPlan; holds the state (prepay blocks, retainer allowances) it consumes."""

    def __init__(
        self,
        client: Client,
        cut_off: dt.date,
        entries: list[BillableEntry],
        context: PlanContext | None = None,
    ) -> None:
        self.client = client
        self.cut_off = cut_off
        self.entries = entries
        context = context or PlanContext.load([client.pk])
        self.context = context
        self.org = context.org
        self.contracts = context.contracts.get(client.pk, [])
        self.defaults = [c for c in self.contracts if c.is_default]
        self.rates = RateBook(client, self.contracts, context.rates)
        self.plan = ClientPlan(client=client)
        self.lines: dict[tuple[Any, ...], PlannedLine] = {}
        self._blocks: dict[int, list[PrepayEntry]] = {}
        self._remaining: dict[int, dict[int, int]] = {}
        self._allowance: dict[tuple[int, dt.date], int] = {}
        self._holidays: dict[int, set[dt.date]] = {}
        self._workdays: dict[int, dict[int, Workday]] = {}

    # segments: out of hours, weekend, holiday

    def _holiday_days(self, entry: BillableEntry) -> set[dt.date]:
        if entry.agent_id not in self._holidays:
            agent = getattr(entry.agent, "agent", None)
            days: set[dt.date] = set()
            if agent is not None:
                country, subdivision = holiday_region(agent, self.org)
                if country:
                    first = dt.date(self.cut_off.year - 2, 1, 1)
                    days = self.context.public_holidays(country, subdivision, first, self.cut_off)
            self._holidays[entry.agent_id] = days
        return self._holidays[entry.agent_id]

    def _week_of(self, agent: Agent) -> dict[int, Workday]:
        if agent.pk not in self._workdays:
            self._workdays[agent.pk] = {w.weekday: w for w in agent.workdays.all()}
        return self._workdays[agent.pk]

    def segments(self, entry: BillableEntry, billable: int) -> list[_Segment]:
        """The entry's billed time by multiplier, in working order."""
        charge = entry.charge_type
        agent = getattr(entry.agent, "agent", None)
        tz = dates.zone(agent.timezone if agent else self.org.timezone)
        start, end = entry.started_at.astimezone(tz), entry.ended_at.astimezone(tz)
        day = start.date()
        if charge.multiplier_holiday != ONE and day in self._holiday_days(entry):
            return [_Segment(billable, charge.multiplier_holiday, "public holiday")]
        if charge.multiplier_weekend != ONE and day.weekday() >= 5:
            return [_Segment(billable, charge.multiplier_weekend, "weekend")]
        if charge.multiplier_out_of_hours == ONE or agent is None:
            return [_Segment(billable, ONE, "")]
        workday = self._week_of(agent).get(day.weekday())
        if workday is None:
            return [_Segment(billable, charge.multiplier_out_of_hours, "out of hours")]
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
        segments: list[_Segment] = []
        given = 0
        for index, (seconds, multiplier, label) in enumerate(parts):
            if not seconds:
                continue
            share = billable - given if index == 2 else _scaled(seconds, worked, billable)
            share = min(share, billable - given)
            given += share
            segments.append(_Segment(share, multiplier, label))
        if given < billable and segments:
            segments[-1].seconds += billable - given
        return [s for s in segments if s.seconds > 0] or [_Segment(billable, ONE, "")]

    # rounding

    def billed_by_entry(self) -> dict[int, int]:
        billed: dict[int, int] = {}
        groups: dict[tuple[Any, ...], list[BillableEntry]] = defaultdict(list)
        for entry in self.entries:
            charge = entry.charge_type
            if charge.rounding_scope == RoundingScope.TICKET_DAY:
                groups[(entry.ticket_id, charge.pk, self.work_date(entry))].append(entry)
            else:
                billed[entry.pk] = billed_seconds_for(entry.billable_seconds, charge)
        for members in groups.values():
            total = sum(e.billable_seconds for e in members)
            target = billed_seconds_for(total, members[0].charge_type)
            for entry in members:
                billed[entry.pk] = entry.billable_seconds
            # The difference lands on the day's last entries (the time rounding "extends").
            delta = target - total
            for entry in reversed(members):
                if delta == 0:
                    break
                change = delta if delta > 0 else max(delta, -billed[entry.pk])
                billed[entry.pk] += change
                delta -= change
        return billed

    def work_date(self, entry: BillableEntry) -> dt.date:
        agent = getattr(entry.agent, "agent", None)
        tz = dates.zone(agent.timezone if agent else self.org.timezone)
        return dates.local_date(entry.started_at, tz)

    # lines

    def _line(self, kind: str, entry: BillableEntry, **values: Any) -> PlannedLine:
        key = (
            kind,
            entry.ticket_id,
            entry.charge_type_id,
            values.get("contract_id"),
            values.get("base_rate"),
            values.get("multiplier", ONE),
            values.get("period_start"),
        )
        if key not in self.lines:
            assert entry.ticket is not None
            text = f"#{entry.ticket_id} {entry.ticket.summary} — {entry.charge_type.name}"
            suffix = values.pop("suffix", "")
            line = PlannedLine(
                kind=kind,
                description=(text + suffix)[:300],
                ticket_id=entry.ticket_id,
                charge_type_id=entry.charge_type_id,
                currency=self.client.currency,
                **values,
            )
            self.lines[key] = line
            self.plan.lines.append(line)
        return self.lines[key]

    def _add(self, line: PlannedLine, entry: BillableEntry, seconds: int) -> None:
        line.pieces[entry.pk] = line.pieces.get(entry.pk, 0) + seconds

    def _time_line(
        self, entry: BillableEntry, base: Decimal, segment: _Segment, kind: str = LineKind.TIME
    ) -> PlannedLine:
        extra = ONE
        contract_id = None
        suffix = f" ({segment.label} ×{segment.multiplier})" if segment.label else ""
        if kind == LineKind.OVERAGE:
            contract = self._contract_of(entry)
            assert contract is not None
            extra, contract_id = contract.overage_multiplier, contract.pk
            suffix += f" — retainer overage ×{extra}"
        rate = (base * segment.multiplier * extra).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        return self._line(
            kind,
            entry,
            contract_id=contract_id,
            base_rate=base,
            multiplier=segment.multiplier,
            rate=rate,
            suffix=suffix,
        )

    def _covered_line(
        self, kind: str, entry: BillableEntry, contract: Contract, period: dt.date | None = None
    ) -> PlannedLine:
        label = LineKind(kind).label
        return self._line(
            kind,
            entry,
            contract_id=contract.pk,
            base_rate=None,
            multiplier=ONE,
            rate=Decimal("0"),
            period_start=period,
            suffix=f" — {label.lower()}: {contract.name}",
        )

    _entry_contract: dict[int, Contract | None]

    def _contract_of(self, entry: BillableEntry) -> Contract | None:
        return self._entry_contract[entry.pk]

    # prepay

    def _draw(self, contract: Contract, day: dt.date, wanted: int) -> list[tuple[int, int]]:
        if contract.pk not in self._blocks:
            blocks, left = self.context.prepay_ledger(contract)
            # The plan draws on its own copy: the context's figures stay as read.
            self._remaining[contract.pk] = remaining = dict(left)
            # Used-up blocks never give again: keep only those with hours left, so each draw
            # walks the live blocks, not the contract's whole purchase history.
            self._blocks[contract.pk] = [b for b in blocks if remaining.get(b.pk, 0) > 0]
        draws = []
        remaining = self._remaining[contract.pk]
        used_up = False
        for block in self._blocks[contract.pk]:
            if wanted <= 0:
                break
            if block.expires_on is not None and block.expires_on < day:
                continue
            if block.purchased_on is not None and block.purchased_on > day:
                continue
            take = min(wanted, remaining.get(block.pk, 0))
            if take > 0:
                remaining[block.pk] -= take
                draws.append((block.pk, take))
                wanted -= take
                used_up = used_up or remaining[block.pk] <= 0
        if used_up:
            self._blocks[contract.pk] = [
                b for b in self._blocks[contract.pk] if remaining[b.pk] > 0
            ]
        return draws

    # retainer

    def _allowance_left(self, contract: Contract, period: dt.date) -> int:
        key = (contract.pk, period)
        if key not in self._allowance:
            charge = self._retainer_charge(contract, period)
            allowance = (
                charge.allowance_seconds if charge else self._planned_allowance(contract, period)
            )
            self._allowance[key] = max(0, allowance - self.context.used_seconds(contract, period))
        return self._allowance[key]

    def _unreleased_charges(self, contract: Contract) -> list[RetainerCharge]:
        if contract.pk not in self.context.charges:
            self.context.charges[contract.pk] = list(
                RetainerCharge.objects.filter(contract=contract, released=False).order_by(
                    "period_start", "pk"
                )
            )
        return self.context.charges[contract.pk]

    def _retainer_charge(self, contract: Contract, period: dt.date) -> RetainerCharge | None:
        return next(
            (c for c in self._unreleased_charges(contract) if c.period_start == period), None
        )

    def _planned_allowance(self, contract: Contract, period: dt.date) -> int:
        fee = next(
            (
                f
                for f in self.plan.fees
                if f.contract.pk == contract.pk and f.period_start == period
            ),
            None,
        )
        if fee is not None:
            return contract.retainer_included_minutes * 60 + fee.rollover_seconds
        return contract.retainer_included_minutes * 60

    def _rollover_into(self, contract: Contract, period: dt.date) -> int:
        if not contract.rollover:
            return 0
        previous = month_start(period - dt.timedelta(days=1))
        charge = self._retainer_charge(contract, previous)
        if charge is None:
            return 0
        return max(0, charge.allowance_seconds - self.context.used_seconds(contract, previous))

    def plan_fees(self) -> None:
        """Retainer fees for every month begun by the cut-off that has no live charge yet."""
        for contract in self.contracts:
            if contract.kind != ContractKind.RETAINER:
                continue
            period = month_start(contract.starts_on)
            last = month_start(self.cut_off)
            if contract.ends_on is not None:
                last = min(last, month_start(contract.ends_on))
            charged = {c.period_start for c in self._unreleased_charges(contract)}
            while period <= last:
                if period not in charged:
                    line = PlannedLine(
                        kind=LineKind.FEE,
                        description=f"Retainer {contract.name}, {period:%B %Y}"[:300],
                        ticket_id=None,
                        charge_type_id=None,
                        contract_id=contract.pk,
                        base_rate=contract.retainer_fee,
                        multiplier=ONE,
                        rate=contract.retainer_fee,
                        currency=self.client.currency,
                        period_start=period,
                        quantity_units=ONE,
                    )
                    rollover = self._rollover_into(contract, period)
                    self.plan.fees.append(PlannedFee(contract, period, rollover, line))
                period = next_month(period)

    # the whole client

    def build(self) -> ClientPlan:
        self.plan_fees()
        billed = self.billed_by_entry()
        self._entry_contract = {}
        for entry in self.entries:
            assert entry.ticket is not None
            day = self.work_date(entry)
            contract = contract_for(entry.ticket.contract, self.defaults, day)
            self._entry_contract[entry.pk] = contract
            self.plan.entry_ids.append(entry.pk)
            seconds = billed[entry.pk]
            kind = contract.kind if contract else ContractKind.TIME_AND_MATERIALS
            if kind in (ContractKind.NO_CHARGE, ContractKind.FIXED_PRICE):
                assert contract is not None
                self._add(self._covered_line(LineKind.COVERED, entry, contract), entry, seconds)
                continue
            base = self.rates.resolve(
                charge_type=entry.charge_type,
                agent_id=entry.agent_id,
                client_id=self.client.pk,
                contract_id=contract.pk if contract else None,
                day=day,
            )
            for segment in self.segments(entry, seconds):
                self._price_segment(entry, contract, kind, day, base, segment)
        for line in self.plan.lines:
            if line.kind in (LineKind.TIME, LineKind.OVERAGE) and not line.base_rate:
                self.plan.warnings.append(f"No rate for “{line.description}”: billed at 0.")
        return self.plan

    def _price_segment(
        self,
        entry: BillableEntry,
        contract: Contract | None,
        kind: str,
        day: dt.date,
        base: Decimal,
        segment: _Segment,
    ) -> None:
        seconds = segment.seconds
        if contract is not None and kind == ContractKind.PREPAY:
            for block_id, taken in self._draw(contract, day, seconds):
                line = self._covered_line(LineKind.PREPAY, entry, contract)
                self._add(line, entry, taken)
                line.draws.append((block_id, taken))
                seconds -= taken
            if seconds and not contract.prepay_fallback_to_payg:
                line = self._covered_line(LineKind.PREPAY, entry, contract)
                self._add(line, entry, seconds)
                line.draws.append((None, seconds))
                self.plan.warnings.append(
                    f"{contract.name}: prepaid hours exhausted, balance goes negative."
                )
                return
        elif contract is not None and kind == ContractKind.RETAINER:
            period = month_start(day)
            key = (contract.pk, period)
            left = self._allowance_left(contract, period)
            taken = min(left, seconds)
            if taken:
                line = self._covered_line(LineKind.RETAINER_INCLUDED, entry, contract, period)
                self._add(line, entry, taken)
                self._allowance[key] = left - taken
                seconds -= taken
            if seconds:
                self._add(self._time_line(entry, base, segment, LineKind.OVERAGE), entry, seconds)
            return
        if seconds or not any(entry.pk in line.pieces for line in self.plan.lines):
            self._add(self._time_line(entry, base, segment), entry, seconds)


def plan_client(
    client: Client,
    cut_off: dt.date,
    entries: list[BillableEntry],
    context: PlanContext | None = None,
) -> ClientPlan:
    return Planner(client, cut_off, entries, context).build()


@dataclass
class EntryCache:
    """Agents (with workdays) and charge types shared by every batch of one run."""

    people: dict[int, User] = field(default_factory=dict)
    charges: dict[int, ChargeType] = field(default_factory=dict)


def load_entries(queryset: Any, cache: EntryCache | None = None) -> list[BillableEntry]:
    """Billable entries with everything pricing reads, in working order.

    Tickets, charge types and agents are loaded once each and shared by their entries, so a
    client with thousands of entries builds a handful of related objects, not one per row.
    With a `cache`, agents and charge types already read by an earlier batch are reused."""
    rows = list(
        queryset.order_by("started_at", "pk").values_list(
            "pk",
            "agent_id",
            "ticket_id",
            "charge_type_id",
            "started_at",
            "ended_at",
            "billable_seconds",
        )
    )
    if not rows:
        return []
    cache = cache or EntryCache()
    people, charges = cache.people, cache.charges
    users = User.objects.select_related("agent").prefetch_related("agent__workdays")
    if missing := {row[1] for row in rows} - people.keys():
        people.update(users.in_bulk(missing))
    if missing := {row[3] for row in rows} - charges.keys():
        charges.update(ChargeType.objects.in_bulk(missing))
    tickets = Ticket.objects.select_related("contract").in_bulk({row[2] for row in rows})
    return [
        BillableEntry(
            pk=pk,
            agent_id=agent_id,
            ticket_id=ticket_id,
            charge_type_id=charge_type_id,
            started_at=started_at,
            ended_at=ended_at,
            billable_seconds=billable_seconds,
            agent=people[agent_id],
            ticket=tickets[ticket_id],
            charge_type=charges[charge_type_id],
        )
        for pk, agent_id, ticket_id, charge_type_id, started_at, ended_at, billable_seconds in rows
    ]
