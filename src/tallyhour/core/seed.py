"""A large, realistic MSP for benchmarks: `tallyhour seed` (see bench/README.md).

Deterministic: one seeded random stream, consumed in a fixed order, and a fixed end date give
the same rows every time. Fast: rows are written with explicit ids through `executemany` on
SQLite and COPY on PostgreSQL, bypassing the ORM and the services (so no audit rows), one
transaction per calendar month of work.

Time is generated week by week for every agent; each week's submissions are written at once,
and its entries wait in their month's bucket until the month is complete. Then the month is
invoiced (when old enough), and invoices, lines, ledger rows, entries and actions are written
parent first, so every foreign key and check constraint holds at every commit.

One function per model family; a model that gains a column with a default or null needs no
change here (`Writer` fills columns it is not given from the field's default).
"""

import datetime as dt
import json
import random
import time
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from tallyhour.accounts.models import (
    Agent,
    Leave,
    LeaveKind,
    Organisation,
    Role,
    Team,
    User,
    Workday,
)
from tallyhour.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceRun,
    InvoiceState,
    LineKind,
    LineTime,
    RunState,
)
from tallyhour.billing.pricing import micros_share
from tallyhour.contracts.models import (
    Contract,
    ContractKind,
    PrepayEntry,
    PrepayKind,
    Rate,
    RetainerCharge,
)
from tallyhour.core.money import amount_for_seconds, round_money
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Action, ActionKind, Ticket, TicketStatus, TicketType
from tallyhour.timesheets.models import Submission, SubmissionKind
from tallyhour.timetracking.models import ChargeType, EntrySource, EntryState, TimeEntry

UTC = dt.UTC
SEED_PASSWORD = "seed"  # noqa: S105 - benchmark data only, printed by the command
TEAM_SIZE = 10
BILLABLE = {"Remote support": "85.00", "Onsite support": "110.00", "Project work": "125.00"}
ACTIVITIES = {"Internal": 50, "Training": 20, "Admin": 20, "Travel": 10}
TICKET_CHARGES = [("Remote support", 75), ("Onsite support", 15), ("Project work", 10)]
TICKET_TYPES = ["Incident", "Service request", "Change"]
ZONES = [
    ("Europe/London", "GB", "ENG", 70),
    ("Europe/Berlin", "DE", "BE", 15),
    ("America/New_York", "US", "NY", 15),
]
CURRENCIES = [("GBP", "20.00", False, 90), ("EUR", "0.00", True, 7), ("USD", "0.00", False, 3)]
CONTRACT_KINDS = [
    (ContractKind.TIME_AND_MATERIALS, 55),
    (ContractKind.PREPAY, 15),
    (ContractKind.RETAINER, 15),
    (ContractKind.FIXED_PRICE, 10),
    (ContractKind.NO_CHARGE, 5),
]
# Minutes of one piece of ticket work; the mean (about 19) gives ~22 entries a day.
TICKET_MINUTES = [(5, 10), (10, 18), (15, 22), (20, 16), (30, 14), (45, 10), (60, 6), (90, 4)]
ACTIVITY_MINUTES = [(30, 40), (45, 20), (60, 30), (90, 10)]
PREPAY_BLOCK_SECONDS = 40 * 3600
FIRST = "Alex Sam Jamie Priya Tom Aisha Liam Sophie Jonas Megan Callum Ethan Grace Daniel Olu Mei"
LAST = "Holloway Okafor Shah Bradley Rahman Doherty Marsh Weber Price Fraser Brooks Novak Silva"
CLIENT_WORDS = "North South Harbour Summit Oak Cedar Bright River Stone Vale Park Bridge Apex Iron"
CLIENT_KINDS = "Dental Legal Logistics Accountancy Surveyors Engineering Foods Care Studio Trust"


@dataclass(frozen=True)
class SeedOptions:
    """What to generate; the same options (end included) always give the same rows."""

    agents: int = 250
    clients: int = 1000
    days: int = 730
    seed: int = 1
    end: dt.date = dt.date(2026, 1, 1)
    # Approved time newer than this many days is left for the next invoice run.
    uninvoiced_days: int = 45


@dataclass
class SeedReport:
    rows: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def entries(self) -> int:
        return self.rows[TimeEntry._meta.db_table]


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Callable[[], Any]:
    values = [value for value, _ in pairs]
    cumulative = list(accumulate(weight for _, weight in pairs))
    total = cumulative[-1]
    return lambda: values[bisect(cumulative, rng.random() * total)]


# --- writing ------------------------------------------------------------------------------


