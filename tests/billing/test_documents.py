"""The invoice document: one template for page and PDF, formatted in the client's locale."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from tallyhour.billing import documents
from tallyhour.billing.exports import invoice_pdf
from tallyhour.billing.invoices import invoice_credit, invoice_issue, invoice_line_add
from tallyhour.billing.models import Invoice
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core import localformat
from tallyhour.servicedesk.models import Action
from tests.billing.entries import approved
from tests.conftest import MONDAY, at, login

CUT_OFF = MONDAY + dt.timedelta(days=6)


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def draft_for(engineer, billing, ticket) -> Invoice:
    approved(engineer, ticket, at(MONDAY, 10), 5400, note="Replaced the fuser")
    (invoice,) = invoice_run_execute(cut_off=CUT_OFF, actor=billing, commit=True).invoices
    return invoice


def add(invoice: Invoice, billing, description: str, quantity: str, price: str) -> None:
    invoice_line_add(
        invoice=invoice,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        actor=billing,
    )


def issue(invoice: Invoice, billing) -> Invoice:
    return invoice_issue(invoice=invoice, actor=billing, now=at(MONDAY + dt.timedelta(days=7), 9))


def test_money_and_numbers_follow_the_locale():
    assert localformat.money(Decimal("1234.50"), "GBP", "en_GB") == "£1,234.50"
    assert localformat.money(Decimal("1234.50"), "EUR", "de_DE") == "1.234,50\xa0€"
    # Unit prices keep every stored decimal, amounts at least the currency's.
    assert localformat.money(Decimal("95.1250"), "GBP", "en_GB") == "£95.125"
    assert localformat.money(Decimal("1000"), "JPY", "en_GB").endswith("1,000")
    assert localformat.number(Decimal("1.5000"), "en_GB", 2) == "1.50"
    assert localformat.number(Decimal("2.2500"), "de_DE", 2) == "2,25"
    assert localformat.number(Decimal("0.1250"), "en_GB", 0) == "0.125"
    assert localformat.money(Decimal("5"), "GBP", "not_a_locale") == "£5.00"


def test_pdf_in_pounds(engineer, billing, ticket, org):
    invoice = draft_for(engineer, billing, ticket)
    add(invoice, billing, "Server licence", "1", "1234.50")
    Invoice.objects.filter(pk=invoice.pk).update(purchase_order="PO-4471")
    invoice = issue(invoice, billing)
    (text,) = pdf_pages(invoice_pdf(invoice))
    assert invoice.number in text and "Acme Ltd" in text and "Test MSP" in text
    assert "£1,234.50" in text and "Your reference" in text and "PO-4471" in text
    assert "1.50 h" in text  # 90 minutes at two places
    assert localformat.money(invoice.total, "GBP", "en_GB") in text
    assert "Due within 14 days" in text and "Page 1 of 1" in text
    assert "continued" not in text


def test_pdf_in_the_clients_locale(engineer, billing, ticket, client_acme):
    client_acme.locale, client_acme.currency = "de_DE", "EUR"
    client_acme.save()
    invoice = draft_for(engineer, billing, ticket)
    add(invoice, billing, "Lizenz", "1", "1234.50")
    invoice.refresh_from_db()
    (text,) = pdf_pages(invoice_pdf(invoice))
    assert "1.234,50 €" in text and "1,50 h" in text
    assert "Draft invoice" in text and "Due within 14 days of issue" in text


def test_long_invoice_numbers_pages_and_continues_the_header(engineer, billing, ticket):
    invoice = draft_for(engineer, billing, ticket)
    for number in range(85):
        add(invoice, billing, f"Part {number:03d}", "2", "10.00")
    invoice = issue(invoice, billing)
    pages = pdf_pages(invoice_pdf(invoice))
    count = len(pages)
    assert count >= 2
    assert f"Page 1 of {count}" in pages[0] and "continued" not in pages[0]
    for index, text in enumerate(pages[1:], start=2):
        assert f"Page {index} of {count}" in text
        assert f"{invoice.title} (continued)" in text
        if "Part " in text:
            assert "Description" in text  # the table's header repeats
    ending = "".join(pages[-2:])
    assert "Part 084" in ending and "Balance" not in ending and "Total GBP" in ending


def test_paid_part_shows_the_balance_and_bank_details(engineer, billing, ticket, org):
    org.bank_details = "Northern Bank\nSort code 12-34-56"
    org.payment_instructions = "Quote the invoice number."
    org.save()
    invoice = issue(draft_for(engineer, billing, ticket), billing)
    Invoice.objects.filter(pk=invoice.pk).update(amount_paid=Decimal("10.00"))
    invoice.refresh_from_db()
    (text,) = pdf_pages(invoice_pdf(invoice))
    assert "Amount paid" in text and "£10.00" in text
    assert localformat.money(invoice.total - 10, "GBP", "en_GB") in text
    assert "Sort code 12-34-56" in text and "Quote the invoice number." in text


def test_credit_note_says_what_it_credits(engineer, billing, ticket):
    invoice = issue(draft_for(engineer, billing, ticket), billing)
    credit = invoice_credit(invoice=invoice, actor=billing, reason="Wrong month")
    (text,) = pdf_pages(invoice_pdf(credit))
    assert f"Credit note {credit.number} credits invoice {invoice.number}" in text
    assert "issued 23 November 2026" in text


def test_reverse_charge_wording_and_tax_rows(engineer, billing, ticket, client_acme):
    client_acme.reverse_charge = True
    client_acme.save()
    invoice = draft_for(engineer, billing, ticket)
    doc = documents.build(invoice)
    assert [(row.rate, row.tax) for row in doc.tax_rows] == [("0 %", "£0.00")]
    (text,) = pdf_pages(invoice_pdf(invoice))
    assert "Reverse charge" in text and "Taxable amount" in text


def test_appendix_in_the_clients_zone_hides_internal_notes(engineer, billing, ticket, client_acme):
    client_acme.timezone = "America/New_York"
    client_acme.save()
    visible = approved(engineer, ticket, at(MONDAY, 15), 1800, note="Rebooted the router")
    Action.objects.create(
        ticket=ticket,
        agent=engineer,
        body="x",
        time_entry=visible,
        client_visible=True,
        created_at=at(MONDAY, 15),
    )
    invoice = draft_for(engineer, billing, ticket)  # adds an entry noted "Replaced the fuser"
    text = "\n".join(pdf_pages(invoice_pdf(invoice, with_entries=True)))
    assert "Times in America/New_York" in text
    assert "16 Nov 2026 10:00" in text  # 15:00 UTC
    assert "Rebooted the router" in text
    assert "Replaced the fuser" not in text and documents.NEUTRAL_NOTE in text


def test_logo_and_brand_colour(engineer, billing, ticket, org):
    org.logo = PNG
    org.logo_content_type = "image/png"
    org.brand_colour = "#aa3300"
    org.save()
    doc = documents.build(draft_for(engineer, billing, ticket))
    assert doc.logo_uri.startswith("data:image/png;base64,")
    assert documents.brand_css(org) == ":root { --brand: #aa3300; }\n"
    org.brand_colour = "red;}body{display:none"
    assert "#1f4e79" in documents.brand_css(org)


@pytest.fixture
def override(settings, tmp_path):
    folder = tmp_path / "billing"
    folder.mkdir()
    (folder / "document.html").write_text("<p>Our own layout for {{ doc.title }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]},
        *settings.TEMPLATES[1:],
    ]
    return tmp_path


def test_template_override_changes_page_and_pdf(engineer, billing, ticket, override):
    invoice = draft_for(engineer, billing, ticket)
    (text,) = pdf_pages(invoice_pdf(invoice))
    assert f"Our own layout for {invoice.title}" in text
    page = login(billing).get(reverse("billing:invoice_detail", args=[invoice.pk]))
    assert f"Our own layout for {invoice.title}" in page.content.decode()
    assert "Bill to" not in page.content.decode()


def test_pages_link_the_brand_stylesheet_and_render_the_document(engineer, billing, ticket):
    invoice = draft_for(engineer, billing, ticket)
    page = login(billing).get(reverse("billing:invoice_detail", args=[invoice.pk]))
    html = page.content.decode()
    assert 'href="/portal/brand.css?v=1f4e79"' in html and "billing/document.css" in html
    assert "Bill to" in html and "Due within 14 days of issue" in html and "1.50&nbsp;h" in html
    assert ' style="' not in html  # the strict CSP allows no inline style
    sheet = HttpClient().get(reverse("brand_css"))  # anyone, signed in or not
    assert sheet["Content-Type"] == "text/css"
    assert sheet.content == b":root { --brand: #1f4e79; }\n"


# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def test_reference_is_edited_on_drafts_only(engineer, billing, ticket):
    invoice = draft_for(engineer, billing, ticket)
    http = login(billing)
    url = reverse("billing:invoice_reference", args=[invoice.pk])
    assert http.post(url, {"purchase_order": " PO-9 "}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.purchase_order == "PO-9"
    page = http.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Your reference" in page and "PO-9" in page
    api = f"/api/v1/invoices/{invoice.pk}"
    answer = http.patch(api, {"purchase_order": "PO-10"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["purchase_order"] == "PO-10"
    issue(invoice, billing)
    answer = http.patch(api, {"purchase_order": "PO-11"}, content_type="application/json")
    assert answer.status_code == 409


def test_filters_for_overriding_templates(engineer, billing, ticket, client_acme):
    from django.template import Context, Template

    client_acme.locale = "de_DE"
    client_acme.save()
    doc = documents.build(draft_for(engineer, billing, ticket))
    template = Template("{% load documents %}{{ amount|money:doc }} | {{ hours|number:doc }}")
    context = Context({"doc": doc, "amount": Decimal("1234.5"), "hours": Decimal("2.2500")})
    assert template.render(context) == "1.234,50\xa0£ | 2,25"
