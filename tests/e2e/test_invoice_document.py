"""The invoice document in a real browser: the staff page and the portal show the same
document, in the brand colour and with the logo, without breaking the strict CSP."""

import datetime as dt

import pytest

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core import dates
from tallyhour.timetracking.models import EntryState
from tests.billing.entries import approved
from tests.billing.test_documents import PNG
from tests.e2e.conftest import shot, watch_console
from tests.e2e.test_portal import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
BRAND_RGB = "rgb(170, 51, 0)"  # #aa3300


def test_staff_and_portal_show_the_branded_document(
    new_page, browser, live_server, console_errors, org, engineer, billing, ticket, contact
):
    org.brand_colour, org.logo, org.logo_content_type = "#aa3300", PNG, "image/png"
    org.bank_details = "Northern Bank\nSort code 12-34-56"
    org.save()
    yesterday = dates.now() - dt.timedelta(days=1)
    approved(engineer, ticket, yesterday, 5400, state=EntryState.APPROVED)
    run = invoice_run_execute(cut_off=dates.now().date(), actor=billing, commit=True)
    invoice = invoice_issue(invoice=run.invoices[0], actor=billing)

    staff = new_page(billing)
    staff.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    title = staff.locator(".doc .doc__title")
    assert title.inner_text() == invoice.title
    assert title.evaluate("e => getComputedStyle(e).color") == BRAND_RGB
    assert staff.locator(".doc__logo").is_visible()
    assert staff.get_by_text("Sort code 12-34-56").is_visible()
    shot(staff, "invoice-document-staff")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        watch_console(page, console_errors)
        sign_in(page, live_server.url, contact.email)
        page.goto(f"{live_server.url}/portal/invoices/{invoice.pk}/")
        title = page.locator(".doc .doc__title")
        assert title.evaluate("e => getComputedStyle(e).color") == BRAND_RGB
        assert page.get_by_text("Due within").is_visible()
        shot(page, "invoice-document-portal")
    finally:
        context.close()
