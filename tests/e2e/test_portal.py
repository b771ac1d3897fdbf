"""The client portal in a real browser: a contact signs in, opens a ticket, sees its billed
time, and downloads an invoice PDF; another client's ticket is not found."""

import datetime as dt
import re

import pytest

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core import dates
from tallyhour.servicedesk.services import action_create
from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.e2e.conftest import shot, watch_console
from tests.factories import TicketFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def sign_in(page, url: str, email: str, password: str = "pw") -> None:  # noqa: ANN001
    page.goto(f"{url}/portal/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/portal/")


def test_contact_sees_ticket_time_and_downloads_invoice_pdf(
    browser, live_server, settings, engineer, billing, ticket, contact, other_contact
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    url = live_server.url
    yesterday = dates.now().replace(microsecond=0) - dt.timedelta(days=1)
    action_create(
        ticket=ticket,
        actor=engineer,
        kind="reply",
        body="Replaced the fuser unit; printing again",
        time_seconds=5400,
        now=yesterday,
    )
    action_create(
        ticket=ticket,
        actor=engineer,
        body="Vendor margin on the part is 40 %",
        time_seconds=600,
        now=yesterday + dt.timedelta(hours=2),  # after the reply: no overlap
    )
    theirs = TicketFactory(client=other_contact.client, summary="Globex VPN down")
    TimeEntry.objects.update(state=EntryState.APPROVED)
    run = invoice_run_execute(cut_off=dates.now().date(), actor=billing, commit=True)
    invoice = invoice_issue(invoice=run.invoices[0], actor=billing)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, url, contact.email)
        assert page.get_by_role("heading", name="Acme Ltd").is_visible()
        shot(page, "portal-1-overview")

        page.get_by_role("link", name="Tickets", exact=True).click()
        page.get_by_role("link", name="All", exact=True).click()
        page.get_by_role("link", name=f"#{ticket.pk} Printer offline").click()
        page.wait_for_url(f"{url}/portal/tickets/{ticket.pk}/")
        assert page.locator("[data-ticket-time]").inner_text().strip() == "1:30"
        assert page.get_by_text("Replaced the fuser unit").is_visible()
        assert page.get_by_text("Vendor margin").count() == 0
        shot(page, "portal-2-ticket-billed-time")

        page.get_by_role("link", name="Invoices", exact=True).click()
        page.wait_for_url(f"{url}/portal/invoices/")
        shot(page, "portal-3-invoices")
        with page.expect_download() as download:
            page.get_by_role("link", name="PDF", exact=True).first.click()
        assert download.value.suggested_filename == f"{invoice.number}.pdf"
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"

        # Another client's ticket: not found, and staff pages send the contact back here.
        response = page.goto(f"{url}/portal/tickets/{theirs.pk}/")
        assert response is not None and response.status == 404
        shot(page, "portal-4-other-clients-ticket")
        page.goto(f"{url}/billing/")
        assert page.url == f"{url}/portal/"
    finally:
        context.close()


def test_billing_invites_a_contact_who_sets_a_password(
    new_page, browser, live_server, settings, billing, client_acme
):
    from django.core import mail

    url = live_server.url
    staff = new_page(billing)
    staff.goto(f"{url}/clients/{client_acme.pk}/")
    form = staff.locator("#contacts form").last
    form.get_by_label("Name").fill("Ada Lovelace")
    form.get_by_label("Email").fill("ada@acme.example")
    form.get_by_label("May see invoices").check()
    with staff.expect_navigation():
        form.get_by_role("button", name="Send invitation").click()
    assert staff.get_by_text("Invitation sent to ada@acme.example").is_visible()
    shot(staff, "portal-5-contact-invited")

    link = re.search(r"https?://\S+/portal/accept/\S+/", mail.outbox[-1].body)
    assert link
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(link.group(0))
        page.get_by_label("Password", exact=True).fill("correct horse battery 42")
        page.get_by_label("Password again").fill("correct horse battery 42")
        shot(page, "portal-6-choose-password")
        page.get_by_role("button", name="Set password and sign in").click()
        page.wait_for_url(f"{url}/portal/")
        assert page.get_by_text("Hello Ada Lovelace").is_visible()
    finally:
        context.close()
    staff.goto(f"{url}/clients/{client_acme.pk}/")
    assert staff.locator("#contacts").get_by_text("Active").is_visible()


def test_contact_opens_an_invoice_line_and_its_entries_add_up(
    browser, live_server, settings, console_errors, engineer, billing, ticket, contact
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    url = live_server.url
    start = dates.now().replace(microsecond=0) - dt.timedelta(days=2)
    for hours_before, body, seconds in (
        (0, "Replaced the fuser unit; printing again", 5400),
        (3, "Ordered a spare drum for the printer", 1200),
    ):
        action_create(
            ticket=ticket,
            actor=engineer,
            kind="reply",
            body=body,
            time_seconds=seconds,
            now=start + dt.timedelta(hours=hours_before),
        )
    action_create(
        ticket=ticket,
        actor=engineer,
        body="Vendor margin on the part is 40 %",
        time_seconds=900,
        now=start + dt.timedelta(hours=5),
    )
    TimeEntry.objects.update(state=EntryState.APPROVED)
    run = invoice_run_execute(cut_off=dates.now().date(), actor=billing, commit=True)
    invoice = invoice_issue(invoice=run.invoices[0], actor=billing)
    line = invoice.lines.get()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        watch_console(page, console_errors)
        page.set_default_timeout(10_000)
        sign_in(page, url, contact.email)
        page.get_by_role("link", name="Invoices", exact=True).click()
        page.get_by_role("link", name=invoice.title).click()
        page.wait_for_url(f"{url}/portal/invoices/{invoice.pk}/")
        assert page.get_by_role("heading", name="Time behind this invoice").is_visible()
        entries = page.locator(f"[data-line-entries='{line.pk}']")
        assert not entries.is_visible()  # closed until asked for
        shot(page, "portal-7-invoice-lines-closed")

        page.locator(f"#line-{line.pk} > summary").click()
        assert entries.is_visible()
        assert entries.get_by_text("Replaced the fuser unit").is_visible()
        assert entries.get_by_text("Internal work").is_visible()
        assert page.get_by_text("Vendor margin").count() == 0
        cells = entries.locator("[data-entry-seconds]")
        seconds = [int(cells.nth(i).get_attribute("data-entry-seconds")) for i in range(3)]
        total = int(entries.locator("[data-line-total]").get_attribute("data-line-total"))
        assert cells.count() == 3 and sum(seconds) == total == line.billed_seconds
        assert "2:05" in entries.locator("tfoot").inner_text()
        shot(page, "portal-8-invoice-line-entries")

        page.get_by_role("link", name="Link to this line").click()
        page.wait_for_url(f"{url}/portal/invoices/{invoice.pk}/lines/{line.pk}/")
        assert page.locator("[data-line-total]").inner_text().startswith("2:05")
        shot(page, "portal-9-invoice-line-page")
    finally:
        context.close()
    assert not console_errors, "\n".join(console_errors)
