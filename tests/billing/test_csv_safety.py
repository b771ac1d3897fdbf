"""Invoice CSVs (list, lines, accounting import) downloaded from the billing pages: text a
spreadsheet would run as a formula arrives quoted, credit-note amounts stay plain numbers, and
invoice downloads are never cached."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from tallyhour.billing.invoices import invoice_credit, invoice_issue, invoice_line_add
from tallyhour.billing.runs import invoice_run_execute
from tests.billing.entries import approved
from tests.conftest import MONDAY, at, login

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def credited(engineer, billing, ticket, client_acme):
    client_acme.name = LINK
    client_acme.save()
    approved(engineer, ticket, at(MONDAY, 10), 3600, note="@SUM(A1)")
    (invoice,) = invoice_run_execute(
        cut_off=MONDAY + dt.timedelta(days=6), actor=billing, commit=True
    ).invoices
    for text in ("-2+3", "@SUM(A1)", "+1+1"):
        invoice_line_add(
            invoice=invoice,
            description=text,
            quantity=Decimal("1"),
            unit_price=Decimal("12.50"),
            actor=billing,
        )
    issued = invoice_issue(invoice=invoice, actor=billing, now=at(MONDAY + dt.timedelta(days=7), 9))
    credit = invoice_credit(invoice=issued, actor=billing, reason="Wrong client")
    return issued, credit


def download(user, name: str, *args) -> list[dict[str, str]]:
    response = login(user).get(reverse(name, args=args))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_accounting_csv(billing, credited):
    issued, credit = credited
    rows = download(billing, "billing:invoice_list_csv", "accounting")
    assert {row["*ContactName"] for row in rows} == {"'" + LINK}
    manual = [row for row in rows if row["*Description"].startswith("'")]
    assert sorted(row["*Description"] for row in manual) == sorted(
        ["'-2+3", "'-2+3", "'@SUM(A1)", "'@SUM(A1)", "'+1+1", "'+1+1"]
    )
    credit_rows = [row for row in rows if row["*InvoiceNumber"] == credit.number]
    assert credit_rows and all(row["Reference"] == issued.number for row in credit_rows)
    for row in credit_rows:
        assert row["*Quantity"].startswith("-")  # a number, not the text "'-1"
        assert Decimal(row["*Quantity"]) * Decimal(row["*UnitAmount"]) < 0


def test_invoice_list_csv(billing, credited):
    _, credit = credited
    rows = {row["number"]: row for row in download(billing, "billing:invoice_list_csv", "invoices")}
    assert {row["client"] for row in rows.values()} == {"'" + LINK}
    assert rows[credit.number]["total"] == str(credit.total)
    assert Decimal(rows[credit.number]["total"]) < 0


def test_lines_csv_of_a_credit_note(billing, credited):
    _, credit = credited
    rows = download(billing, "billing:invoice_download", credit.pk, "csv")
    by_text = {row["description"]: row for row in rows}
    assert {"'-2+3", "'@SUM(A1)", "'+1+1"} <= set(by_text)
    assert by_text["'-2+3"]["amount"] == "-12.50"
    assert by_text["'-2+3"]["quantity"].startswith("-")
    time_line = next(row for row in rows if row["description"].startswith("#"))
    assert time_line["billed_seconds"].startswith("-") and int(time_line["billed_seconds"]) < 0


def test_invoice_pdf_is_not_cached(billing, credited):
    issued, _ = credited
    response = login(billing).get(reverse("billing:invoice_download", args=[issued.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
