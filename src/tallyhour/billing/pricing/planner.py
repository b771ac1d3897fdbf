"""The planner: how a client's approved time becomes invoice lines (rates, rounding,
multipliers, contracts).

Pure planning: given a client's billable entries and its contract state (a PlanData, which
loader.PlanContext reads in bulk), build the lines a run would write. Nothing here queries
the database. Previews plan without locks; a committing run plans again under the client's
row lock so what it writes matches what it read.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from tallyhour.accounts.calendars import holiday_region
from tallyhour.accounts.models import Agent, Organisation, Workday
from tallyhour.billing.models import LineKind
from tallyhour.billing.pricing.multipliers import BusinessHours, Segment, segments
from tallyhour.billing.pricing.plans import BillableEntry, ClientPlan, PlannedFee, PlannedLine
from tallyhour.billing.pricing.rates import RateBook
from tallyhour.billing.pricing.rounding import ONE, billed_seconds_for
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry, Rate, RetainerCharge
from tallyhour.core import dates
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import RoundingScope

RATE_PLACES = Decimal("0.0001")


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


class PlanData(Protocol):
    """What the planner reads besides the entries (loader.PlanContext is the real one)."""

    org: Organisation
    contracts: dict[int, list[Contract]]
    rates: list[Rate]

    def used_seconds(self, contract: Contract, period: dt.date) -> int:
        """Included retainer time already on live lines for the month."""
        ...

    def prepay_ledger(self, contract: Contract) -> tuple[list[PrepayEntry], dict[int, int]]:
        """Purchase blocks in drawing order and the seconds left on each."""
        ...

    def unreleased_charges(self, contract: Contract) -> list[RetainerCharge]:
        """The contract's unreleased retainer charges, in period order."""
        ...

    def public_holidays(
        self, country: str, subdivision: str, first: dt.date, last: dt.date
    ) -> set[dt.date]: ...


class Planner:
    """Builds a ClientPlan; holds the state (prepay blocks, retainer allowances) it consumes."""

    def __init__(
        self,
        client: Client,
        cut_off: dt.date,
        entries: list[BillableEntry],
        context: PlanData,
    ) -> None:
        self.client = client
        self.cut_off = cut_off
        self.entries = entries
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

    def segments(self, entry: BillableEntry, billable: int) -> list[Segment]:
        """The entry's billed time by multiplier, in working order."""
        charge = entry.charge_type
        agent = getattr(entry.agent, "agent", None)
        # Holidays and working hours are looked up only for charge types that price them.
        holidays = self._holiday_days(entry) if charge.multiplier_holiday != ONE else set()
        week: Mapping[int, Any] | None = None
        zone = agent.timezone if agent else self.org.timezone
        start, end = charge.business_hours_start, charge.business_hours_end
        if charge.multiplier_out_of_hours != ONE and start is not None and end is not None:
            # The charge type's own business hours, Monday to Friday, in the organisation's zone.
            window = BusinessHours(start, end)
            week, zone = dict.fromkeys(range(5), window), self.org.timezone
        elif agent is not None and charge.multiplier_out_of_hours != ONE:
            week = self._week_of(agent)
        return segments(
            started_at=entry.started_at,
            ended_at=entry.ended_at,
            billable=billable,
            charge=charge,
            tz=dates.zone(zone),
            holidays=holidays,
            week=week,
        )

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
                hours_places=self.org.invoice_hours_places,
                **values,
            )
            self.lines[key] = line
            self.plan.lines.append(line)
        return self.lines[key]

    def _add(self, line: PlannedLine, entry: BillableEntry, seconds: int) -> None:
        line.pieces[entry.pk] = line.pieces.get(entry.pk, 0) + seconds

    def _time_line(
        self, entry: BillableEntry, base: Decimal, segment: Segment, kind: str = LineKind.TIME
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
        """Included time still unused in the month: its allowance (the charged one, or the
        included hours plus what the month before leaves over) less what live lines and
        this plan have used. Entries come in working order, so a month's leftover is final
        before the next month draws on it, however the span is cut into runs."""
        key = (contract.pk, period)
        if key not in self._allowance:
            charge = self._retainer_charge(contract, period)
            if charge is not None:
                allowance = charge.allowance_seconds
            else:
                allowance = contract.retainer_included_minutes * 60
                allowance += self._rollover_into(contract, period)
            self._allowance[key] = max(0, allowance - self.context.used_seconds(contract, period))
        return self._allowance[key]

    def _unreleased_charges(self, contract: Contract) -> list[RetainerCharge]:
        return self.context.unreleased_charges(contract)

    def _retainer_charge(self, contract: Contract, period: dt.date) -> RetainerCharge | None:
        return next(
            (c for c in self._unreleased_charges(contract) if c.period_start == period), None
        )

    def _rollover_into(self, contract: Contract, period: dt.date) -> int:
        """What the month before `period` leaves unused (with rollover on)."""
        previous = month_start(period - dt.timedelta(days=1))
        if not contract.rollover or previous < month_start(contract.starts_on):
            return 0
        return self._allowance_left(contract, previous)

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
                    # The rollover is known once the month before is priced (see build).
                    self.plan.fees.append(PlannedFee(contract, period, 0, line))
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
        for fee in self.plan.fees:
            fee.rollover_seconds = self._rollover_into(fee.contract, fee.period_start)
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
        segment: Segment,
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
    client: Client, cut_off: dt.date, entries: list[BillableEntry], context: PlanData
) -> ClientPlan:
    return Planner(client, cut_off, entries, context).build()