class Writer:
    """Raw batched inserts with explicit ids: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, now: dt.datetime) -> None:
        connection.ensure_connection()
        self.postgres = connection.vendor == "postgresql"
        self.now = now
        self.counts: Counter[str] = Counter()
        self.models: set[type[models.Model]] = set()
        self._next: dict[type[models.Model], int] = {}

    def ids(self, model: type[models.Model], count: int = 1) -> int:
        """Reserve `count` ids after the table's current maximum; returns the first."""
        if model not in self._next:
            self._next[model] = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        first = self._next[model]
        self._next[model] += count
        return first

    def _default(self, f: models.Field) -> Any:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.now.replace(tzinfo=None)
        if f.has_default():
            return f.get_default()
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField):
            return ""
        raise ValueError(f"seed: give a value for {f.model.__name__}.{f.attname}")

    def _converter(self, f: models.Field) -> Callable[[Any], Any] | None:
        if isinstance(f, models.DateTimeField):
            if self.postgres:
                return lambda v: v if v is None or v.tzinfo else v.replace(tzinfo=UTC)
            # Django keeps naive UTC text in SQLite; values here carry no microseconds.
            return lambda v: (
                v if v is None else (v.astimezone(UTC) if v.tzinfo else v).strftime("%F %T")
            )
        if isinstance(f, models.DateField | models.TimeField) and not self.postgres:
            return lambda v: None if v is None else v.isoformat()
        if isinstance(f, models.JSONField):
            return lambda v: None if v is None else json.dumps(v)
        if isinstance(f, models.DecimalField) and not self.postgres:
            return lambda v: None if v is None else str(v)
        return None

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        extra = [f for name, f in fields.items() if name not in columns]
        extra_values = tuple(self._default(f) for f in extra)
        ordered = [fields[name] for name in columns] + extra
        conversions = [(i, c) for i, f in enumerate(ordered) if (c := self._converter(f))]

        def prepared() -> Iterable[list[Any]]:
            for row in rows:
                values = [*row, *extra_values]
                for index, convert in conversions:
                    values[index] = convert(values[index])
                yield values

        table = model._meta.db_table
        names = ", ".join(f'"{f.column}"' for f in ordered)
        count = 0
        raw = connection.connection.cursor()
        if self.postgres:
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for values in prepared():
                    copy.write_row(values)
                    count += 1
        else:
            batch = list(prepared())
            marks = ", ".join("?" * len(ordered))
            raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)  # noqa: S608
            count = len(batch)
        raw.close()
        self.counts[table] += count
        self.models.add(model)
        return count

    def reset_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind; move them past the new rows."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.models))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- the generator ------------------------------------------------------------------------


@dataclass
class _Person:
    user_id: int
    zone: ZoneInfo
    start_hour: int
    approver_id: int | None
    off_days: set[dt.date]
    pool: list[list[int]] = field(default_factory=list)  # [ticket_id, client_id, left, charge]


@dataclass
class _ClientInfo:
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


# Entry row layout (a list, so the month flush can fill in the invoice line).
ENTRY_COLUMNS = [
    "id",
    "agent_id",
    "ticket_id",
    "charge_type_id",
    "started_at",
    "ended_at",
    "worked_seconds",
    "is_billable",
    "billable_seconds",
    "note",
    "source",
    "state",
    "submission_id",
    "rejection_reason",
    "write_off_reason",
    "needs_review",
    "invoice_line_id",
    "version",
    "created_at",
    "updated_at",
    "billed_seconds",
    "billed_micros",
    "billed_currency",
]
E_ID, E_AGENT, E_TICKET, E_CHARGE, E_START, E_END, E_WORKED = range(7)
E_BILLABLE, E_BILL_SECONDS, E_STATE, E_SUBMISSION, E_REJECTION, E_WRITE_OFF = 7, 8, 11, 12, 13, 14
E_LINE = 16
E_BILLED, E_BILLED_MICROS, E_BILLED_CURRENCY = 20, 21, 22


