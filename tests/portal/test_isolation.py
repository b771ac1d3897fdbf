"""Two contacts of different clients never see each other's tickets, time, balances, invoices
or PDFs, through any page or URL, guessed ids included (404, never 403); internal notes and
cost rates never reach a portal page."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tallyhour.billing.exports import invoice_pdf
from tests.conftest import login
from tests.portal.conftest import COST_RATE

pytestmark = pytest.mark.django_db

DIRECTIONS = [("acme", "globex"), ("globex", "acme")]


def _pages(side) -> list[str]:  # noqa: ANN001
    """Every portal page a contact may open, for their own data."""
    return [
        reverse("portal:home"),
        reverse("portal:ticket_list"),
        reverse("portal:ticket_list") + "?show=all",
        reverse("portal:ticket_detail", args=[side.ticket.pk]),
        reverse("portal:ticket_detail", args=[side.internal_ticket.pk]),
        reverse("portal:balance"),
        reverse("portal:invoice_list"),
        reverse("portal:invoice_detail", args=[side.invoice.pk]),
        reverse("portal:statement") + "?month=2026-11",
        reverse("portal:statement_csv") + "?month=2026-11",
    ]


@pytest.mark.parametrize(("mine", "theirs"), DIRECTIONS)
def test_guessed_ids_of_another_client_are_not_found(world, mine, theirs):
    me, other = world[mine], world[theirs]
    http = login(me.contact.user)
    for url in [
        reverse("portal:ticket_detail", args=[other.ticket.pk]),
        reverse("portal:ticket_detail", args=[other.internal_ticket.pk]),
        reverse("portal:invoice_detail", args=[other.invoice.pk]),
        reverse("portal:invoice_pdf", args=[other.invoice.pk]),
        reverse("portal:ticket_detail", args=[999_999]),
        reverse("portal:invoice_pdf", args=[999_999]),
    ]:
        response = http.get(url)
        assert response.status_code == 404, url
        assert other.client.name.encode() not in response.content
    # Their own are there.
    assert http.get(reverse("portal:ticket_detail", args=[me.ticket.pk])).status_code == 200
    assert http.get(reverse("portal:invoice_pdf", args=[me.invoice.pk])).status_code == 200


@pytest.mark.parametrize(("mine", "theirs"), DIRECTIONS)
def test_no_page_shows_the_other_clients_data(world, mine, theirs):
    me, other = world[mine], world[theirs]
    http = login(me.contact.user)
    leaks = [
        other.client.name,
        other.ticket.summary,
        other.internal_ticket.summary,
        other.invoice.number,
        other.marker,
        f"Restarted the mail relay for {other.client.name}",
    ]
    for url in _pages(me):
        response = http.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for leak in leaks:
            assert leak not in text, (url, leak)
    # The pages do show the contact's own data.
    home = http.get(reverse("portal:ticket_list") + "?show=all").content.decode()
    assert me.ticket.summary in home and me.internal_ticket.summary in home
    assert me.invoice.number in http.get(reverse("portal:invoice_list")).content.decode()


@pytest.mark.parametrize(("mine", "theirs"), DIRECTIONS)
def test_internal_notes_and_cost_rates_never_reach_the_portal(world, mine, theirs):
    me = world[mine]
    http = login(me.contact.user)
    for url in _pages(me):
        text = http.get(url).content.decode()
        assert me.marker not in text, url
        assert str(COST_RATE) not in text, url
        assert "PO-SECRET-DISCOUNT" not in text, url  # ledger notes are the MSP's own
    # Only the reply's time is shown on the ticket: 30 minutes, not the note's 10 more.
    page = http.get(reverse("portal:ticket_detail", args=[me.ticket.pk])).content.decode()
    assert re.search(r"data-ticket-time>\s*0:30<", page)
    quiet = http.get(reverse("portal:ticket_detail", args=[me.internal_ticket.pk])).content
    assert b"No updates yet" in quiet and b"data-ticket-time>0:00<" in quiet


def test_invoice_pdf_is_the_issued_invoice_without_the_internal_appendix(world):
    me = world["acme"]
    response = login(me.contact.user).get(reverse("portal:invoice_pdf", args=[me.invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{me.invoice.number}.pdf"' in response["Content-Disposition"]
    # One page: the billing export's appendix (time-entry notes) is never attached.
    assert response.content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    appendix = invoice_pdf(me.invoice, with_entries=True)
    assert len(PdfReader(io.BytesIO(appendix)).pages) == 2


@pytest.mark.parametrize(("mine", "theirs"), DIRECTIONS)
def test_statement_csv_has_only_own_billed_hours(world, mine, theirs):
    me, other = world[mine], world[theirs]
    body = (
        login(me.contact.user)
        .get(reverse("portal:statement_csv") + "?month=2026-11")
        .content.decode()
    )
    lines = body.strip().splitlines()
    assert lines[0] == "month,ticket,summary,billed_hours"
    ids = {line.split(",")[1] for line in lines[1:-1]}
    assert str(me.ticket.pk) in ids
    assert str(other.ticket.pk) not in ids and str(other.internal_ticket.pk) not in ids
    assert other.client.name not in body


def test_balances_are_per_client(world):
    acme = login(world["acme"].contact.user).get(reverse("portal:balance")).content.decode()
    globex = login(world["globex"].contact.user).get(reverse("portal:balance")).content.decode()
    assert "Acme prepaid hours" in acme and "Globex retainer" not in acme
    assert "Globex retainer" in globex and "Acme prepaid hours" not in globex
    assert "Retainer this month" in globex and "Prepaid hours:" not in globex


def test_contact_without_invoice_permission_gets_404_for_invoices(world):
    me = world["acme"]
    me.contact.can_see_invoices = False
    me.contact.save()
    http = login(me.contact.user)
    for url in [
        reverse("portal:invoice_list"),
        reverse("portal:invoice_detail", args=[me.invoice.pk]),
        reverse("portal:invoice_pdf", args=[me.invoice.pk]),
    ]:
        assert http.get(url).status_code == 404, url
    home = http.get(reverse("portal:home")).content.decode()
    assert reverse("portal:invoice_list") not in home and me.invoice.number not in home


def test_drafts_and_void_invoices_are_not_shown(world, billing):
    from tallyhour.billing.models import Invoice, InvoiceState

    me = world["acme"]
    Invoice.objects.filter(pk=me.invoice.pk).update(state=InvoiceState.DRAFT)
    http = login(me.contact.user)
    assert http.get(reverse("portal:invoice_detail", args=[me.invoice.pk])).status_code == 404
    assert me.invoice.number not in http.get(reverse("portal:invoice_list")).content.decode()


def test_portal_pages_stay_within_a_query_budget(world, django_assert_max_num_queries):
    me = world["acme"]
    http = login(me.contact.user)
    for url in _pages(me):
        with django_assert_max_num_queries(14):
            assert http.get(url).status_code == 200, url
