"""Properties of pricing's pure parts (rounding, rates, multipliers, the planner), checked on
plain in-memory data, and proof that the planner reads nothing once the loader has."""

import ast
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.billing import pricing
from tallyhour.billing.pricing import (
    MICROS,
    BillableEntry,
    PlanContext,
    RateBook,
    Segment,
    billed_hours,
    load_entries,
    micros_share,
    plan_client,
    round_seconds,
    segments,
)
from tallyhour.billing.selectors import billable_entries
from tallyhour.contracts.models import Contract, PrepayEntry, Rate, RetainerCharge
from tallyhour.core.money import round_money
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, RoundingMode, RoundingScope
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, TicketFactory

UTC = dt.UTC
DAY = dt.date(2026, 11, 16)  # a Monday
modes = st.sampled_from(list(RoundingMode.values))
increments = st.sampled_from([0, 1, 5, 6, 10, 15, 30, 60])
minimums = st.sampled_from([0, 1, 15, 30, 60])


# --- rounding --------------------------------------------------------------------------------


@given(st.integers(-3600, 20 * 3600), st.integers(0, 3600), increments, minimums, modes)
def test_rounding_is_monotone(seconds, more, increment, minimum, mode):
    rule = {"increment_minutes": increment, "minimum_minutes": minimum, "mode": mode}
    assert round_seconds(seconds, **rule) <= round_seconds(seconds + more, **rule)


@given(st.integers(1, 20 * 3600), increments, minimums, modes)
def test_rounding_bills_whole_increments_and_the_minimum(seconds, increment, minimum, mode):
    billed = round_seconds(seconds, increment_minutes=increment, minimum_minutes=minimum, mode=mode)
    assert billed >= minimum * 60
    if increment and billed > minimum * 60:
        assert billed % (increment * 60) == 0
    if not increment:
        assert billed == max(seconds, minimum * 60)


@given(st.integers(1, 20 * 3600), st.sampled_from([1, 5, 6, 10, 15, 30, 60]))
def test_rounding_modes_stay_within_one_increment(seconds, increment):
    step = increment * 60

    def billed(mode: str) -> int:
        return round_seconds(seconds, increment_minutes=increment, minimum_minutes=0, mode=mode)

    assert seconds - step < billed(RoundingMode.DOWN) <= seconds
    assert seconds <= billed(RoundingMode.UP) < seconds + step
    assert abs(billed(RoundingMode.NEAREST) - seconds) * 2 <= step
    assert billed(RoundingMode.DOWN) <= billed(RoundingMode.NEAREST) <= billed(RoundingMode.UP)


@given(st.integers(-3600, 0), increments, minimums, modes)
def test_nothing_worked_bills_nothing(seconds, increment, minimum, mode):
    rule = {"increment_minutes": increment, "minimum_minutes": minimum, "mode": mode}
    assert round_seconds(seconds, **rule) == 0


# --- rates -----------------------------------------------------------------------------------

CLIENT, OTHER_CLIENT, CONTRACT, OTHER_CONTRACT, AGENT, OTHER_AGENT = 1, 2, 10, 20, 100, 200
CHARGE = ChargeType(pk=7, name="Remote", hourly_rate=Decimal("50.00"))
# Scopes as (contract, client, agent), most specific first, as DESIGN.md orders them.
SCOPES = [
    (CONTRACT, None, AGENT),
    (CONTRACT, None, None),
    (None, CLIENT, AGENT),
    (None, CLIENT, None),
    (None, None, AGENT),
    (None, None, None),
]
FOREIGN = [(OTHER_CONTRACT, None, None), (None, OTHER_CLIENT, None), (None, None, OTHER_AGENT)]


@dataclass
class RateSpec:
    scope: tuple[int | None, int | None, int | None]
    days_before: int  # valid_from relative to the work day (negative: later)
    own_charge: bool  # names the charge type (else: any charge type)
    cents: int

    def rate(self, pk: int) -> Rate:
        contract, client, agent = self.scope
        return Rate(
            pk=pk,
            contract_id=contract,
            client_id=client,
            agent_id=agent,
            charge_type_id=CHARGE.pk if self.own_charge else None,
            valid_from=DAY - dt.timedelta(days=self.days_before),
            hourly_rate=Decimal(self.cents) / 100,
        )


