"""Property: every line of every invoice reconciles in every format it leaves in.

For random time (rounding rules, out-of-hours and weekend multipliers, write-offs) in random
document locales, over time-and-materials, prepaid, retainer, reverse-charge and yen clients,
with manual lines and a credit note: on the invoice, the lines CSV, the accounting import,
the e-invoice (schema, EN 16931 rules, line arithmetic), the Halo invoice answer, and the
document the page and the PDF share (as printed, in the client's number format), quantity ×
unit price rounded to the currency is the line amount, and the lines add up to the subtotal.
"""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from babel.numbers import get_decimal_symbol, get_group_symbol, parse_decimal
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tallyhour.billing import documents
from tallyhour.billing.exports import accounting_csv, invoice_pdf, lines_csv, ubl_invoice
from tallyhour.billing.invoices import invoice_credit, invoice_issue, invoice_line_add
from tallyhour.billing.models import Invoice, InvoiceState
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry, PrepayKind
from tallyhour.core.money import round_money
from tallyhour.crm.models import Client
from tallyhour.halo.schemas import invoice_record
from tests.billing.einvoice import assert_valid_einvoice
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, ClientFactory, TicketFactory

pytestmark = pytest.mark.django_db

entries = st.lists(
    st.fixed_dictionaries(
        {
            "client": st.integers(0, 4),
            "charge": st.integers(0, 2),
            "day": st.integers(0, 20),
            "hour": st.integers(5, 21),
            "seconds": st.integers(1, 4 * 3600),
            "kept_percent": st.sampled_from([100, 100, 61, 0]),
        }
    ),
    min_size=1,
    max_size=16,
)
manual_lines = st.lists(
    st.tuples(
        st.decimals("-5", "40", places=4).filter(lambda q: q != 0),
        st.decimals("-99.99", "999.99", places=2),
    ),
    max_size=2,
)


@pytest.fixture
def book(db, org):
    charges = [
        ChargeTypeFactory(
            name="Remote",
            hourly_rate=Decimal("90.00"),
            multiplier_out_of_hours=Decimal("1.50"),
            multiplier_weekend=Decimal("2.00"),
        ),
        ChargeTypeFactory(
            name="Quarter hours",
            hourly_rate=Decimal("77.77"),
            rounding_increment_minutes=15,
            rounding_minimum_minutes=30,
            rounding_scope="ticket_day",
        ),
        ChargeTypeFactory(
            name="Six minutes", hourly_rate=Decimal("123.45"), rounding_increment_minutes=6
        ),
    ]
    clients = [
        ClientFactory(name="Time Ltd", currency="GBP", tax_rate=Decimal("20.00")),
        ClientFactory(name="Prepaid Ltd", currency="GBP", tax_rate=Decimal("20.00")),
        ClientFactory(name="Retained BV", currency="EUR", tax_rate=Decimal("21.00")),
        ClientFactory(name="Yen KK", currency="JPY", tax_rate=Decimal("10.00")),
        ClientFactory(
            name="Reverse GmbH", currency="EUR", reverse_charge=True, tax_id="DE123456789"
        ),
    ]
    org.tax_id = "GB123456789"
    org.save()
    prepay = Contract.objects.create(
        client=clients[1],
        name="Block",
        kind=ContractKind.PREPAY,
        starts_on=MONDAY - dt.timedelta(days=30),
        is_default=True,
        prepay_fallback_to_payg=True,
    )
    PrepayEntry.objects.create(
        contract=prepay,
        kind=PrepayKind.PURCHASE,
        seconds=3 * 3600,
        amount=Decimal("250"),
        created_at=at(MONDAY, 0),
    )
    Contract.objects.create(
        client=clients[2],
        name="Care plan",
        kind=ContractKind.RETAINER,
        starts_on=MONDAY.replace(day=1),
        is_default=True,
        retainer_fee=Decimal("500.00"),
        retainer_included_minutes=120,
        overage_multiplier=Decimal("1.25"),
    )
    tickets = [TicketFactory(client=client, charge_type=charges[0]) for client in clients]
    return {"charges": charges, "tickets": tickets}


def reconciles(quantity: Decimal, price: Decimal, amount: Decimal, currency: str) -> bool:
    return round_money(quantity * price, currency) == amount


