"""Invoicing in a real browser, end to end: billing previews a run, commits it, issues and
sends every draft in bulk (delivered to a real SMTP server on loopback), opens the PDF
(rendered to PNG for a look), and the client contact opens the invoice in the portal and
sees each line's entries add up to the line."""

import datetime as dt
import email
import email.policy
import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from tallyhour.billing.models import DeliveryState, Invoice, InvoiceDelivery, InvoiceState
from tallyhour.core import dates, tasks
from tallyhour.servicedesk.services import action_create
from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.billing.test_delivery_smtp import inbox  # noqa: F401 — the loopback SMTP fixture
from tests.e2e.conftest import ARTIFACTS, shot, watch_console
from tests.e2e.test_portal import sign_in
from tests.factories import TicketFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def log_time(ticket, engineer, start: dt.datetime) -> None:  # noqa: ANN001
    """Two client-visible replies and an internal note's time on the ticket."""
    for offset, kind, body, seconds in (
        (0, "reply", "Replaced the fuser unit; printing again", 5400),
        (2, "note", "Vendor margin on the part is 40 %", 1000),
        (3, "reply", "Checked the queue after the reboot", 1500),
    ):
        action_create(
            ticket=ticket,
            actor=engineer,
            kind=kind,
            body=body,
            time_seconds=seconds,
            now=start + dt.timedelta(hours=offset),
        )


def test_run_issue_send_pdf_and_the_portal_shows_the_time_behind_each_line(
    new_page,
    browser,
    live_server,
    console_errors,
    inbox,  # noqa: F811 — the fixture imported above
    org,
    engineer,
    billing,
    ticket,
    contact,
):
    handler, _ = inbox
    url = live_server.url
    org.email, org.tax_id = "accounts@msp.test", "GB123456789"
    org.bank_details = "Northern Bank · Sort code 12-34-56 · Account 12345678"
    org.save()
    contact.receives_invoices = True
    contact.save()
    acme = ticket.client
    acme.purchase_order, acme.billing_address = "PO-7731", "1 Acme Way\nLeeds"
    acme.save()
    globex = TicketFactory(summary="VPN down", charge_type=ticket.charge_type).client
    globex.billing_email = "ap@globex.test"
    globex.save()
    start = dates.now().replace(microsecond=0, minute=0) - dt.timedelta(days=2)
    log_time(ticket, engineer, start)
    log_time(globex.tickets.get(), engineer, start + dt.timedelta(hours=5))
    TimeEntry.objects.update(state=EntryState.APPROVED)

    # Billing previews the run, commits it, and issues and sends both drafts at once.
    fin = new_page(billing)
    fin.goto(f"{url}/billing/")
    with fin.expect_navigation():
        fin.get_by_role("button", name="Preview").click()
    assert fin.get_by_text("Acme Ltd").first.is_visible()
    shot(fin, "invoicing-1-preview")
    with fin.expect_navigation():
        fin.get_by_role("button", name=re.compile("^Commit")).click()
    assert fin.get_by_role("checkbox").count() == 2
    shot(fin, "invoicing-2-run")
    with fin.expect_navigation():
        fin.get_by_role("button", name="Issue and send selected").click()
    assert set(Invoice.objects.values_list("state", flat=True)) == {InvoiceState.ISSUED}
    # The worker sends the queued emails: both reach the SMTP server with both attachments.
    tasks.run_once()
    assert set(InvoiceDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    received = {tuple(to): raw for to, raw in handler.messages}
    # (The replies' notifications to staff went through the same server.)
    assert {(contact.email,), ("ap@globex.test",)} <= set(received)
    message = email.message_from_bytes(received[(contact.email,)], policy=email.policy.default)
    kinds = sorted(part.get_content_type() for part in message.iter_attachments())
    assert kinds == ["application/pdf", "application/xml"]

    invoice = Invoice.objects.get(client=acme)
    fin.goto(f"{url}/billing/invoices/{invoice.pk}/")
    assert fin.get_by_text(invoice.number).first.is_visible()
    assert fin.get_by_text("PO-7731").first.is_visible()
    assert fin.locator("#deliveries").get_by_text("Sent").first.is_visible()
    shot(fin, "invoicing-3-issued-and-sent")

    # The PDF: figures formatted for the client, and rendered to PNG for a look.
    pdf = fin.request.get(f"{url}/billing/invoices/{invoice.pk}/download.pdf").body()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"£{invoice.total:,}" in text and "PO-7731" in text and "Sort code 12-34-56" in text
    render_png(pdf, "invoicing-4-pdf")

    # The client contact opens the invoice in the portal: each line's entries add up to it.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        watch_console(page, console_errors)
        sign_in(page, url, contact.email)
        page.goto(f"{url}/portal/invoices/{invoice.pk}/")
        lines = list(invoice.lines.all())
        assert page.locator("details.line-times__line").count() == len(lines)
        for line in lines:
            page.locator(f"#line-{line.pk} summary").click()
            cells = page.locator(f"#line-{line.pk} [data-entry-seconds]")
            seconds = [
                int(cells.nth(i).get_attribute("data-entry-seconds")) for i in range(cells.count())
            ]
            assert sum(seconds) == line.billed_seconds
        assert page.get_by_text("Vendor margin").count() == 0
        assert page.get_by_text("Replaced the fuser unit").first.is_visible()
        shot(page, "invoicing-5-portal-line-entries")
    finally:
        context.close()


def render_png(pdf: bytes, name: str) -> None:
    """First page of the PDF as a PNG beside the screenshots (poppler's pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(source), str(ARTIFACTS / name)],  # noqa: S607
        check=True,
    )