rate_specs = st.builds(
    RateSpec,
    scope=st.sampled_from(SCOPES + FOREIGN),
    days_before=st.integers(-30, 400),
    own_charge=st.booleans(),
    cents=st.integers(0, 50_000),
)


def resolve(specs: list[RateSpec]) -> Decimal:
    rates = [spec.rate(pk) for pk, spec in enumerate(specs, start=1)]
    book = RateBook(Client(pk=CLIENT), [Contract(pk=CONTRACT, client_id=CLIENT)], rates)
    return book.resolve(
        charge_type=CHARGE, agent_id=AGENT, client_id=CLIENT, contract_id=CONTRACT, day=DAY
    )


@given(st.lists(rate_specs, max_size=8))
def test_resolved_rate_is_an_applicable_one_or_the_default(specs):
    applicable = {
        spec.rate(0).hourly_rate for spec in specs if spec.scope in SCOPES and spec.days_before >= 0
    }
    assert resolve(specs) in applicable | {CHARGE.hourly_rate}


@given(st.lists(rate_specs, max_size=8), st.integers(0, len(SCOPES) - 1), st.integers(0, 400))
def test_most_specific_scope_wins(specs, level, days_before):
    # A rate for this charge type at a scope no existing rate reaches, or beats, wins.
    assume(
        all(
            SCOPES.index(s.scope) > level
            for s in specs
            if s.scope in SCOPES and s.days_before >= 0 and s.own_charge
        )
    )
    assume(
        all(
            SCOPES.index(s.scope) >= level
            for s in specs
            if s.scope in SCOPES and s.days_before >= 0 and not s.own_charge
        )
    )
    winner = RateSpec(SCOPES[level], days_before, True, 123_456)
    assert resolve([*specs, winner]) == Decimal("1234.56")


@given(st.lists(rate_specs, max_size=8))
def test_latest_valid_from_wins_within_a_scope(specs):
    # A rate dated the work day itself is newer than any other rate of its scope and kind.
    for scope in SCOPES:
        older = [s for s in specs if not (s.scope == scope and s.own_charge)]
        newest = RateSpec(scope, 0, True, 99_999)
        found = resolve([*older, RateSpec(scope, 1, True, 11_111), newest])
        stronger = [
            s
            for s in older
            if s.scope in SCOPES
            and s.days_before >= 0
            and SCOPES.index(s.scope) < SCOPES.index(scope)
        ]
        if not stronger:
            assert found == Decimal("999.99")


@given(st.lists(rate_specs, max_size=8), rate_specs)
def test_future_and_foreign_rates_change_nothing(specs, extra):
    assume(extra.days_before < 0 or extra.scope in FOREIGN)
    assert resolve([*specs, extra]) == resolve(specs)


# --- multipliers -----------------------------------------------------------------------------


@dataclass
class Hours:
    start: dt.time
    end: dt.time


CHARGES = st.builds(
    ChargeType,
    multiplier_out_of_hours=st.sampled_from([Decimal("1"), Decimal("1.5")]),
    multiplier_weekend=st.sampled_from([Decimal("1"), Decimal("2")]),
    multiplier_holiday=st.sampled_from([Decimal("1"), Decimal("2.5")]),
)