class Seeder:
    """Builds the MSP described by `SeedOptions` into the default database."""

    def __init__(self, options: SeedOptions, *, log: Callable[[str], None] | None = None) -> None:
        self.o = options
        self.rng = random.Random(options.seed)  # noqa: S311 - test data, not secrets
        self.log = log or (lambda _message: None)
        self.end = options.end
        self.start = self.end - dt.timedelta(days=options.days)
        self.now = dt.datetime.combine(self.end, dt.time(0), tzinfo=UTC)
        self.horizon = self.end - dt.timedelta(days=options.uninvoiced_days)
        self.w = Writer(self.now)
        self.people: list[_Person] = []
        self.clients: list[_ClientInfo] = []
        self.charge: dict[str, ChargeType] = {}
        self.ticket_types: list[int] = []
        self.months: dict[dt.date, list[tuple[list[Any], int, dt.date, int]]] = defaultdict(list)
        self.number_sequences: dict[int, int] = {}
        self.admin_id = self.billing_id = 0
        self.client_weights: list[float] = []
        self._pending_times: list[tuple[int, int, int, int]] = []
        self._ticket_charge = self._activity = self._ticket_minutes = self._activity_minutes = (
            lambda: 0
        )

    # -- orchestration

    def run(self) -> SeedReport:
        started = time.monotonic()
        with transaction.atomic():
            self.reference()
            self.people_and_teams()
            self.client_list()
        monday = self.start - dt.timedelta(days=self.start.weekday())
        while monday < self.end:
            with transaction.atomic():
                self.week(monday)
                for month in sorted(self.months):
                    if _month_end(month) < monday + dt.timedelta(days=7):
                        self.flush_month(month)
            monday += dt.timedelta(days=7)
        with transaction.atomic():
            for month in sorted(self.months):
                self.flush_month(month)
            self.finish()
        return SeedReport(rows=self.w.counts, seconds=time.monotonic() - started)

    # -- configuration rows (few, through the ORM where names must be reused)

    def reference(self) -> None:
        Organisation.current()
        for name, rate in BILLABLE.items():
            self.charge[name] = ChargeType.objects.get_or_create(
                name=name, defaults={"is_billable": True, "hourly_rate": Decimal(rate)}
            )[0]
        for name in ACTIVITIES:
            self.charge[name] = ChargeType.objects.get_or_create(
                name=name, defaults={"is_billable": False, "hourly_rate": Decimal("0")}
            )[0]
        self.ticket_types = [
            TicketType.objects.get_or_create(name=name)[0].pk for name in TICKET_TYPES
        ]
        pk = {name: ct.pk for name, ct in self.charge.items()}
        self._ticket_charge = _weighted(self.rng, [(pk[n], w) for n, w in TICKET_CHARGES])
        self._activity = _weighted(self.rng, [(pk[n], w) for n, w in ACTIVITIES.items()])
        self._ticket_minutes = _weighted(self.rng, TICKET_MINUTES)
        self._activity_minutes = _weighted(self.rng, ACTIVITY_MINUTES)

    def people_and_teams(self) -> None:
        rng, o = self.rng, self.o
        tag = f"seed{o.seed}"
        if User.objects.filter(username__startswith=f"{tag}-").exists():
            raise ValueError(f"Seed {o.seed} is already loaded here; use another --seed.")
        password = make_password(SEED_PASSWORD)
        first_names, last_names = FIRST.split(), LAST.split()
        team_count = max(1, (o.agents + TEAM_SIZE - 1) // TEAM_SIZE)
        first_user = self.w.ids(User, o.agents + 1)
        self.admin_id, self.billing_id = first_user, first_user + o.agents
        first_team = self.w.ids(Team, team_count)
        # Agent n belongs to team n % teams; the first agent of each team approves it.
        approver_of_team = (
            {t: first_user + 1 + t for t in range(team_count)} if o.agents > 1 else {}
        )
        users, agents, workdays, memberships = [], [], [], []
        pick_zone = _weighted(rng, [(z[:3], z[3]) for z in ZONES])
        first_workday = self.w.ids(Workday, o.agents * 5)
        first_membership = self.w.ids(Agent.teams.through, o.agents)
        years = range(self.start.year, self.end.year + 1)
        holiday_sets: dict[tuple[str, str], set[dt.date]] = {}
        for n in range(o.agents + 1):
            user_id = first_user + n
            is_agent = n < o.agents
            if n == 0:
                role, username = Role.ADMIN, f"{tag}-admin"
            elif not is_agent:
                role, username = Role.BILLING, f"{tag}-billing"
            elif n <= team_count:
                role, username = Role.APPROVER, f"{tag}-approver{n:03d}"
            else:
                role, username = Role.ENGINEER, f"{tag}-engineer{n:04d}"
            first, last = rng.choice(first_names), rng.choice(last_names)
            users.append(
                (
                    user_id,
                    password,
                    username,
                    first,
                    last,
                    f"{username}@seed.example",
                    role,
                    n == 0,
                    n == 0,
                    True,
                    self.now,
                )
            )
            if not is_agent:
                continue
            team = (n - 1) % team_count if n else 0
            approver: int | None
            if role == Role.ENGINEER:
                approver = approver_of_team.get(team, self.admin_id)
            else:
                # Team leads are approved by the admin; the admin by the first lead.
                approver = self.admin_id if n else approver_of_team.get(0)
            zone_name, country, subdivision = pick_zone()
            start_hour = rng.choice([8, 8, 9, 9, 9])
            agents.append(
                (
                    user_id,
                    zone_name,
                    approver,
                    self.charge["Remote support"].pk,
                    Decimal(rng.randrange(2500, 4500)) / 100,
                    Decimal("0.750"),
                    country if country != "GB" else "",
                    subdivision if country != "GB" else "",
                )
            )
            memberships.append((first_membership + n, user_id, first_team + team))
            for weekday in range(5):
                workdays.append(
                    (
                        first_workday + n * 5 + weekday,
                        user_id,
                        weekday,
                        dt.time(start_hour),
                        dt.time(start_hour + 8, 30),
                        30,
                    )
                )
            key = (country, subdivision)
            if key not in holiday_sets:
                holiday_sets[key] = set(
                    holidays.country_holidays(country, subdiv=subdivision, years=years)
                )
            self.people.append(
                _Person(user_id, ZoneInfo(zone_name), start_hour, approver, set(holiday_sets[key]))
            )
        self.w.insert(
            User,
            [
                "id",
                "password",
                "username",
                "first_name",
                "last_name",
                "email",
                "role",
                "is_staff",
                "is_superuser",
                "is_active",
                "date_joined",
            ],
            users,
        )
        self.w.insert(
            Team,
            ["id", "name", "approver_id"],
            [
                (first_team + t, f"{tag} team {t + 1:02d}", approver_of_team.get(t))
                for t in range(team_count)
            ],
        )
        self.w.insert(
            Agent,
            [
                "user_id",
                "timezone",
                "timesheet_approver_id",
                "default_charge_type_id",
                "cost_rate",
                "target_utilisation",
                "holiday_country",
                "holiday_subdivision",
            ],
            agents,
        )
        self.w.insert(Agent.teams.through, ["id", "agent_id", "team_id"], memberships)
        self.w.insert(
            Workday, ["id", "agent_id", "weekday", "start", "end", "break_minutes"], workdays
        )
        self.leave()

    def leave(self) -> None:
        """About 25 days of annual leave a year in blocks, plus a few sick days."""
        rng, rows = self.rng, []
        span = (self.end - self.start).days
        blocks_per_agent = max(1, round(span / 365 * 6))
        for person in self.people:
            wanted = [
                (LeaveKind.ANNUAL, rng.choice([2, 3, 4, 5, 5, 9])) for _ in range(blocks_per_agent)
            ]
            wanted += [(LeaveKind.SICK, 1) for _ in range(max(1, span // 120))]
            for kind, length in wanted:
                first = self.start + dt.timedelta(days=rng.randrange(span))
                last = first + dt.timedelta(days=length - 1)
                rows.append(
                    (
                        person.user_id,
                        kind,
                        first,
                        last,
                        None,
                        "",
                        person.user_id,
                        dt.datetime.combine(first - dt.timedelta(days=20), dt.time(10)),
                    )
                )
                person.off_days.update(first + dt.timedelta(days=i) for i in range(length))
        first_id = self.w.ids(Leave, len(rows))
        self.w.insert(
            Leave,
            [
                "id",
                "agent_id",
                "kind",
                "first_day",
                "last_day",
                "hours",
                "note",
                "created_by_id",
                "created_at",
            ],
            [(first_id + i, *row) for i, row in enumerate(rows)],
        )

    def client_list(self) -> None:
        """Clients with Pareto-like workloads, each with a default contract of some kind."""
        rng, o = self.rng, self.o
        words, kinds = CLIENT_WORDS.split(), CLIENT_KINDS.split()
        pick_currency = _weighted(rng, [(c[:3], c[3]) for c in CURRENCIES])
        pick_kind = _weighted(rng, CONTRACT_KINDS)
        first_client = self.w.ids(Client, o.clients)
        first_contract = self.w.ids(Contract, o.clients)
        contract_start = self.start.replace(day=1)
        clients, contracts, rates, purchases = [], [], [], []
        for n in range(o.clients):
            client_id, contract_id = first_client + n, first_contract + n
            currency, tax_rate, reverse_charge = pick_currency()
            name = f"{rng.choice(words)} {rng.choice(kinds)} {n + 1:04d} (seed {o.seed})"
            kind = pick_kind()
            info = _ClientInfo(
                client_id, currency, Decimal(tax_rate), reverse_charge, name, contract_id, kind, {}
            )
            clients.append(
                (
                    client_id,
                    name,
                    currency,
                    Decimal(tax_rate),
                    f"{n + 1} High Street\nLeeds",
                    f"accounts@client{n + 1}.seed.example",
                    reverse_charge,
                    True,
                    self.now,
                )
            )
            if kind == ContractKind.RETAINER:
                info.retainer_fee = Decimal(rng.choice([750, 1200, 1500, 2500]))
                info.included_seconds = rng.choice([5, 10, 15, 20]) * 3600
                info.overage_multiplier = Decimal("1.25")
            contracts.append(
                (
                    contract_id,
                    client_id,
                    f"{kind.label} {n + 1:04d}",
                    kind,
                    contract_start,
                    None,
                    True,
                    True,
                    info.retainer_fee,
                    info.included_seconds // 60,
                    info.overage_multiplier,
                    False,
                )
            )
            if kind == ContractKind.TIME_AND_MATERIALS and rng.random() < 0.2:
                remote = self.charge["Remote support"]
                info.rates[remote.pk] = Decimal(rng.choice(["75.00", "80.00", "95.00"]))
                rates.append((info.rates[remote.pk], contract_start, remote.pk, client_id))
            if kind == ContractKind.PREPAY:
                purchases.append(self._purchase(info, contract_start))
            self.clients.append(info)
        self.w.insert(
            Client,
            [
                "id",
                "name",
                "currency",
                "tax_rate",
                "billing_address",
                "billing_email",
                "reverse_charge",
                "is_active",
                "created_at",
            ],
            clients,
        )
        self.w.insert(
            Contract,
            [
                "id",
                "client_id",
                "name",
                "kind",
                "starts_on",
                "ends_on",
                "is_default",
                "prepay_fallback_to_payg",
                "retainer_fee",
                "retainer_included_minutes",
                "overage_multiplier",
                "rollover",
            ],
            contracts,
        )
        first_rate = self.w.ids(Rate, len(rates))
        self.w.insert(
            Rate,
            ["id", "hourly_rate", "valid_from", "charge_type_id", "client_id"],
            [(first_rate + i, *row) for i, row in enumerate(rates)],
        )
        self._write_ledger(purchases)
        weights = [rng.paretovariate(1.2) for _ in self.clients]
        self.client_weights = list(accumulate(weights))

    def _purchase(self, info: _ClientInfo, day: dt.date) -> tuple[Any, ...]:
        block_id = self.w.ids(PrepayEntry)
        info.blocks.append([block_id, PREPAY_BLOCK_SECONDS])
        amount = Decimal(PREPAY_BLOCK_SECONDS // 3600) * Decimal("80.00")
        return (
            block_id,
            info.contract_id,
            PrepayKind.PURCHASE,
            PREPAY_BLOCK_SECONDS,
            amount,
            day,
            None,
            None,
            None,
            "Block of 40 hours",
            self.billing_id,
            dt.datetime.combine(day, dt.time(9)),
        )

    def _write_ledger(self, rows: list[tuple[Any, ...]]) -> None:
        self.w.insert(
            PrepayEntry,
            [
                "id",
                "contract_id",
                "kind",
                "seconds",
                "amount",
                "purchased_on",
                "expires_on",
                "block_id",
                "invoice_line_id",
                "note",
                "created_by_id",
                "created_at",
            ],
            rows,
        )

    # -- time, week by week

    def week(self, monday: dt.date) -> None:
        rng = self.rng
        this_monday = self.end - dt.timedelta(days=self.end.weekday())
        age = (this_monday - monday).days // 7
        tickets: list[tuple[Any, ...]] = []
        submissions: list[tuple[Any, ...]] = []
        for index, person in enumerate(self.people):
            days = [
                day
                for day in (monday + dt.timedelta(days=i) for i in range(5))
                if self.start <= day < self.end and day not in person.off_days
            ]
            week_entries: list[tuple[list[Any], int, dt.date, int]] = []
            for day in days:
                week_entries.extend(self._day(person, day, tickets))
            if not week_entries:
                continue
            state = self._week_state(age, index)
            submission_id = None
            if state != EntryState.DRAFT:
                submission_id = self.w.ids(Submission)
                submissions.append(
                    self._submission(submission_id, person, monday, state, days, week_entries)
                )
            for entry, client_id, day, action in week_entries:
                entry[E_STATE] = state
                entry[E_SUBMISSION] = submission_id
                if state == EntryState.REJECTED:
                    entry[E_REJECTION] = "Please add the missing Wednesday afternoon and resubmit."
                if state == EntryState.APPROVED and entry[E_BILLABLE] and rng.random() < 0.01:
                    entry[E_BILL_SECONDS] = entry[E_WORKED] // 2
                    entry[E_WRITE_OFF] = "Learning time on the client's new firewall."
                self.months[day.replace(day=1)].append((entry, client_id, day, action))
        self.w.insert(
            Ticket,
            [
                "id",
                "client_id",
                "summary",
                "details",
                "status",
                "assignee_id",
                "charge_type_id",
                "ticket_type_id",
                "created_at",
                "updated_at",
            ],
            tickets,
        )
        self.w.insert(
            Submission,
            [
                "id",
                "agent_id",
                "kind",
                "week_start",
                "state",
                "submitted_at",
                "comment",
                "decided_by_id",
                "decided_at",
                "reason",
                "total_seconds",
                "billable_seconds",
                "target_seconds",
                "gap_seconds",
            ],
            submissions,
        )

    def _week_state(self, age: int, index: int) -> str:
        if age <= 0:
            return EntryState.DRAFT
        r = self.rng.random()
        if age == 1:
            # Last week shows every state, whatever the size: by position, not by chance.
            slot = index % 20
            if slot in (0, 10):
                return EntryState.DRAFT
            if slot == 2:
                return EntryState.REJECTED
            return EntryState.APPROVED if slot in (5, 15) else EntryState.SUBMITTED
        if age == 2:
            return EntryState.APPROVED if r < 0.9 else EntryState.SUBMITTED
        return EntryState.APPROVED

    def _submission(
        self,
        submission_id: int,
        person: _Person,
        monday: dt.date,
        state: str,
        days: list[dt.date],
        entries: list[tuple[list[Any], int, dt.date, int]],
    ) -> tuple[Any, ...]:
        total = sum(e[E_WORKED] for e, *_ in entries)
        billable = sum(e[E_BILL_SECONDS] for e, *_ in entries)
        target = len(days) * 8 * 3600
        submitted = dt.datetime.combine(monday + dt.timedelta(days=4), dt.time(16, 45))
        decided = min(submitted + dt.timedelta(days=3), self.now.replace(tzinfo=None))
        open_ = state == EntryState.SUBMITTED
        reason = "Wednesday afternoon is missing." if state == EntryState.REJECTED else ""
        return (
            submission_id,
            person.user_id,
            SubmissionKind.WEEK,
            monday,
            state,
            submitted,
            "",
            None if open_ else person.approver_id,
            None if open_ else decided,
            reason,
            total,
            billable,
            target,
            max(0, target - total),
        )

    def _new_ticket(self, person: _Person, at: dt.datetime, tickets: list[tuple[Any, ...]]) -> None:
        rng = self.rng
        info = self.clients[bisect(self.client_weights, rng.random() * self.client_weights[-1])]
        ticket_id = self.w.ids(Ticket)
        charge: int = self._ticket_charge()
        summary = rng.choice(
            [
                "Printer offline",
                "VPN drops",
                "New starter laptop",
                "Mailbox full",
                "Backup failed",
                "Firewall change",
                "Password reset",
                "Server patching",
                "Teams calls choppy",
            ]
        )
        tickets.append(
            (
                ticket_id,
                info.client_id,
                summary,
                "",
                TicketStatus.CLOSED,
                person.user_id,
                charge if charge != self.charge["Remote support"].pk else None,
                rng.choice(self.ticket_types),
                at,
                at,
            )
        )
        person.pool.append([ticket_id, info.client_id, rng.randint(1, 10), charge])

    def _day(
        self, person: _Person, day: dt.date, tickets: list[tuple[Any, ...]]
    ) -> list[tuple[list[Any], int, dt.date, int]]:
        """One agent's working day: ticket work and some activities from the workday's start."""
        rng = self.rng
        noon = dt.datetime.combine(day, dt.time(12))
        offset = person.zone.utcoffset(noon)
        assert offset is not None
        local = dt.datetime.combine(day, dt.time(person.start_hour)) + dt.timedelta(
            minutes=rng.randint(0, 15)
        )
        budget = int(8 * 3600 * rng.uniform(0.8, 1.08))
        lunch_done = False
        out: list[tuple[list[Any], int, dt.date, int]] = []
        while budget > 0:
            if rng.random() < 0.1:
                ticket_id, client_id, charge = None, 0, self._activity()
                minutes = self._activity_minutes()
            else:
                while len(person.pool) < 4:
                    self._new_ticket(person, local - offset, tickets)
                slot = person.pool[rng.randrange(len(person.pool))]
                ticket_id, client_id, charge = slot[0], slot[1], slot[3]
                slot[2] -= 1
                if slot[2] <= 0:
                    person.pool.remove(slot)
                minutes = self._ticket_minutes()
            seconds = min(minutes * 60 + rng.randint(-120, 120), budget) if minutes > 5 else 300
            seconds = max(seconds, 60)
            started = local - offset
            ended = started + dt.timedelta(seconds=seconds)
            # Every ticket charge type is billable; activities carry no ticket.
            billable = ticket_id is not None
            source = (
                EntrySource.ACTION
                if ticket_id and rng.random() < 0.5
                else rng.choice([EntrySource.TIMER, EntrySource.TIMER, EntrySource.MANUAL])
            )
            entry = [
                self.w.ids(TimeEntry),
                person.user_id,
                ticket_id,
                charge,
                started,
                ended,
                seconds,
                billable,
                seconds if billable else 0,
                "",
                source,
                EntryState.DRAFT,
                None,
                "",
                "",
                False,
                None,
                1,
                ended,
                ended,
                0,
                0,
                "",
            ]
            action = self.w.ids(Action) if source == EntrySource.ACTION else 0
            out.append((entry, client_id, day, action))
            budget -= seconds
            local += dt.timedelta(seconds=seconds + rng.choice([0, 0, 0, 60, 300, 600]))
            if not lunch_done and local.hour >= 12:
                local += dt.timedelta(minutes=30)
                lunch_done = True
        return out

    # -- a month of entries, invoiced when old enough

    def flush_month(self, month: dt.date) -> None:
        bucket = self.months.pop(month)
        invoiced = _month_end(month) <= self.horizon
        if invoiced:
            self._invoice_month(month, bucket)
        self.w.insert(TimeEntry, ENTRY_COLUMNS, (entry for entry, *_ in bucket))
        if self._pending_times:
            self.w.insert(LineTime, ["id", "line_id", "entry_id", "seconds"], self._pending_times)
            self._pending_times = []
        kinds = [ActionKind.NOTE, ActionKind.REPLY]
        self.w.insert(
            Action,
            [
                "id",
                "ticket_id",
                "agent_id",
                "kind",
                "body",
                "time_entry_id",
                "client_visible",
                "created_at",
            ],
            (
                (
                    action,
                    e[E_TICKET],
                    e[E_AGENT],
                    kinds[action % 2],
                    "Worked on the issue.",
                    e[E_ID],
                    action % 2 == 1,
                    e[E_END],
                )
                for e, _, _, action in bucket
                if action
            ),
        )

    def _invoice_month(
        self, month: dt.date, bucket: list[tuple[list[Any], int, dt.date, int]]
    ) -> None:
        rng = self.rng
        last_day = _month_end(month)
        issue = last_day + dt.timedelta(days=3)
        issued_at = dt.datetime.combine(issue, dt.time(9))
        # The latest invoiced month is issued and unpaid; older ones are paid.
        paid = _month_end(last_day + dt.timedelta(days=1)) <= self.horizon
        by_client: dict[int, list[list[Any]]] = defaultdict(list)
        for entry, client_id, _, _ in bucket:
            if entry[E_STATE] == EntryState.APPROVED and entry[E_BILLABLE] and client_id:
                by_client[client_id].append(entry)
        run_id = self.w.ids(InvoiceRun)
        invoices: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        times: list[tuple[int, int, int, int]] = []
        ledger: list[tuple[Any, ...]] = []
        charges: list[tuple[Any, ...]] = []
        rates = {ct.pk: ct.hourly_rate for ct in self.charge.values()}
        names = {ct.pk: ct.name for ct in self.charge.values()}
        entry_count = 0
        for info in self.clients:
            entries = by_client.get(info.client_id, [])
            fee = info.kind == ContractKind.RETAINER and month >= self.start.replace(day=1)
            if not entries and not fee:
                continue
            invoice_id = self.w.ids(Invoice)
            grouped: dict[tuple[str, int, int, Decimal], list[list[Any]]] = defaultdict(list)
            used = 0
            for e in entries:
                base = info.rates.get(e[E_CHARGE], rates[e[E_CHARGE]])
                kind: str = LineKind.TIME
                rate = base
                if info.kind in (ContractKind.FIXED_PRICE, ContractKind.NO_CHARGE):
                    kind, rate = LineKind.COVERED, Decimal("0")
                elif info.kind == ContractKind.PREPAY:
                    kind, rate = LineKind.PREPAY, Decimal("0")
                elif info.kind == ContractKind.RETAINER:
                    if used + e[E_BILL_SECONDS] <= info.included_seconds:
                        kind, rate = LineKind.RETAINER_INCLUDED, Decimal("0")
                        used += e[E_BILL_SECONDS]
                    else:
                        kind, rate = LineKind.OVERAGE, base * info.overage_multiplier
                grouped[(kind, e[E_TICKET], e[E_CHARGE], rate)].append(e)
            subtotal = Decimal("0")
            if fee:
                line_id = self.w.ids(InvoiceLine)
                lines.append(
                    (
                        line_id,
                        invoice_id,
                        None,
                        None,
                        LineKind.FEE,
                        info.contract_id,
                        month,
                        f"Retainer, {month:%B %Y}",
                        0,
                        Decimal("1"),
                        info.retainer_fee,
                        Decimal("1.00"),
                        info.retainer_fee,
                        info.retainer_fee,
                    )
                )
                charges.append(
                    (
                        self.w.ids(RetainerCharge),
                        info.contract_id,
                        month,
                        info.retainer_fee,
                        info.included_seconds,
                        0,
                        line_id,
                        False,
                    )
                )
                subtotal += info.retainer_fee
            for (kind, ticket_id, charge_id, rate), members in grouped.items():
                line_id = self.w.ids(InvoiceLine)
                seconds = sum(e[E_BILL_SECONDS] for e in members)
                amount = amount_for_seconds(rate, seconds, info.currency)
                base = info.rates.get(charge_id, rates[charge_id])
                multiplier = info.overage_multiplier if kind == LineKind.OVERAGE else Decimal("1")
                contract = info.contract_id if kind != LineKind.TIME else None
                lines.append(
                    (
                        line_id,
                        invoice_id,
                        ticket_id,
                        charge_id,
                        kind,
                        contract,
                        None,
                        f"Ticket #{ticket_id}: {names[charge_id]}",
                        seconds,
                        (Decimal(seconds) / 3600).quantize(Decimal("0.0001")),
                        base,
                        multiplier,
                        rate.quantize(Decimal("0.0001")),
                        amount,
                    )
                )
                subtotal += amount
                for e in members:
                    e[E_LINE] = line_id
                    # Seeded invoices are all issued or paid: each entry keeps what it billed.
                    e[E_BILLED] = e[E_BILL_SECONDS]
                    e[E_BILLED_CURRENCY] = info.currency
                    if seconds:
                        e[E_BILLED_MICROS] = micros_share(e[E_BILL_SECONDS], seconds, amount)
                    times.append((self.w.ids(LineTime), line_id, e[E_ID], e[E_BILL_SECONDS]))
                entry_count += len(members)
                if kind == LineKind.PREPAY:
                    ledger.extend(self._draws(info, line_id, seconds, last_day, issued_at))
            tax_rate = Decimal("0") if info.reverse_charge else info.tax_rate
            tax = round_money(subtotal * tax_rate / 100, info.currency)
            year = issue.year
            if year not in self.number_sequences:
                known = InvoiceNumberSequence.objects.filter(year=year).first()
                self.number_sequences[year] = known.last_number if known else 0
            sequence = self.number_sequences[year] = self.number_sequences[year] + 1
            number = self.number_format.format(year=year, number=sequence)
            invoices.append(
                (
                    invoice_id,
                    info.client_id,
                    run_id,
                    InvoiceState.PAID if paid else InvoiceState.ISSUED,
                    InvoiceKind.INVOICE,
                    number,
                    year,
                    sequence,
                    info.currency,
                    tax_rate,
                    subtotal,
                    tax,
                    subtotal + tax,
                    last_day,
                    issue,
                    issue + dt.timedelta(days=14),
                    info.name,
                    "High Street\nLeeds",
                    "Reverse charge: the customer accounts for the tax."
                    if info.reverse_charge
                    else "",
                    self.billing_id,
                    issued_at + dt.timedelta(days=rng.randint(10, 28)) if paid else None,
                    issued_at,
                )
            )
        self.w.insert(
            InvoiceRun,
            [
                "id",
                "cut_off",
                "client_ids",
                "state",
                "started_by_id",
                "started_at",
                "finished_at",
                "invoice_count",
                "entry_count",
                "clients_total",
                "clients_done",
            ],
            [
                (
                    run_id,
                    last_day,
                    [],
                    RunState.COMPLETED,
                    self.billing_id,
                    issued_at,
                    issued_at + dt.timedelta(minutes=2),
                    len(invoices),
                    entry_count,
                    len(invoices),
                    len(invoices),
                )
            ],
        )
        self.w.insert(
            Invoice,
            [
                "id",
                "client_id",
                "run_id",
                "state",
                "kind",
                "number",
                "number_year",
                "number_sequence",
                "currency",
                "tax_rate",
                "subtotal",
                "tax_amount",
                "total",
                "period_end",
                "issue_date",
                "due_date",
                "buyer_name",
                "buyer_address",
                "tax_note",
                "issued_by_id",
                "paid_at",
                "created_at",
            ],
            invoices,
        )
        self.w.insert(
            InvoiceLine,
            [
                "id",
                "invoice_id",
                "ticket_id",
                "charge_type_id",
                "kind",
                "contract_id",
                "period_start",
                "description",
                "billed_seconds",
                "quantity",
                "base_rate",
                "multiplier",
                "rate",
                "amount",
            ],
            lines,
        )
        self.w.insert(
            RetainerCharge,
            [
                "id",
                "contract_id",
                "period_start",
                "fee",
                "included_seconds",
                "rollover_seconds",
                "invoice_line_id",
                "released",
            ],
            charges,
        )
        self._write_ledger(ledger)
        # Line times point at entries, which the caller writes next.
        self._pending_times = times

    @property
    def number_format(self) -> str:
        return Organisation.current().invoice_number_format

    def _draws(
        self, info: _ClientInfo, line_id: int, seconds: int, day: dt.date, at: dt.datetime
    ) -> list[tuple[Any, ...]]:
        """Drawdowns from prepaid blocks, oldest first, buying a new block when one runs dry."""
        rows: list[tuple[Any, ...]] = []
        while seconds > 0:
            if not info.blocks or info.blocks[0][1] <= 0:
                if info.blocks:
                    info.blocks.pop(0)
                if not info.blocks:
                    rows.append(self._purchase(info, day))
                continue
            block = info.blocks[0]
            take = min(block[1], seconds)
            block[1] -= take
            seconds -= take
            rows.append(
                (
                    self.w.ids(PrepayEntry),
                    info.contract_id,
                    PrepayKind.DRAWDOWN,
                    -take,
                    Decimal("0"),
                    None,
                    None,
                    block[0],
                    line_id,
                    f"Invoice line {line_id}",
                    self.billing_id,
                    at,
                )
            )
        return rows

    # -- closing

    def finish(self) -> None:
        open_tickets = [slot[0] for person in self.people for slot in person.pool]
        statuses = [TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD, TicketStatus.NEW]
        for index, status in enumerate(statuses):
            Ticket.objects.filter(pk__in=open_tickets[index :: len(statuses)]).update(status=status)
        for year, last in self.number_sequences.items():
            sequence, _ = InvoiceNumberSequence.objects.get_or_create(year=year)
            InvoiceNumberSequence.objects.filter(pk=sequence.pk).update(
                last_number=max(sequence.last_number, last)
            )
        # Prepay clients start the next billing period with hours in hand.
        self._write_ledger(
            [
                self._purchase(info, self.end)
                for info in self.clients
                if info.kind == ContractKind.PREPAY
            ]
        )
        self.w.reset_sequences()


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def seed(options: SeedOptions, *, log: Callable[[str], None] | None = None) -> SeedReport:
    """Generate the MSP of `options` into the default database and say what was written."""
    return Seeder(options, log=log).run()
