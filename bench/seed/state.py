"""The generator's shared state: who works, for which clients, and the rows not yet written."""

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bench.seed.options import UTC, SeedOptions
from bench.seed.writer import Writer, columns
from tallyhour.timetracking.models import ChargeType, TimeEntry


@dataclass
class Person:
    """An agent as the generator sees them, with the tickets they have in hand."""

    user_id: int
    zone: ZoneInfo
    start_hour: int
    approver_id: int | None
    off_days: set[dt.date]
    pool: list[list[int]] = field(default_factory=list)  # [ticket_id, client_id, left, charge]


@dataclass
class ClientInfo:
    """A client, its default contract and what billing it needs to remember."""

    client_id: int
    currency: str
    tax_rate: Decimal
    reverse_charge: bool
    name: str
    contract_id: int
    kind: str
    rates: dict[int, Decimal]  # charge type id → client's own rate
    retainer_fee: Decimal = Decimal("0")
    included_seconds: int = 0
    overage_multiplier: Decimal = Decimal("1.00")
    blocks: list[list[int]] = field(default_factory=list)  # [prepay purchase id, seconds left]


# Entry row layout: every column, in the model's order (a list, so the month flush can fill
# in the invoice line).
ENTRY_COLUMNS = columns(TimeEntry)
E_ID, E_AGENT, E_TICKET, E_CHARGE, E_START, E_END, E_WORKED = range(7)
E_BILLABLE, E_BILL_SECONDS, E_STATE, E_SUBMISSION, E_REJECTION, E_WRITE_OFF = 7, 8, 11, 12, 13, 14
E_LINE = 16


class SeedState:
    """What every part of the generator reads and extends, set up once by `Seeder`."""

    def __init__(self, options: SeedOptions, *, log: Callable[[str], None] | None = None) -> None:
        self.o = options
        self.rng = random.Random(options.seed)  # noqa: S311 - test data, not secrets
        self.log = log or (lambda _message: None)
        self.end = options.end
        self.start = self.end - dt.timedelta(days=options.days)
        self.now = dt.datetime.combine(self.end, dt.time(0), tzinfo=UTC)
        self.horizon = self.end - dt.timedelta(days=options.uninvoiced_days)
        self.w = Writer(self.now)
        self.people: list[Person] = []
        self.clients: list[ClientInfo] = []
        self.charge: dict[str, ChargeType] = {}
        self.ticket_types: list[int] = []
        self.months: dict[dt.date, list[tuple[list[Any], int, dt.date, int]]] = defaultdict(list)
        self.number_sequences: dict[int, int] = {}
        self.admin_id = self.billing_id = 0
        self.client_weights: list[float] = []
        # Line times: (id, line, entry, seconds, share of the line's amount in micros, billed).
        self.pending_times: list[tuple[int, int, int, int, int, bool]] = []
        # Weighted pickers over the reference rows, set once those exist (`Seeder.reference`).
        never: Callable[[], Any] = lambda: 0  # noqa: E731
        self.pick_ticket_charge = self.pick_activity = never
        self.pick_ticket_minutes = self.pick_activity_minutes = never
