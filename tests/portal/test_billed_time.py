"""The statement counts the same time the invoices bill (credited invoices and drafts count
nothing, an entry split over two lines counts once per line share), and prepay drawdowns on
the Hours page name their ticket and the invoice that billed them."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from tallyhour.billing.invoices import invoice_credit
from tallyhour.billing.models import InvoiceState
from tallyhour.contracts.models import PrepayEntry, PrepayKind
from tallyhour.core.money import hours
from tallyhour.portal import selectors
from tests.conftest import at, login
from tests.factories import TicketFactory
from tests.portal import builders

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)


def test_statement_month_equals_the_billed_hours_of_the_invoice_lines_covering_it(
    contact, other_contact, engineer, billing, remote_support
):
    client = contact.client
    email = TicketFactory(client=client, summary="Email down")
    backup = TicketFactory(client=client, summary="Backup failing")
    first, second, third, fourth = builders.entries(
        email, engineer, remote_support, at(dt.date(2026, 11, 3), 9), 4, minutes=60
    )
    # An entry split over two lines: 40 minutes on one ticket's line, 20 on the other's.
    kept = builders.invoice(
        client,
        dt.date(2026, 11, 20),
        [(email, [(first, 2400), (second, 3600)]), (backup, [(first, 1200)])],
    )
    credited = builders.invoice(client, dt.date(2026, 11, 10), [(email, [(third, 3600)])])
    invoice_credit(
        invoice=credited,
        actor=billing,
        reason="Wrong client",
        release_time=False,
        now=at(dt.date(2026, 11, 25), 9),
    )
    builders.invoice(client, None, [(email, [(fourth, 3600)])], InvoiceState.DRAFT)
    theirs = TicketFactory(client=other_contact.client, summary="Globex VPN")
    (other,) = builders.entries(theirs, engineer, remote_support, at(dt.date(2026, 11, 4), 9), 1)
    builders.invoice(other_contact.client, dt.date(2026, 11, 20), [(theirs, [(other, 3600)])])

    lines = {line.ticket_id: line.billed_seconds for line in kept.lines.all()}
    statement = selectors.statement_for(contact, NOVEMBER)
    assert {row.ticket_id: row.billed_seconds for row in statement.rows} == lines
    assert statement.total_seconds == sum(lines.values()) == 7200

    # The page and the CSV show the same figures the invoice's lines bill.
    http = login(contact.user)
    page = http.get(reverse("portal:statement"), {"month": "2026-11"}).content.decode()
    assert "2.00 h" in page and "Globex VPN" not in page
    response = http.get(reverse("portal:statement_csv"), {"month": "2026-11"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[-1][2:] == ["Total", str(hours(7200))]
    by_ticket = {row[1]: Decimal(row[3]) for row in rows[1:-1]}
    assert by_ticket == {str(t): hours(s) for t, s in lines.items()}
    # And the invoice page shows each line's entries adding up to that line.
    invoice_page = http.get(reverse("portal:invoice_detail", args=[kept.pk])).content.decode()
    for seconds in lines.values():
        assert f'data-line-total="{seconds}"' in invoice_page


def test_drawdowns_name_their_ticket_and_link_the_issued_invoice(world):
    acme = world["acme"]
    drawdown = PrepayEntry.objects.filter(
        contract__client=acme.client, kind=PrepayKind.DRAWDOWN, invoice_line__isnull=False
    ).first()
    assert drawdown is not None
    line = drawdown.invoice_line
    http = login(acme.contact.user)
    html = http.get(reverse("portal:balance")).content.decode()
    invoice_url = reverse("portal:invoice_detail", args=[acme.invoice.pk])
    assert f'<a href="{invoice_url}">{acme.invoice.title}</a>' in html
    ticket_url = reverse("portal:ticket_detail", args=[line.ticket_id])
    assert f'<a href="{ticket_url}">#{line.ticket_id} {line.ticket.summary}</a>' in html

    # Without invoice rights the invoice is named, not linked.
    acme.contact.can_see_invoices = False
    acme.contact.save()
    html = http.get(reverse("portal:balance")).content.decode()
    assert acme.invoice.title in html and invoice_url not in html


def test_a_drawdown_on_a_draft_is_not_yet_invoiced(world, engineer, remote_support):
    acme = world["acme"]
    (entry,) = builders.entries(
        acme.ticket, engineer, remote_support, at(dt.date(2026, 11, 26), 9), 1
    )
    draft = builders.invoice(acme.client, None, [(acme.ticket, [(entry, 900)])], "draft")
    contract = PrepayEntry.objects.filter(contract__client=acme.client).first().contract
    PrepayEntry.objects.create(
        contract=contract,
        kind=PrepayKind.DRAWDOWN,
        seconds=-900,
        invoice_line=draft.lines.get(),
        created_at=at(dt.date(2026, 11, 27), 9),
    )
    html = login(acme.contact.user).get(reverse("portal:balance")).content.decode()
    assert "not yet invoiced" in html
    assert reverse("portal:invoice_detail", args=[draft.pk]) not in html
    assert reverse("portal:invoice_line", args=[draft.pk, draft.lines.get().pk]) not in html
