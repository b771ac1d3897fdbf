"""Property: whatever the entries and whatever runs, voids and issues happen, every approved
billable entry up to the cut-off sits on exactly one live invoice line, totals add up, and
raw worked time never changes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyhour.billing.invoices import (
    invoice_credit,
    invoice_issue,
    invoice_line_remove,
    invoice_void,
)
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceState, LineKind, LineTime
from tallyhour.billing.pricing import billed_hours
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.billing.selectors import cut_off_instant
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry, PrepayKind
from tallyhour.core.errors import Conflict
from tallyhour.core.money import round_money
from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, ClientFactory, TicketFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

entries_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "ticket": st.integers(0, 3),
            "charge": st.integers(0, 2),
            "day": st.integers(0, 13),
            "seconds": st.integers(1, 10 * 3600),
            "billable": st.booleans(),
            "kept_percent": st.sampled_from([0, 37, 100, 100]),
            "state": st.sampled_from(EntryState.values),
        }
    ),
    min_size=1,
    max_size=14,
)
client_filters = st.sampled_from([(), (0,), (1,), (0, 1)])
ops_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("run"), st.integers(0, 13), client_filters, st.booleans()),
        st.tuples(st.just("void"), st.integers(0, 9)),
        st.tuples(st.just("issue"), st.integers(0, 9)),
        st.tuples(st.just("credit"), st.integers(0, 9)),
        st.tuples(st.just("remove_line"), st.integers(0, 9)),
    ),
    max_size=6,
)


@pytest.fixture
def book(db):
    """Two clients (GBP and JPY) with two tickets each, and three charge types."""
    clients = [
        ClientFactory(name="Pounds Ltd", currency="GBP", tax_rate=Decimal("20.00")),
        ClientFactory(name="Yen KK", currency="JPY", tax_rate=Decimal("10.00")),
    ]
    charges = [
        ChargeTypeFactory(
            name="Remote", hourly_rate=Decimal("90.00"), multiplier_out_of_hours=Decimal("1.5")
        ),
        ChargeTypeFactory(
            name="Odd",
            hourly_rate=Decimal("77.77"),
            rounding_increment_minutes=15,
            rounding_minimum_minutes=30,
            rounding_scope="ticket_day",
        ),
        ChargeTypeFactory(name="Internal", is_billable=False, hourly_rate=Decimal("0")),
    ]
    tickets = [TicketFactory(client=clients[i // 2]) for i in range(4)]
    # The pound client prepaid 5 hours and falls back to pay-as-you-go when they run out.
    prepay = Contract.objects.create(
        client=clients[0],
        name="Block",
        kind=ContractKind.PREPAY,
        starts_on=MONDAY - dt.timedelta(days=30),
        is_default=True,
    )
    PrepayEntry.objects.create(
        contract=prepay,
        kind=PrepayKind.PURCHASE,
        seconds=5 * 3600,
        amount=Decimal("400"),
        created_at=at(MONDAY, 0),
    )
    return {"clients": clients, "charges": charges, "tickets": tickets, "prepay": prepay}


def make_entries(engineer, book, specs) -> list[TimeEntry]:
    entries = []
    for index, spec in enumerate(specs):
        start = at(MONDAY, 0) + dt.timedelta(days=spec["day"], minutes=index)
        worked = spec["seconds"]
        billable = worked * spec["kept_percent"] // 100 if spec["billable"] else 0
        entries.append(
            TimeEntryFactory(
                agent=engineer,
                ticket=book["tickets"][spec["ticket"]],
                charge_type=book["charges"][spec["charge"]],
                started_at=start,
                ended_at=start + dt.timedelta(seconds=worked),
                worked_seconds=worked,
                is_billable=spec["billable"],
                billable_seconds=billable,
                state=spec["state"],
            )
        )
    return entries


def eligible(entry: TimeEntry, cut_off: dt.date) -> bool:
    return (
        entry.state == EntryState.APPROVED
        and entry.is_billable
        and entry.billable_seconds > 0
        and entry.ticket_id is not None
        and entry.started_at < cut_off_instant(cut_off)
    )


def check_invariants(entries, raw, final_cut_off, latest_cut_off, prepay) -> None:
    for entry in TimeEntry.objects.filter(pk__in=[e.pk for e in entries]).select_related(
        "invoice_line__invoice"
    ):
        assert (
            entry.started_at,
            entry.ended_at,
            entry.worked_seconds,
            entry.billable_seconds,
        ) == raw[entry.pk]
        if eligible(entry, final_cut_off):
            assert entry.invoice_line is not None
        if entry.invoice_line is not None:
            assert entry.invoice_line.invoice.state != InvoiceState.VOID
            assert eligible(entry, latest_cut_off)
            assert (entry.invoice_line.ticket_id, entry.invoice_line.charge_type_id) == (
                entry.ticket_id,
                entry.charge_type_id,
            )

    for invoice in Invoice.objects.prefetch_related("lines"):
        lines = list(invoice.lines.all())
        subtotal = sum((line.amount for line in lines), Decimal("0"))
        assert invoice.subtotal == subtotal
        assert invoice.tax_amount == round_money(
            subtotal * invoice.tax_rate / 100, invoice.currency
        )
        assert invoice.total == invoice.subtotal + invoice.tax_amount
        if invoice.state == InvoiceState.VOID:
            continue
        assert lines, "a live invoice always has lines"
        for line in lines:
            # Every line reconciles: quantity × rate, rounded once, is its amount.
            assert line.amount == round_money(line.quantity * line.rate, invoice.currency)
            if line.kind in (LineKind.MANUAL, LineKind.FEE):
                continue
            sign = -1 if invoice.is_credit_note else 1
            if not invoice.is_credit_note:
                shares = LineTime.objects.filter(line=line).aggregate(s=Sum("seconds"))["s"]
                assert line.billed_seconds == shares
            assert sign * line.quantity == billed_hours(sign * line.billed_seconds, 2)

    # Prepay: balance = purchases − drawdowns, and the net drawdown is exactly the prepaid
    # time still billed on live invoices.
    ledger = PrepayEntry.objects.filter(contract=prepay)
    purchases = ledger.filter(kind=PrepayKind.PURCHASE).aggregate(s=Sum("seconds"))["s"]
    drawn = -(ledger.exclude(kind=PrepayKind.PURCHASE).aggregate(s=Sum("seconds"))["s"] or 0)
    assert ledger.aggregate(s=Sum("seconds"))["s"] == purchases - drawn
    on_invoices = LineTime.objects.filter(
        line__kind=LineKind.PREPAY,
        line__invoice__state__in=["draft", "issued", "paid", "no_charge"],
        entry__invoice_line__invoice=F("line__invoice"),
    ).aggregate(s=Sum("seconds"))["s"]
    assert drawn == (on_invoices or 0)

    issued = sorted(Invoice.objects.exclude(number=None).values_list("number_sequence", flat=True))
    assert issued == list(range(1, len(issued) + 1))


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=entries_strategy, ops=ops_strategy, final_day=st.integers(0, 13))
def test_every_billable_entry_is_billed_once(engineer, billing, book, specs, ops, final_day):
    with transaction.atomic():
        entries = make_entries(engineer, book, specs)
        raw = {
            e.pk: (e.started_at, e.ended_at, e.worked_seconds, e.billable_seconds) for e in entries
        }
        latest_cut_off = MONDAY
        for op in ops:
            invoices = list(Invoice.objects.order_by("pk"))
            if op[0] == "run":
                _, day, chosen, commit = op
                cut_off = MONDAY + dt.timedelta(days=day)
                client_ids = [book["clients"][i].pk for i in chosen]
                before = InvoiceLine.objects.count()
                invoice_run_execute(
                    cut_off=cut_off, actor=billing, client_ids=client_ids, commit=commit
                )
                if commit:
                    latest_cut_off = max(latest_cut_off, cut_off)
                else:
                    assert InvoiceLine.objects.count() == before
            elif invoices:
                invoice = invoices[op[1] % len(invoices)]
                is_draft = invoice.state == InvoiceState.DRAFT
                try:
                    if op[0] == "void":
                        is_draft = invoice.state in ("draft", "no_charge")
                        invoice_void(invoice=invoice, actor=billing, reason="property")
                    elif op[0] == "credit":
                        is_draft = invoice.state in ("issued", "paid") and not (
                            invoice.is_credit_note or invoice.credit_notes.exists()
                        )
                        invoice_credit(invoice=invoice, actor=billing, reason="property")
                    elif op[0] == "remove_line":
                        line = invoice.lines.order_by("pk").first()
                        if is_draft and line is None:
                            continue
                        invoice_line_remove(
                            invoice=invoice, line_id=line.pk if line else 0, actor=billing
                        )
                        if not invoice.lines.exists():
                            invoice_void(invoice=invoice, actor=billing, reason="emptied")
                    else:
                        invoice_issue(invoice=invoice, actor=billing, now=at(MONDAY, 12))
                except Conflict:
                    assert not is_draft
                else:
                    assert is_draft
        final_cut_off = MONDAY + dt.timedelta(days=final_day)
        invoice_run_execute(cut_off=final_cut_off, actor=billing, commit=True)
        check_invariants(
            entries, raw, final_cut_off, max(latest_cut_off, final_cut_off), book["prepay"]
        )
        transaction.set_rollback(True)
