"""Which actions the portal shows: the default comes from the kind, engineers may choose."""

import pytest
from django.urls import reverse

from tallyhour.servicedesk.models import Action
from tallyhour.servicedesk.services import action_create
from tests.api.conftest import Api
from tests.conftest import MONDAY, at, login

pytestmark = pytest.mark.django_db


def test_default_comes_from_the_kind(engineer, ticket):
    note = action_create(ticket=ticket, actor=engineer, body="Internal", now=at(MONDAY, 9))
    reply = action_create(
        ticket=ticket, actor=engineer, kind="reply", body="Hi", now=at(MONDAY, 9, 1)
    )
    status = action_create(
        ticket=ticket,
        actor=engineer,
        kind="status_change",
        new_status="on_hold",
        now=at(MONDAY, 9, 2),
    )
    # A note that also changes the status was written as a note: it stays internal.
    note_and_status = action_create(
        ticket=ticket,
        actor=engineer,
        body="Waiting on vendor",
        new_status="in_progress",
        now=at(MONDAY, 9, 3),
    )
    assert (note.client_visible, reply.client_visible, status.client_visible) == (False, True, True)
    assert note_and_status.kind == "status_change" and note_and_status.client_visible is False


def test_engineer_chooses_on_the_ticket_page(engineer, ticket):
    http = login(engineer)
    page = http.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'name="client_visible"' in page
    url = reverse("servicedesk:action_add", args=[ticket.pk])
    http.post(
        url, {"kind": "note", "body": "Told them the ETA", "time": "0", "client_visible": "yes"}
    )
    http.post(
        url,
        {"kind": "reply", "body": "Draft reply kept internal", "time": "0", "client_visible": "no"},
    )
    http.post(url, {"kind": "reply", "body": "Default reply", "time": "0"})
    shown = dict(Action.objects.values_list("body", "client_visible"))
    assert shown == {
        "Told them the ETA": True,
        "Draft reply kept internal": False,
        "Default reply": True,
    }
    page = http.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Client sees" in page and "internal" in page


def test_native_api_takes_the_flag_and_defaults_by_kind(engineer, ticket):
    api = Api(engineer)
    hidden = api.post(
        f"/tickets/{ticket.pk}/actions",
        {"kind": "reply", "body": "Not for them", "time_minutes": 0, "client_visible": False},
    ).json()
    shown = api.post(
        f"/tickets/{ticket.pk}/actions",
        {"kind": "status_change", "new_status": "on_hold", "time_minutes": 0},
    ).json()
    note = api.post(f"/tickets/{ticket.pk}/actions", {"body": "Private", "time_minutes": 0}).json()
    assert (hidden["client_visible"], shown["client_visible"], note["client_visible"]) == (
        False,
        True,
        False,
    )


def test_only_visible_actions_and_their_time_reach_the_portal(engineer, ticket, contact):
    action_create(
        ticket=ticket,
        actor=engineer,
        kind="reply",
        body="Replaced toner",
        time_seconds=1200,
        now=at(MONDAY, 9),
    )
    action_create(
        ticket=ticket,
        actor=engineer,
        body="SECRET: vendor margin",
        time_seconds=2400,
        now=at(MONDAY, 10),
    )
    action_create(
        ticket=ticket,
        actor=engineer,
        body="Told them it is fixed",
        time_seconds=600,
        client_visible=True,
        now=at(MONDAY, 11),
    )
    page = (
        login(contact.user).get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    )
    assert "Replaced toner" in page and "Told them it is fixed" in page
    assert "SECRET" not in page
    assert "data-ticket-time>0:30<" in page  # 20 + 10 minutes, not the internal 40
