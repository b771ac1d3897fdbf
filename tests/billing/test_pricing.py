"""Hand-worked pricing examples: every expected figure below is worked out in the comment
beside it, not computed by the code under test."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.billing.invoices import invoice_void
from tallyhour.billing.models import Invoice, InvoiceLine, LineKind, LineTime
from tallyhour.billing.pricing import round_seconds
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import (
    Contract,
    ContractKind,
    PrepayEntry,
    PrepayKind,
    Rate,
    RetainerCharge,
)
from tallyhour.timetracking.models import RoundingScope
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, TicketFactory

pytestmark = pytest.mark.django_db
SUNDAY = MONDAY + dt.timedelta(days=6)
M = 60


@pytest.mark.parametrize(
    ("worked", "increment", "minimum", "mode", "billed"),
    [
        (7 * M, 15, 0, "up", 15 * M),  # 7 min → next 15-min block
        (7 * M, 15, 0, "nearest", 0),  # 7 < 7.5 → rounds down to nothing
        (8 * M, 15, 0, "nearest", 15 * M),  # 8 ≥ 7.5 → one block
        (7 * M + 30, 15, 0, "nearest", 15 * M),  # exactly half a block rounds up
        (29 * M, 15, 0, "down", 15 * M),  # 29 min → one whole block
        (7 * M, 15, 30, "up", 30 * M),  # 15 min, then the 30-min minimum
        (44 * M, 15, 30, "down", 30 * M),  # 30 min by blocks, minimum already met
        (7 * M, 15, 30, "down", 30 * M),  # 0 by blocks, minimum lifts it to 30
        (61 * M, 0, 0, "up", 61 * M),  # no increment: exact
        (20 * M, 0, 30, "up", 30 * M),  # no increment, minimum only
    ],
)
def test_rounding_by_hand(worked, increment, minimum, mode, billed):
    assert (
        round_seconds(worked, increment_minutes=increment, minimum_minutes=minimum, mode=mode)
        == billed
    )


def run(billing, cut_off=SUNDAY):
    return invoice_run_execute(cut_off=cut_off, actor=billing, commit=True)


def only_invoice() -> Invoice:
    (invoice,) = Invoice.objects.exclude(state="void")
    return invoice


def test_rounding_per_entry_on_an_invoice(engineer, billing, ticket):
    charge = ChargeTypeFactory(
        name="Per entry", hourly_rate=Decimal("60.00"), rounding_increment_minutes=15
    )
    approved(engineer, ticket, at(MONDAY, 10), 7 * M, charge_type=charge)
    approved(engineer, ticket, at(MONDAY, 11), 7 * M, charge_type=charge)
    run(billing)
    # Each 7-minute entry rounds up to 15: 30 minutes at 60/h = 30.00.
    (line,) = only_invoice().lines.all()
    assert (line.billed_seconds, line.amount) == (30 * M, Decimal("30.00"))


def test_rounding_per_ticket_per_day(engineer, billing, ticket, client_acme):
    charge = ChargeTypeFactory(
        name="Per ticket day",
        hourly_rate=Decimal("60.00"),
        rounding_increment_minutes=15,
        rounding_minimum_minutes=30,
        rounding_scope=RoundingScope.TICKET_DAY,
    )
    approved(engineer, ticket, at(MONDAY, 10), 7 * M, charge_type=charge)
    approved(engineer, ticket, at(MONDAY, 11), 7 * M, charge_type=charge)
    approved(engineer, ticket, at(MONDAY, 12), 3 * M, charge_type=charge)
    # Another day, same ticket: its own group.
    approved(engineer, ticket, at(MONDAY + dt.timedelta(days=1), 10), 20 * M, charge_type=charge)
    run(billing)
    (line,) = only_invoice().lines.all()
    # Monday: 7+7+3 = 17 min → 30 (up to 30 by blocks, minimum 30).
    # Tuesday: 20 min → 30 (blocks), minimum 30 met. Total 60 min at 60/h = 60.00.
    assert (line.billed_seconds, line.amount) == (60 * M, Decimal("60.00"))
    # Raw worked time is untouched; the rounding is on the line's share of each entry.
    shares = sorted(LineTime.objects.filter(line=line).values_list("seconds", flat=True))
    assert sum(shares) == 60 * M


def test_out_of_hours_split(engineer, billing, ticket):
    charge = ChargeTypeFactory(
        name="Support", hourly_rate=Decimal("90.00"), multiplier_out_of_hours=Decimal("1.50")
    )
    # Workday ends 17:30 (London = UTC in November); the entry runs 17:00–18:00.
    entry = approved(engineer, ticket, at(MONDAY, 17), 60 * M, charge_type=charge)
    run(billing)
    lines = {line.multiplier: line for line in only_invoice().lines.all()}
    # 30 min inside at 90/h = 45.00; 30 min outside at 135/h = 67.50; together 112.50.
    assert (lines[Decimal("1.00")].billed_seconds, lines[Decimal("1.00")].amount) == (
        30 * M,
        Decimal("45.00"),
    )
    assert lines[Decimal("1.50")].rate == Decimal("135.0000")
    assert lines[Decimal("1.50")].amount == Decimal("67.50")
    assert only_invoice().subtotal == Decimal("112.50")
    entry.refresh_from_db()
    # One entry, one line it points at; the split lives in the line shares.
    assert entry.invoice_line_id == lines[Decimal("1.00")].pk
    assert entry.worked_seconds == 3600


def test_out_of_hours_by_the_charge_types_own_business_hours(engineer, billing, ticket):
    """A charge type with business hours prices by them, not by the agent's workday."""
    charge = ChargeTypeFactory(
        name="Priority",
        hourly_rate=Decimal("100.00"),
        multiplier_out_of_hours=Decimal("2.00"),
        business_hours_start=dt.time(8),
        business_hours_end=dt.time(18),
    )
    # 17:00–19:00 London (UTC in November): the agent's day ends 17:30, the charge's at 18:00.
    approved(engineer, ticket, at(MONDAY, 17), 120 * M, charge_type=charge)
    # Saturday 10:00 is outside business hours (Monday to Friday) too.
    approved(engineer, ticket, at(MONDAY + dt.timedelta(days=5), 10), 30 * M, charge_type=charge)
    run(billing)
    seconds = {line.multiplier: line.billed_seconds for line in only_invoice().lines.all()}
    assert seconds == {Decimal("1.00"): 60 * M, Decimal("2.00"): 90 * M}