@given(
    CHARGES,
    st.integers(0, 13 * 24 * 60),  # start, minutes after a Monday's midnight
    st.integers(1, 16 * 60),  # worked minutes
    st.integers(0, 100),  # percent kept after write-offs
    st.booleans(),
)
def test_segments_share_out_exactly_the_billed_time(charge, start, worked, kept, with_week):
    started = dt.datetime.combine(DAY, dt.time(), tzinfo=UTC) + dt.timedelta(minutes=start)
    ended = started + dt.timedelta(minutes=worked)
    billable = worked * 60 * kept // 100
    week = {d: Hours(dt.time(9), dt.time(17)) for d in range(5) if d != 2}
    found = segments(
        started_at=started,
        ended_at=ended,
        billable=billable,
        charge=charge,
        tz=UTC,
        holidays={DAY + dt.timedelta(days=3)},
        week=week if with_week else None,
    )
    assert sum(s.seconds for s in found) == billable
    assert all(s.seconds >= 0 for s in found)
    if billable:
        assert all(s.seconds > 0 for s in found)
    for s in found:
        assert (s.multiplier == 1) == (s.label == "")


def test_segments_split_at_the_workday_edges():
    charge = ChargeType(multiplier_out_of_hours=Decimal("1.5"))
    started = dt.datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    found = segments(
        started_at=started,
        ended_at=started + dt.timedelta(hours=10),  # 08:00-18:00 around a 09:00-17:00 day
        billable=10 * 3600,
        charge=charge,
        tz=UTC,
        holidays=set(),
        week={0: Hours(dt.time(9), dt.time(17))},
    )
    assert found == [
        Segment(3600, Decimal("1.5"), "out of hours"),
        Segment(8 * 3600, Decimal("1"), ""),
        Segment(3600, Decimal("1.5"), "out of hours"),
    ]


# --- the planner and totals ------------------------------------------------------------------


@dataclass
class InMemory:
    """A PlanData from plain objects: the planner has nothing to query with."""

    org: Organisation
    contracts: dict[int, list[Contract]] = field(default_factory=dict)
    rates: list[Rate] = field(default_factory=list)

    def used_seconds(self, contract: Contract, period: dt.date) -> int:
        return 0

    def prepay_ledger(self, contract: Contract) -> tuple[list[PrepayEntry], dict[int, int]]:
        return [], {}

    def unreleased_charges(self, contract: Contract) -> list[RetainerCharge]:
        return []

    def public_holidays(
        self, country: str, subdivision: str, first: dt.date, last: dt.date
    ) -> set[dt.date]:
        return set()


def charge_type(pk: int, scope: str) -> ChargeType:
    return ChargeType(
        pk=pk,
        name=f"Charge {pk}",
        hourly_rate=Decimal(pk * 37) + Decimal("0.35"),
        rounding_increment_minutes=[0, 6, 15][pk % 3],
        rounding_minimum_minutes=[0, 15][pk % 2],
        rounding_mode=[RoundingMode.UP, RoundingMode.NEAREST, RoundingMode.DOWN][pk % 3],
        rounding_scope=scope,
        multiplier_weekend=Decimal("1.5"),
    )


plan_entries = st.lists(
    st.tuples(
        st.integers(1, 3),  # ticket
        st.integers(1, 3),  # charge type
        st.integers(0, 13),  # day
        st.integers(1, 6 * 3600),  # worked seconds
        st.integers(0, 100),  # percent kept
    ),
    min_size=1,
    max_size=20,
)


