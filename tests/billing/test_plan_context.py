"""Contract state read once per batch of clients gives the same plans as reading it per
contract and month."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.billing.models import Invoice, LineKind
from tallyhour.billing.pricing import PlanContext, retainer_used_seconds
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import (
    Contract,
    ContractKind,
    PrepayEntry,
    PrepayKind,
    RetainerCharge,
)
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, ClientFactory, TicketFactory

pytestmark = pytest.mark.django_db
M = 60


def run(billing, cut_off: dt.date):
    return invoice_run_execute(cut_off=cut_off, actor=billing, commit=True)


def retainer(client, *, rollover: bool = True) -> Contract:
    return Contract.objects.create(
        client=client,
        name="Gold",
        kind=ContractKind.RETAINER,
        starts_on=dt.date(2026, 9, 1),
        is_default=True,
        retainer_fee=Decimal("500.00"),
        retainer_included_minutes=120,
        overage_multiplier=Decimal("1.25"),
        rollover=rollover,
    )


def test_retainer_usage_read_for_the_batch_matches_each_month(engineer, billing, client_acme):
    contract = retainer(client_acme)
    charge = ChargeTypeFactory(name="Managed", hourly_rate=Decimal("100.00"))
    ticket = TicketFactory(client=client_acme, summary="Servers")
    # 30 min in September, 60 in October, 90 in November, each on its own draft invoice.
    for day, minutes in ((dt.date(2026, 9, 14), 30), (dt.date(2026, 10, 13), 60), (MONDAY, 90)):
        approved(engineer, ticket, at(day, 10), minutes * M, charge_type=charge)
        run(billing, cut_off=day)
    context = PlanContext.load([client_acme.pk], since=dt.date(2026, 10, 1))
    months = [dt.date(2026, month, 1) for month in (8, 9, 10, 11, 12)]
    # September is before `since`: read on its own; the others come from the batch's read.
    assert [context.used_seconds(contract, month) for month in months] == [
        retainer_used_seconds(contract, month) for month in months
    ]
    assert [context.used_seconds(contract, month) for month in months] == [
        0,
        30 * M,
        60 * M,
        90 * M,
        0,
    ]


def test_second_run_in_a_month_counts_included_time_already_drafted(engineer, billing, client_acme):
    retainer(client_acme, rollover=False)
    charge = ChargeTypeFactory(name="Managed", hourly_rate=Decimal("100.00"))
    ticket = TicketFactory(client=client_acme, summary="Servers")
    approved(engineer, ticket, at(MONDAY, 9), 90 * M, charge_type=charge)
    first = run(billing, cut_off=MONDAY)
    approved(engineer, ticket, at(MONDAY + dt.timedelta(days=1), 9), 60 * M, charge_type=charge)
    second = run(billing, cut_off=MONDAY + dt.timedelta(days=1))
    (invoice,) = second.invoices
    lines = {line.kind: line for line in invoice.lines.all()}
    # 120 min included, 90 already on the first run's draft: 30 included, 30 overage.
    assert lines[LineKind.RETAINER_INCLUDED].billed_seconds == 30 * M
    assert lines[LineKind.OVERAGE].billed_seconds == 30 * M
    assert invoice.pk != first.invoices[0].pk


def test_fee_without_entries_still_rolls_over_last_month(engineer, billing, client_acme):
    contract = retainer(client_acme)
    charge = ChargeTypeFactory(name="Managed", hourly_rate=Decimal("100.00"))
    ticket = TicketFactory(client=client_acme, summary="Servers")
    approved(engineer, ticket, at(dt.date(2026, 10, 13), 10), 60 * M, charge_type=charge)
    run(billing, cut_off=dt.date(2026, 10, 31))
    # November has no time: the fee alone, with October's unused time rolled over: its own
    # hour left plus the two September rolled into it.
    run(billing, cut_off=dt.date(2026, 11, 30))
    november = RetainerCharge.objects.get(contract=contract, period_start=dt.date(2026, 11, 1))
    assert november.rollover_seconds == 3 * 3600


def test_prepay_and_retainer_clients_in_one_batch(engineer, billing, client_acme):
    other = ClientFactory(name="Globex", currency="GBP", tax_rate=Decimal("20.00"))
    prepay = Contract.objects.create(
        client=other,
        name="Block",
        kind=ContractKind.PREPAY,
        starts_on=dt.date(2026, 9, 1),
        is_default=True,
        prepay_fallback_to_payg=True,
    )
    block = PrepayEntry.objects.create(
        contract=prepay,
        kind=PrepayKind.PURCHASE,
        seconds=2 * 3600,
        purchased_on=dt.date(2026, 9, 1),
        created_at=at(MONDAY, 8),
    )
    # An hour of the block was drawn earlier: one hour is left.
    PrepayEntry.objects.create(
        contract=prepay,
        kind=PrepayKind.DRAWDOWN,
        seconds=-3600,
        block=block,
        created_at=at(MONDAY, 8),
    )
    retainer(client_acme, rollover=False)
    charge = ChargeTypeFactory(name="Managed", hourly_rate=Decimal("100.00"))
    approved(
        engineer,
        TicketFactory(client=client_acme, summary="Servers"),
        at(MONDAY, 9),
        150 * M,
        charge_type=charge,
    )
    approved(
        engineer,
        TicketFactory(client=other, summary="Laptops"),
        at(MONDAY, 9),
        90 * M,
        charge_type=charge,
    )
    result = run(billing, cut_off=MONDAY)
    kinds = {
        invoice.client_id: {line.kind: line.billed_seconds for line in invoice.lines.all()}
        for invoice in Invoice.objects.filter(run=result.run)
    }
    assert kinds[client_acme.pk][LineKind.RETAINER_INCLUDED] == 120 * M
    assert kinds[client_acme.pk][LineKind.OVERAGE] == 30 * M
    assert kinds[other.pk] == {LineKind.PREPAY: 60 * M, LineKind.TIME: 30 * M}