def test_weekend_multiplier(engineer, billing, ticket):
    charge = ChargeTypeFactory(
        name="Weekend", hourly_rate=Decimal("80.00"), multiplier_weekend=Decimal("2.00")
    )
    approved(engineer, ticket, at(MONDAY + dt.timedelta(days=5), 10), 30 * M, charge_type=charge)
    run(billing)
    # Saturday, 30 min at 80 × 2 = 160/h → 80.00.
    assert only_invoice().subtotal == Decimal("80.00")


def test_rate_precedence_with_two_valid_from_dates(engineer, billing, ticket, client_acme):
    charge = ChargeTypeFactory(name="Consulting", hourly_rate=Decimal("100.00"))
    contract = Contract.objects.create(
        client=client_acme, name="T&M", starts_on=MONDAY - dt.timedelta(days=60), is_default=True
    )
    Rate.objects.create(hourly_rate=Decimal("110.00"), valid_from=MONDAY, client=client_acme)
    Rate.objects.create(hourly_rate=Decimal("70.00"), valid_from=MONDAY, agent=engineer)
    Rate.objects.create(
        hourly_rate=Decimal("120.00"), valid_from=MONDAY - dt.timedelta(days=30), contract=contract
    )
    Rate.objects.create(
        hourly_rate=Decimal("130.00"),
        valid_from=MONDAY + dt.timedelta(days=2),
        contract=contract,
    )
    approved(engineer, ticket, at(MONDAY, 10), 60 * M, charge_type=charge)  # Monday
    approved(engineer, ticket, at(MONDAY + dt.timedelta(days=3), 10), 60 * M, charge_type=charge)
    run(billing)
    rates = sorted(only_invoice().lines.values_list("rate", flat=True))
    # Contract beats client and agent. Monday: only the older contract rate (120) is valid;
    # Thursday: the newer one (130, from Wednesday) wins. 120 + 130 = 250.00.
    assert rates == [Decimal("120.0000"), Decimal("130.0000")]
    assert only_invoice().subtotal == Decimal("250.00")