def printed(text: str, locale: str) -> Decimal:
    """A figure as a document prints it ("1.234,50 €", "£95.125", "2.25") read back."""
    keep = "0123456789-" + get_decimal_symbol(locale) + get_group_symbol(locale)
    digits = "".join(ch for ch in text.replace("\u2212", "-") if ch in keep)
    return parse_decimal(digits, locale=locale, strict=False)


def check_document(invoice: Invoice, *, pdf: bool) -> None:
    """The printed quantity × printed price is the printed amount on every line, and the
    printed amounts add up to the printed subtotal; the PDF prints the same figures."""
    doc = documents.build(invoice)
    total = Decimal(0)
    for line in doc.lines:
        quantity, price = printed(line.quantity, doc.locale), printed(line.price, doc.locale)
        amount = printed(line.amount, doc.locale)
        assert reconciles(quantity, price, amount, invoice.currency), line
        total += amount
    assert total == printed(doc.subtotal, doc.locale)
    if pdf:
        text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(invoice_pdf(invoice))).pages
        )
        text = " ".join(text.split())
        for line in doc.lines:
            for figure in (line.quantity, line.price, line.amount):
                assert " ".join(figure.split()) in text, figure


def check_every_format(invoice: Invoice) -> None:
    currency = invoice.currency
    lines = list(invoice.lines.all())
    for line in lines:
        assert reconciles(line.quantity, line.rate, line.amount, currency), line.description
    assert sum((line.amount for line in lines), Decimal(0)) == invoice.subtotal

    rows = list(csv.DictReader(io.StringIO(lines_csv([invoice]))))
    for row in rows:
        quantity, rate = Decimal(row["quantity"]), Decimal(row["rate"])
        assert reconciles(quantity, rate, Decimal(row["amount"]), currency)
    assert sum(Decimal(row["amount"]) for row in rows) == invoice.subtotal

    if invoice.number:
        rows = list(csv.DictReader(io.StringIO(accounting_csv([invoice]))))
        total = Decimal(0)
        for row in rows:
            total += round_money(Decimal(row["*Quantity"]) * Decimal(row["*UnitAmount"]), currency)
        assert total == invoice.subtotal

    assert_valid_einvoice(ubl_invoice(invoice))

    # Read as a Halo client reads the JSON numbers: exactly as written on the wire.
    record = json.loads(json.dumps(invoice_record(invoice, with_lines=True)), parse_float=Decimal)
    for line in record["lines"]:
        qty, price = Decimal(line["qty_order"]), Decimal(line["unit_price"])
        assert reconciles(qty, price, Decimal(line["net_amount"]), currency)
    assert sum(Decimal(line["net_amount"]) for line in record["lines"]) == Decimal(
        record["total_net"]
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=entries,
    manual=manual_lines,
    credit_first=st.booleans(),
    locale=st.sampled_from(["en_GB", "de_DE", "fr_FR", "en_IN"]),
)
def test_every_line_reconciles_in_every_format(
    engineer, billing, book, specs, manual, credit_first, locale
):
    with transaction.atomic():
        Client.objects.update(locale=locale)
        for index, spec in enumerate(specs):
            start = at(MONDAY + dt.timedelta(days=spec["day"]), spec["hour"], index)
            approved(
                engineer,
                book["tickets"][spec["client"]],
                start,
                spec["seconds"],
                charge_type=book["charges"][spec["charge"]],
                billable_seconds=spec["seconds"] * spec["kept_percent"] // 100,
            )
        cut_off = MONDAY + dt.timedelta(days=21)
        drafts = invoice_run_execute(cut_off=cut_off, actor=billing, commit=True).invoices
        issued = []
        for invoice in drafts:
            if invoice.state != InvoiceState.DRAFT:
                continue
            for quantity, price in manual:
                invoice_line_add(
                    invoice=invoice,
                    description="Hardware",
                    quantity=quantity,
                    unit_price=price,
                    actor=billing,
                )
            issued.append(invoice_issue(invoice=invoice, actor=billing, now=at(cut_off, 9)))
        if credit_first and issued:
            issued.append(invoice_credit(invoice=issued[0], actor=billing, reason="property"))
        for index, invoice in enumerate(Invoice.objects.exclude(state=InvoiceState.VOID)):
            check_every_format(invoice)
            # Rendering a PDF is slow: one per example covers the PDF's printing of it.
            check_document(invoice, pdf=index == 0)
        transaction.set_rollback(True)
