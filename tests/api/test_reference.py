"""Clients, tickets, charge types and agents."""

import pytest

from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_billing_creates_clients(api_as, billing, engineer):
    response = api_as(billing).post(
        "/clients", {"name": "Globex", "currency": "eur", "tax_rate": "19.00"}
    )
    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in ("name", "currency", "tax_rate")} == {
        "name": "Globex",
        "currency": "EUR",
        "tax_rate": "19.00",
    }
    assert_error(api_as(engineer).post("/clients", {"name": "Initech"}), 403)
    assert api_as(engineer).get("/clients").json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Acme Ltd"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Globex", "currency": "EURO"}, "currency"),
        ({"name": "Globex", "tax_rate": "150"}, "tax_rate"),
        ({"name": "Globex", "tax_rate": "NaN"}, "tax_rate"),
        ({"name": "Globex", "tax_rate": "12.345"}, "tax_rate"),
    ],
)
def test_bad_client_input(api_as, billing, client_acme, body, field):
    assert_error(api_as(billing).post("/clients", body), 422, field)
    assert Client.objects.count() == 1


def test_any_staff_user_opens_tickets(api_as, engineer, client_acme, remote_support):
    as_engineer = api_as(engineer)
    response = as_engineer.post(
        "/tickets",
        {
            "client_id": client_acme.pk,
            "summary": "VPN down",
            "assignee_id": engineer.pk,
            "charge_type_id": remote_support.pk,
            "status": "in_progress",
        },
    )
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert (ticket["client_name"], ticket["status"], ticket["assignee_id"]) == (
        "Acme Ltd",
        "in_progress",
        engineer.pk,
    )
    listed = as_engineer.get("/tickets", status="in_progress", client_id=client_acme.pk).json()
    assert [t["id"] for t in listed["items"]] == [ticket["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_id": 987654, "summary": "x"}, "client_id"),
        ({"client_id": None, "summary": "x"}, "client_id"),
        ({"summary": ""}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"summary": "x", "status": "stuck"}, "status"),
        ({"summary": "x", "assignee_id": 987654}, "assignee_id"),
        ({"summary": "x" * 201}, "summary"),
    ],
)
def test_bad_ticket_input(api_as, engineer, client_acme, body, field):
    response = api_as(engineer).post("/tickets", {"client_id": client_acme.pk, **body})
    assert_error(response, 422, field)
    assert not Ticket.objects.exists()


def test_admins_create_charge_types(api_as, admin, billing):
    body = {"name": "Onsite", "hourly_rate": "120.00"}
    assert_error(api_as(billing).post("/charge-types", body), 403)
    response = api_as(admin).post("/charge-types", body)
    assert response.status_code == 201
    assert (response.json()["hourly_rate"], response.json()["is_billable"]) == ("120.00", True)
    assert_error(api_as(admin).post("/charge-types", body), 422, "name")
    assert_error(
        api_as(admin).post("/charge-types", {"name": "Free", "hourly_rate": -1}), 422, "hourly_rate"
    )
    assert [c["name"] for c in api_as(billing).get("/charge-types").json()] == ["Onsite"]
    assert ChargeType.objects.count() == 1


def test_agents_follow_visibility(api_as, engineer, other_engineer, approver, billing):
    [me] = api_as(engineer).get("/agents").json()
    assert (me["id"], me["username"], me["role"], me["timezone"], me["teams"]) == (
        engineer.pk,
        "engineer",
        "engineer",
        "Europe/London",
        ["Team A"],
    )
    assert {a["username"] for a in api_as(approver).get("/agents").json()} == {
        "approver",
        "engineer",
    }
    assert {a["username"] for a in api_as(billing).get("/agents").json()} >= {
        "approver",
        "engineer",
        "other_engineer",
        "other_approver",
    }