def test_contract_agent_rate_beats_contract_rate(engineer, other_engineer, billing, ticket):
    charge = ChargeTypeFactory(name="Projects", hourly_rate=Decimal("100.00"))
    contract = Contract.objects.create(
        client=ticket.client, name="Project", starts_on=MONDAY - dt.timedelta(days=1)
    )
    ticket.contract = contract
    ticket.save()
    Rate.objects.create(hourly_rate=Decimal("150.00"), valid_from=MONDAY, contract=contract)
    Rate.objects.create(
        hourly_rate=Decimal("180.00"), valid_from=MONDAY, contract=contract, agent=engineer
    )
    approved(engineer, ticket, at(MONDAY, 10), 60 * M, charge_type=charge)
    approved(other_engineer, ticket, at(MONDAY, 11), 60 * M, charge_type=charge)
    run(billing)
    # engineer: contract+agent 180; other_engineer: contract 150.
    assert sorted(only_invoice().lines.values_list("rate", flat=True)) == [
        Decimal("150.0000"),
        Decimal("180.0000"),
    ]


def test_rate_change_leaves_invoiced_time_alone(engineer, billing, ticket, remote_support):
    approved(engineer, ticket, at(MONDAY, 10), 60 * M)
    run(billing)
    Rate.objects.create(
        hourly_rate=Decimal("200.00"), valid_from=MONDAY, charge_type=remote_support
    )
    approved(engineer, ticket, at(MONDAY, 12), 60 * M)
    run(billing)
    amounts = sorted(InvoiceLine.objects.values_list("amount", flat=True))
    assert amounts == [Decimal("90.00"), Decimal("200.00")]


def prepay_contract(client, fallback: bool) -> Contract:
    contract = Contract.objects.create(
        client=client,
        name="Prepaid support",
        kind=ContractKind.PREPAY,
        starts_on=MONDAY - dt.timedelta(days=90),
        is_default=True,
        prepay_fallback_to_payg=fallback,
    )
    now = at(MONDAY, 8)
    # Block A: 2 h, expired the Friday before. Block B: 1 h, valid to the end of the year.
    PrepayEntry.objects.create(
        contract=contract,
        kind=PrepayKind.PURCHASE,
        seconds=2 * 3600,
        amount=Decimal("160.00"),
        purchased_on=MONDAY - dt.timedelta(days=90),
        expires_on=MONDAY - dt.timedelta(days=3),
        created_at=now,
    )
    PrepayEntry.objects.create(
        contract=contract,
        kind=PrepayKind.PURCHASE,
        seconds=3600,
        amount=Decimal("85.00"),
        purchased_on=MONDAY - dt.timedelta(days=30),
        expires_on=dt.date(2026, 12, 31),
        created_at=now,
    )
    return contract


def test_prepay_draws_unexpired_block_then_falls_back(engineer, billing, ticket, client_acme):
    contract = prepay_contract(client_acme, fallback=True)
    approved(engineer, ticket, at(MONDAY, 10), 90 * M)
    run(billing)
    lines = {line.kind: line for line in only_invoice().lines.all()}
    # 90 min: the expired block is skipped, block B gives 60 min (at 0), the other 30 min
    # are pay-as-you-go at 90/h = 45.00.
    assert lines[LineKind.PREPAY].billed_seconds == 60 * M
    assert lines[LineKind.PREPAY].amount == Decimal("0.00")
    assert (lines[LineKind.TIME].billed_seconds, lines[LineKind.TIME].amount) == (
        30 * M,
        Decimal("45.00"),
    )
    ledger = PrepayEntry.objects.filter(contract=contract)
    # Balance = purchases − drawdowns = 3 h − 1 h = 2 h (the expired 2 h never used).
    assert sum(ledger.values_list("seconds", flat=True)) == 2 * 3600
    assert ledger.filter(kind=PrepayKind.DRAWDOWN).get().seconds == -3600


def test_prepay_without_fallback_goes_negative(engineer, billing, ticket, client_acme):
    contract = prepay_contract(client_acme, fallback=False)
    approved(engineer, ticket, at(MONDAY, 10), 90 * M)
    result = run(billing)
    (line,) = only_invoice().lines.all()
    assert (line.kind, line.billed_seconds, line.amount) == (LineKind.PREPAY, 90 * M, 0)
    drawdowns = PrepayEntry.objects.filter(contract=contract, kind=PrepayKind.DRAWDOWN)
    assert sorted(drawdowns.values_list("seconds", flat=True)) == [-3600, -30 * M]
    assert drawdowns.get(block=None).seconds == -30 * M
    assert any("negative" in w for plan in result.previews for w in plan.warnings)