@given(plan_entries, st.sampled_from(list(RoundingScope.values)), st.sampled_from(["GBP", "JPY"]))
def test_plan_totals_add_up(rows, scope, currency):
    org = Organisation(timezone="Europe/London")
    client = Client(pk=CLIENT, name="Acme", currency=currency)
    user = User(pk=AGENT)
    Agent(user=user, timezone="Europe/London")  # caches user.agent: no query to reach it
    tickets = {pk: Ticket(pk=pk, client_id=CLIENT, summary=f"T{pk}") for pk in (1, 2, 3)}
    charges = {pk: charge_type(pk, scope) for pk in (1, 2, 3)}
    entries = []
    for pk, (ticket, charge, day, worked, kept) in enumerate(rows, start=1):
        started = dt.datetime.combine(DAY + dt.timedelta(days=day), dt.time(10), tzinfo=UTC)
        entries.append(
            BillableEntry(
                pk=pk,
                agent_id=AGENT,
                ticket_id=ticket,
                charge_type_id=charge,
                started_at=started,
                ended_at=started + dt.timedelta(seconds=worked),
                billable_seconds=worked * kept // 100,
                agent=user,
                ticket=tickets[ticket],
                charge_type=charges[charge],
            )
        )
    plan = plan_client(client, DAY + dt.timedelta(days=14), entries, InMemory(org))
    billed = pricing.Planner(client, DAY, entries, InMemory(org)).billed_by_entry()
    # Every entry is on the plan once, with exactly its rounded time spread over its lines.
    assert sorted(plan.entry_ids) == [entry.pk for entry in entries]
    for entry in entries:
        on_lines = sum(line.pieces.get(entry.pk, 0) for line in plan.lines)
        assert on_lines == billed[entry.pk]
        assert entry.pk in plan.primary_line(entry.pk).pieces
    # A line's quantity is its time in hours at the organisation's precision; its amount is
    # quantity × rate rounded once, and the subtotal is their sum.
    for line in plan.lines:
        assert line.quantity == billed_hours(line.seconds, org.invoice_hours_places)
        assert line.amount == round_money(line.quantity * line.rate, currency)
    assert plan.subtotal == sum((line.amount for line in plan.lines), Decimal(0))
    # Entries' shares of a line add up to the line's amount (half a millionth each at most).
    for line in plan.lines:
        if not line.seconds:
            continue
        shares = [micros_share(s, line.seconds, line.amount) for s in line.pieces.values()]
        assert abs(sum(shares) - line.amount * MICROS) * 2 <= len(shares)
        assert round_money(Decimal(sum(shares)) / MICROS, currency) == line.amount


@given(
    st.lists(st.integers(1, 10**6), min_size=1, max_size=50),
    st.integers(0, 10**9).map(lambda cents: Decimal(cents) / 100),
)
def test_shares_of_a_line_add_up_to_its_amount(pieces, amount):
    total = sum(pieces)
    shares = [micros_share(seconds, total, amount) for seconds in pieces]
    assert abs(sum(shares) - amount * MICROS) * 2 <= len(shares)
    assert round_money(Decimal(sum(shares)) / MICROS, "GBP") == amount


# --- purity ----------------------------------------------------------------------------------

PURE = ["rounding.py", "rates.py", "multipliers.py", "plans.py", "planner.py"]


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_have_no_query_code(name):
    source = (Path(pricing.__file__).parent / name).read_text()
    tree = ast.parse(source)
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert not [m for m in imported if m.startswith("django.db")]
    assert "tallyhour.billing.pricing.loader" not in imported
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not attributes & {"objects", "filter", "aggregate", "raw", "cursor", "in_bulk"}


@pytest.mark.django_db
def test_planner_reads_nothing_once_loaded(engineer, client_acme, django_assert_num_queries):
    charge = ChargeTypeFactory(
        name="Remote",
        hourly_rate=Decimal("90.00"),
        multiplier_out_of_hours=Decimal("1.5"),
        multiplier_weekend=Decimal("2"),
        multiplier_holiday=Decimal("2.5"),
    )
    ticket = TicketFactory(client=client_acme, summary="Servers")
    for day in range(7):
        approved(
            engineer, ticket, at(MONDAY + dt.timedelta(days=day), 7), 3 * 3600, charge_type=charge
        )
    Rate.objects.create(client=client_acme, hourly_rate=Decimal("120.00"), valid_from=MONDAY)
    cut_off = MONDAY + dt.timedelta(days=7)
    entries = load_entries(billable_entries(cut_off, [client_acme.pk]))
    context = PlanContext.load([client_acme.pk], since=MONDAY.replace(day=1))
    with django_assert_num_queries(0):
        plan = plan_client(client_acme, cut_off, entries, context)
    assert plan.entries == 7
    assert {line.base_rate for line in plan.lines} == {Decimal("120.00")}
    assert {line.multiplier for line in plan.lines} >= {Decimal("1"), Decimal("1.5"), Decimal("2")}
