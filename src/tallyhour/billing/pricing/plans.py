"""The shapes pricing works with: an entry as pricing reads it, and the plan it builds."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from tallyhour.accounts.models import User
from tallyhour.billing.models import LineKind
from tallyhour.billing.pricing.rounding import billed_hours
from tallyhour.contracts.models import Contract
from tallyhour.core.money import round_money
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType

COVERED_KINDS = (LineKind.COVERED, LineKind.PREPAY, LineKind.RETAINER_INCLUDED)


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
    hours_places: int = 2  # time lines: the organisation's quantity precision
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
    def quantity(self) -> Decimal:
        """What the invoice line bills: units for fees, else billed hours at the
        organisation's precision."""
        if self.quantity_units is not None:
            return self.quantity_units
        return billed_hours(self.seconds, self.hours_places)

    @property
    def amount(self) -> Decimal:
        """Quantity × rate, rounded once to the currency: what every document recomputes."""
        return round_money(self.quantity * self.rate, self.currency)


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
    def all_covered(self) -> bool:
        """Nothing to charge: every line is time a contract covers (no charge, fixed price,
        prepaid hours, retainer allowance)."""
        return all(line.kind in COVERED_KINDS for line in self.all_lines)

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
