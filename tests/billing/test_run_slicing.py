"""Property: what is billed does not depend on how the span is sliced into runs.

One run to the end of November bills exactly what runs at any earlier cut-offs followed by
one to the end of November bill: retainer fees and rollover (each month's unused hours roll
into the next before its overage is worked out), prepaid blocks that expire, and a client
rate that starts part-way.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import InvoiceLine, InvoiceState
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import (
    Contract,
    ContractKind,
    PrepayEntry,
    PrepayKind,
    Rate,
    RetainerCharge,
)
from tests.billing.entries import approved
from tests.conftest import at
from tests.factories import ChargeTypeFactory, ClientFactory, TicketFactory

pytestmark = pytest.mark.django_db

FIRST = dt.date(2026, 8, 1)
LAST = dt.date(2026, 11, 30)
SPAN = (LAST - FIRST).days

entries = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, SPAN), st.integers(9, 16), st.integers(1, 5)),
    min_size=1,
    max_size=25,
)
slicings = st.lists(st.integers(0, SPAN - 1), max_size=4, unique=True).map(sorted)


@pytest.fixture
def book(db):
    charge = ChargeTypeFactory(name="Support", hourly_rate=Decimal("100.00"))
    retained, prepaid, hourly = (
        ClientFactory(name="Retained Ltd"),
        ClientFactory(name="Prepaid Ltd"),
        ClientFactory(name="Hourly Ltd"),
    )
    Contract.objects.create(
        client=retained,
        name="Care plan",
        kind=ContractKind.RETAINER,
        starts_on=FIRST,
        is_default=True,
        retainer_fee=Decimal("400.00"),
        retainer_included_minutes=180,
        overage_multiplier=Decimal("1.50"),
        rollover=True,
    )
    block = Contract.objects.create(
        client=prepaid,
        name="Blocks",
        kind=ContractKind.PREPAY,
        starts_on=FIRST,
        is_default=True,
        prepay_fallback_to_payg=True,
    )
    for hours, bought, expires in (
        (4, FIRST, dt.date(2026, 9, 30)),
        (6, dt.date(2026, 9, 15), None),
    ):
        PrepayEntry.objects.create(
            contract=block,
            kind=PrepayKind.PURCHASE,
            seconds=hours * 3600,
            amount=Decimal("90") * hours,
            purchased_on=bought,
            expires_on=expires,
            created_at=at(bought, 8),
        )
    Rate.objects.create(
        client=hourly,
        charge_type=charge,
        hourly_rate=Decimal("150.00"),
        valid_from=dt.date(2026, 10, 1),
    )
    tickets = [
        TicketFactory(client=client, charge_type=charge) for client in (retained, prepaid, hourly)
    ]
    return {"tickets": tickets}


def billed() -> tuple[Counter, Counter]:
    """Amount and seconds per client and line kind on live invoices and records."""
    amounts: Counter = Counter()
    seconds: Counter = Counter()
    rows = (
        InvoiceLine.objects.exclude(invoice__state=InvoiceState.VOID)
        .values("invoice__client__name", "kind")
        .annotate(amount=Sum("amount"), seconds=Sum("billed_seconds"))
    )
    for row in rows:
        key = (row["invoice__client__name"], row["kind"])
        amounts[key] += row["amount"]
        seconds[key] += row["seconds"]
    return +amounts, +seconds


def bill(billing, cut_offs: list[dt.date], issue: bool) -> tuple[Counter, Counter, list]:
    for cut_off in cut_offs:
        for invoice in invoice_run_execute(cut_off=cut_off, actor=billing, commit=True).invoices:
            if issue and invoice.state == InvoiceState.DRAFT:
                invoice_issue(invoice=invoice, actor=billing, now=at(cut_off, 20))
    charges = sorted(RetainerCharge.objects.values_list("period_start", "rollover_seconds"))
    return *billed(), charges


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=entries, slicing=slicings, issue=st.booleans())
def test_billing_does_not_depend_on_how_runs_slice_the_span(
    engineer, billing, book, specs, slicing, issue
):
    results = []
    for cut_offs in ([LAST], [FIRST + dt.timedelta(days=d) for d in slicing] + [LAST]):
        with transaction.atomic():
            for index, (client, day, hour, half_hours) in enumerate(specs):
                start = at(FIRST + dt.timedelta(days=day), hour, index % 60)
                approved(engineer, book["tickets"][client], start, half_hours * 1800)
            results.append(bill(billing, cut_offs, issue))
            transaction.set_rollback(True)
    once, sliced = results
    assert sliced == once