def test_void_reverses_prepay_drawdowns(engineer, billing, ticket, client_acme):
    contract = prepay_contract(client_acme, fallback=True)
    approved(engineer, ticket, at(MONDAY, 10), 30 * M)
    run(billing)
    invoice_void(invoice=only_invoice(), actor=billing, reason="wrong client")
    kinds = list(PrepayEntry.objects.filter(contract=contract).values_list("kind", "seconds"))
    # Never edited in place: the drawdown stays and a reversal row cancels it.
    assert (PrepayKind.DRAWDOWN, -30 * M) in kinds
    assert (PrepayKind.REVERSAL, 30 * M) in kinds
    assert sum(s for _, s in kinds) == 3 * 3600


def test_retainer_overage_and_rollover(engineer, billing, client_acme):
    charge = ChargeTypeFactory(name="Managed", hourly_rate=Decimal("100.00"))
    contract = Contract.objects.create(
        client=client_acme,
        name="Gold",
        kind=ContractKind.RETAINER,
        starts_on=dt.date(2026, 10, 1),
        is_default=True,
        retainer_fee=Decimal("500.00"),
        retainer_included_minutes=120,
        overage_multiplier=Decimal("1.25"),
        rollover=True,
    )
    ticket = TicketFactory(client=client_acme, summary="Servers")
    # October: 1 h worked of the 2 h included → 1 h rolls over into November.
    approved(engineer, ticket, at(dt.date(2026, 10, 13), 10), 60 * M, charge_type=charge)
    run(billing, cut_off=dt.date(2026, 10, 31))
    october = only_invoice()
    assert october.subtotal == Decimal("500.00")  # the fee; included time is at 0
    # November: 4 h worked; allowance 2 h + 1 h rollover = 3 h; 1 h overage at 100 × 1.25.
    approved(engineer, ticket, at(MONDAY, 9), 4 * 60 * M, charge_type=charge)
    run(billing, cut_off=dt.date(2026, 11, 30))
    november = Invoice.objects.exclude(pk=october.pk).get()
    lines = {line.kind: line for line in november.lines.all()}
    assert lines[LineKind.FEE].amount == Decimal("500.00")
    assert lines[LineKind.RETAINER_INCLUDED].billed_seconds == 3 * 3600
    assert lines[LineKind.OVERAGE].billed_seconds == 3600
    assert lines[LineKind.OVERAGE].rate == Decimal("125.0000")
    assert november.subtotal == Decimal("625.00")
    charge_nov = RetainerCharge.objects.get(contract=contract, period_start=dt.date(2026, 11, 1))
    assert charge_nov.rollover_seconds == 3600
    # A third run in November bills no fee again (one charge per contract and month).
    run(billing, cut_off=dt.date(2026, 11, 30))
    assert Invoice.objects.count() == 2


def test_fixed_price_and_no_charge_bill_nothing(engineer, billing, client_acme):
    fixed = Contract.objects.create(
        client=client_acme, name="Migration", kind=ContractKind.FIXED_PRICE, starts_on=MONDAY
    )
    ticket = TicketFactory(client=client_acme, contract=fixed)
    entry = approved(engineer, ticket, at(MONDAY, 10), 60 * M, charge_type=ChargeTypeFactory())
    run(billing)
    (line,) = only_invoice().lines.all()
    assert (line.kind, line.amount, line.billed_seconds) == (LineKind.COVERED, 0, 3600)
    entry.refresh_from_db()
    assert entry.invoice_line_id == line.pk


def test_capped_timer_entries_wait_for_review(engineer, billing, ticket):
    entry = approved(engineer, ticket, at(MONDAY, 10), 60 * M, needs_review=True)
    result = invoice_run_execute(cut_off=SUNDAY, actor=billing)
    assert result.previews == []
    approved(engineer, ticket, at(MONDAY, 12), 60 * M)
    result = invoice_run_execute(cut_off=SUNDAY, actor=billing)
    (plan,) = result.previews
    assert "capped timers" in plan.warnings[0]
    run(billing)
    entry.refresh_from_db()
    assert entry.invoice_line_id is None
