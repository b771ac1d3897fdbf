"""The time behind every bill: each invoice line opens the entries it bills, in the client's
time zone, adding up to the line; internal work shows as time with a neutral label, never its
note; only lines of invoices the contact may see open (404 otherwise)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tallyhour.accounts.models import Organisation
from tallyhour.billing.models import InvoiceState, LineTime
from tests.conftest import login
from tests.factories import TicketFactory
from tests.portal import builders

pytestmark = pytest.mark.django_db

DIRECTIONS = [("acme", "globex"), ("globex", "acme")]


def _line_url(invoice, line) -> str:  # noqa: ANN001
    return reverse("portal:invoice_line", args=[invoice.pk, line.pk])


@pytest.mark.parametrize("side", ["acme", "globex"])
def test_each_line_lists_its_entries_and_adds_up_to_the_line(world, side):
    me = world[side]
    page = login(me.contact.user).get(reverse("portal:invoice_detail", args=[me.invoice.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Time behind this invoice" in html
    assert f"Restarted the mail relay for {me.client.name}" in html
    assert "Internal work" in html
    assert me.marker not in html
    timed = [line for line in me.invoice.lines.all() if line.billed_seconds]
    assert timed
    for line in timed:
        carried = sum(LineTime.objects.filter(line=line).values_list("seconds", flat=True))
        assert carried == line.billed_seconds
        assert f'data-line-total="{line.billed_seconds}"' in html


def test_a_line_opens_on_its_own_page_and_as_an_htmx_fragment(world):
    acme = world["acme"]
    line = acme.invoice.lines.exclude(billed_seconds=0).first()
    http = login(acme.contact.user)
    page = http.get(_line_url(acme.invoice, line))
    assert page.status_code == 200
    assert b"<html" in page.content and b"data-line-entries" in page.content
    fragment = http.get(_line_url(acme.invoice, line), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert f'data-line-total="{line.billed_seconds}"'.encode() in fragment.content
    assert acme.marker.encode() not in fragment.content


@pytest.mark.parametrize(("mine", "theirs"), DIRECTIONS)
def test_lines_of_other_clients_drafts_and_no_charge_records_are_not_found(
    world, engineer, remote_support, mine, theirs
):
    me, other = world[mine], world[theirs]
    their_line = other.invoice.lines.first()
    entry = builders.entries(
        me.ticket, engineer, remote_support, dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), 1
    )[0]
    draft = builders.invoice(me.client, None, [(me.ticket, [(entry, 900)])], InvoiceState.DRAFT)
    covered = builders.invoice(
        me.client, None, [(me.ticket, [(entry, 900)])], InvoiceState.NO_CHARGE
    )
    http = login(me.contact.user)
    for url in [
        _line_url(me.invoice, their_line),  # their line under my invoice
        _line_url(other.invoice, their_line),
        _line_url(draft, draft.lines.get()),
        _line_url(covered, covered.lines.get()),
        reverse("portal:invoice_line", args=[me.invoice.pk, 999_999]),
    ]:
        response = http.get(url)
        assert response.status_code == 404, url
        assert other.client.name.encode() not in response.content
    mine_line = me.invoice.lines.first()
    assert http.get(_line_url(me.invoice, mine_line)).status_code == 200
    # Contacts who may not see invoices see none of their lines either.
    me.contact.can_see_invoices = False
    me.contact.save()
    assert http.get(_line_url(me.invoice, mine_line)).status_code == 404


@pytest.mark.parametrize(
    ("client_zone", "org_zone", "shown"),
    [
        ("Pacific/Auckland", "Europe/London", "Tue 17 Nov 2026"),
        ("", "Europe/London", "Mon 16 Nov 2026"),
        ("", "Asia/Tokyo", "Tue 17 Nov 2026"),
    ],
)
def test_dates_are_in_the_clients_time_zone(
    contact, engineer, remote_support, ticket, client_zone, org_zone, shown
):
    Organisation.objects.filter(pk=1).update(timezone=org_zone)
    contact.client.timezone = client_zone
    contact.client.save()
    late = dt.datetime(2026, 11, 16, 23, 30, tzinfo=dt.UTC)
    entry = builders.entries(ticket, engineer, remote_support, late, 1)[0]
    invoice = builders.invoice(contact.client, dt.date(2026, 11, 30), [(ticket, [(entry, 900)])])
    html = login(contact.user).get(_line_url(invoice, invoice.lines.get())).content.decode()
    assert shown in html


def _queries(http, invoice) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as queries:
        response = http.get(reverse("portal:invoice_detail", args=[invoice.pk]))
    assert response.status_code == 200
    return len(queries)


def test_invoice_page_queries_do_not_grow_with_lines_and_entries(
    contact, engineer, remote_support, ticket, django_assert_max_num_queries
):
    start = dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC)
    small = builders.entries(ticket, engineer, remote_support, start, 1)
    tiny = builders.invoice(contact.client, dt.date(2026, 11, 30), [(ticket, [(small[0], 900)])])
    many = builders.entries(ticket, engineer, remote_support, start + dt.timedelta(days=1), 1000)
    lines = [(ticket, [(e, 900) for e in many[i * 20 : (i + 1) * 20]]) for i in range(50)]
    big = builders.invoice(contact.client, dt.date(2026, 11, 30), lines)
    http = login(contact.user)
    http.get(reverse("portal:home"))  # session and organisation warm, as on any later page
    baseline = _queries(http, tiny)
    with django_assert_max_num_queries(baseline):
        response = http.get(reverse("portal:invoice_detail", args=[big.pk]))
    assert response.content.decode().count("data-entry-seconds=") == 1000
    assert baseline <= 10, baseline


def test_lines_of_a_credit_note_point_at_the_invoice_it_corrects(world, billing):
    from tallyhour.billing.invoices import invoice_credit

    acme = world["acme"]
    when = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
    credit = invoice_credit(invoice=acme.invoice, actor=billing, reason="Disputed", now=when)
    html = (
        login(acme.contact.user)
        .get(reverse("portal:invoice_detail", args=[credit.pk]))
        .content.decode()
    )
    assert "takes back the time billed on" in html
    assert reverse("portal:invoice_detail", args=[acme.invoice.pk]) in html


def test_a_line_does_not_open_under_another_clients_invoice_id(
    contact, other_contact, engineer, remote_support
):
    # The line is looked up among the lines of an invoice the contact may see, so pairing
    # a guessed line id with one's own invoice id finds nothing either.
    ticket = TicketFactory(client=contact.client, summary="Acme wifi")
    start = dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC)
    entry = builders.entries(ticket, engineer, remote_support, start, 1)[0]
    mine = builders.invoice(contact.client, dt.date(2026, 11, 30), [(ticket, [(entry, 900)])])
    theirs = builders.invoice(other_contact.client, dt.date(2026, 11, 30), [])
    http = login(other_contact.user)
    assert http.get(_line_url(mine, mine.lines.get())).status_code == 404
    assert http.get(_line_url(theirs, mine.lines.get())).status_code == 404
