"""The searchable ticket picker: server-side search (own open tickets first, client shown),
a pick re-renders the picker around the choice, and without JavaScript the text input takes a
ticket number."""

import pytest
from django import forms
from django.urls import reverse

from tallyhour.servicedesk.forms import TicketField
from tallyhour.servicedesk.models import TicketStatus
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.factories import ClientFactory, TicketFactory
from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db


class PickForm(forms.Form):
    ticket = TicketField(required=False)


def test_search_puts_own_open_tickets_first_and_shows_the_client(engineer, approver):
    acme = ClientFactory(name="Acme Widgets")
    mine = TicketFactory(client=acme, summary="VPN down", assignee=engineer)
    theirs = TicketFactory(client=acme, summary="VPN slow", assignee=approver)
    TicketFactory(client=acme, summary="VPN gone", status=TicketStatus.CLOSED)
    url = reverse("servicedesk:ticket_search")
    response = login(engineer).get(
        url, {"field": "ticket", "id": "id_ticket", "ticket_q": "vpn"}, **HTMX
    )
    assert response.status_code == 200
    text = response.text
    assert text.index(f"#{mine.pk} VPN down") < text.index(f"#{theirs.pk} VPN slow")
    assert "VPN gone" not in text and "Acme Widgets" in text
    by_client = login(engineer).get(
        url, {"field": "ticket", "id": "id_ticket", "ticket_q": "widgets"}
    )
    assert f"#{mine.pk} VPN down" in by_client.text
    by_number = login(engineer).get(
        url, {"field": "ticket", "id": "id_ticket", "ticket_q": f"#{theirs.pk}"}
    )
    assert f"#{theirs.pk} VPN slow" in by_number.text


def test_search_refuses_odd_field_names(engineer):
    url = reverse("servicedesk:ticket_search")
    response = login(engineer).get(url, {"field": "<x>", "id": "id_ticket"}, **HTMX)
    assert response.status_code == 422


def test_pick_renders_the_picker_with_the_ticket(engineer, ticket):
    url = reverse("servicedesk:ticket_pick")
    response = login(engineer).get(
        url, {"field": "ticket", "id": "timer_ticket", "ticket": ticket.pk}, **HTMX
    )
    assert response.status_code == 200
    assert f'name="ticket" value="{ticket.pk}" id="timer_ticket"' in response.text
    assert f"#{ticket.pk} {ticket.summary}" in response.text
    none = login(engineer).get(url, {"field": "ticket", "id": "timer_ticket"}, **HTMX)
    assert 'name="ticket" value=""' in none.text


def test_field_takes_the_id_or_a_typed_number(ticket):
    assert PickForm({"ticket": str(ticket.pk)}).is_valid()
    typed = PickForm({"ticket": "", "ticket_q": f"#{ticket.pk} whatever the label"})
    assert typed.is_valid() and typed.cleaned_data["ticket"] == ticket
    bare = PickForm({"ticket_q": str(ticket.pk)})
    assert bare.is_valid() and bare.cleaned_data["ticket"] == ticket
    cleared = PickForm({"ticket": str(ticket.pk), "ticket_q": ""})
    assert cleared.is_valid() and cleared.cleaned_data["ticket"] is None
    words = PickForm({"ticket": "", "ticket_q": "printer"})
    assert not words.is_valid() and "ticket number" in words.errors["ticket"][0]
    gone = PickForm({"ticket": "99999999"})
    assert not gone.is_valid() and gone.errors["ticket"] == ["This ticket no longer exists."]


def test_my_week_has_no_ticket_select(engineer, ticket):
    page = login(engineer).get(reverse("home")).text
    assert '<select name="ticket"' not in page
    assert 'class="ticket-picker"' in page and reverse("servicedesk:ticket_search") in page


def test_search_matches_every_word_and_puts_open_before_resolved(engineer):
    acme, globex = ClientFactory(name="Acme Widgets"), ClientFactory(name="Globex")
    resolved = TicketFactory(client=acme, summary="Printer jam", status=TicketStatus.RESOLVED)
    open_one = TicketFactory(client=acme, summary="Printer offline")
    TicketFactory(client=globex, summary="Printer offline")
    response = login(engineer).get(
        reverse("servicedesk:ticket_search"),
        {"field": "ticket", "id": "id_ticket", "ticket_q": "acme printer"},
        **HTMX,
    )
    text = response.text
    assert text.count('class="ticket-picker__option"') == 2 and "Globex" not in text
    assert text.index(f"#{open_one.pk} Printer offline") < text.index(f"#{resolved.pk} Printer")


def test_every_time_form_picks_tickets_with_the_picker(engineer, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=30, ticket=ticket
    )
    http = login(engineer)
    for url in (
        reverse("timesheets:my_week"),
        reverse("timesheets:day", args=[MONDAY.isoformat()]),
        reverse("timesheets:time_entry_edit", args=[entry.pk]),
    ):
        page = http.get(url).text
        assert '<select name="ticket"' not in page, url
        assert 'class="ticket-picker"' in page, url
    week = http.get(reverse("timesheets:my_week")).text
    # My week holds two pickers: the add-entry form's and the timer's.
    assert 'id="id_ticket_q"' in week and 'id="timer_ticket_q"' in week
