"""The portal statement CSV quotes ticket summaries a spreadsheet would run as formulas and
hours stay plain numbers; a credited invoice drops out of it; invoice pages, PDFs and
statements are never cached."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from tallyhour.billing.invoices import invoice_credit
from tests.conftest import login

pytestmark = pytest.mark.django_db


def statement(http, month: str) -> list[list[str]]:
    response = http.get(reverse("portal:statement_csv"), {"month": month})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_statement_csv_neutralises_summaries_and_drops_credited_invoices(
    world, billing, time_machine
):
    acme = world["acme"]
    acme.ticket.summary = '=HYPERLINK("http://x","y")'
    acme.ticket.save()
    http = login(acme.contact.user)
    november = statement(http, "2026-11")
    row = next(r for r in november if r[1] == str(acme.ticket.pk))
    assert row[2] == '\'=HYPERLINK("http://x","y")'
    assert Decimal(row[3]) > 0

    when = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
    time_machine.move_to(when, tick=False)
    invoice_credit(invoice=acme.invoice, actor=billing, reason="Disputed", now=when)
    # The credited invoice bills nothing now, and the credit note carries no time of its own:
    # neither month counts the ticket (the statement counts what the invoices still bill).
    for month in ("2026-11", "2026-12"):
        rows = statement(http, month)
        assert all(r[1] != str(acme.ticket.pk) for r in rows), month
        assert rows[-1][2] == "Total" and Decimal(rows[-1][3]) == 0


def test_invoice_pages_and_statement_are_not_cached(world):
    acme = world["acme"]
    http = login(acme.contact.user)
    for url in (
        reverse("portal:invoice_list"),
        reverse("portal:invoice_detail", args=[acme.invoice.pk]),
        reverse("portal:invoice_pdf", args=[acme.invoice.pk]),
        reverse("portal:statement") + "?month=2026-11",
        reverse("portal:statement_csv") + "?month=2026-11",
    ):
        response = http.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
