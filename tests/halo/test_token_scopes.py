"""The `scope` of /auth/token (`read:tickets edit:tickets`, `all`, `admin`…) narrows the token."""

import json

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from tallyhour.accounts.models import ApiToken
from tallyhour.halo import scopes
from tallyhour.halo.services import api_application_create, token_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


class ScopedHalo:
    """A Halo script that asks /auth/token for `scope`."""

    def __init__(self, agent, admin, scope: str | None):  # noqa: ANN001
        self.app, self.secret = api_application_create(
            name="Scoped", agent=agent, actor=admin, act_as_other=agent.pk != admin.pk
        )
        self.http = HttpClient()
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app.client_id,
            "client_secret": self.secret,
        }
        if scope is not None:
            form["scope"] = scope
        self.answer = self.http.post("/auth/token", form)
        self.headers = {}
        if self.answer.status_code == 200:
            self.headers = {"Authorization": f"Bearer {self.answer.json()['access_token']}"}

    def get(self, path: str, **params):  # noqa: ANN003, ANN201
        return self.http.get(path, params, headers=self.headers)

    def post(self, path: str, body):  # noqa: ANN001, ANN201
        return self.http.post(
            path, json.dumps(body), content_type="application/json", headers=self.headers
        )


def assert_lacks(response, scope: str) -> None:  # noqa: ANN001
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["error"] == "insufficient_scope" and body["fields"] == {"scope": scope}
    assert scope in body["message"]


def test_read_tickets_reads_tickets_and_nothing_else(billing, admin, ticket):
    halo = ScopedHalo(billing, admin, "read:tickets")
    assert halo.answer.json()["scope"] == "read:tickets"
    assert halo.get("/api/Tickets").status_code == 200
    assert halo.get(f"/api/Tickets/{ticket.pk}").status_code == 200
    assert halo.get("/api/Actions", ticket_id=ticket.pk).status_code == 200
    assert_lacks(halo.post("/api/Tickets", [{"summary": "New"}]), "edit:tickets")
    assert_lacks(halo.get("/api/Invoice"), "read:invoices")
    assert_lacks(halo.get("/api/Client"), "read:customers")
    assert_lacks(halo.get("/api/TimesheetEvent"), "read:timesheets")
    # Who it is and the reference lists stay readable, so ids can be resolved.
    assert halo.get("/api/Agent/me").status_code == 200
    assert halo.get("/api/Lookup", lookupid=17).status_code == 200
    # On the native API the same token only reads, too.
    token = ApiToken.objects.get(name=token_name(halo.app))
    assert token.scopes == ["read"] and token.halo_scopes == ["read:tickets"]
    native = halo.http.post(
        "/api/v1/time-entries",
        json.dumps({"started_at": "2026-11-16T09:00:00Z", "duration_minutes": 30}),
        content_type="application/json",
        headers=halo.headers,
    )
    assert native.status_code == 403 and native.json()["error"] == "insufficient_scope"


def test_edit_tickets_writes_tickets(engineer, admin, client_acme, remote_support):
    halo = ScopedHalo(engineer, admin, "read:tickets edit:tickets")
    assert halo.answer.json()["scope"] == "read:tickets edit:tickets"
    created = halo.post("/api/Tickets", [{"summary": "Printer", "client_id": client_acme.pk}])
    assert created.status_code in (200, 201), created.content
    assert_lacks(
        halo.post("/api/TimesheetEvent", [{"start_date": "2026-11-16T09:00:00Z", "timetaken": 1}]),
        "edit:timesheets",
    )


def test_edit_timesheets_logs_time_but_reads_no_tickets(engineer, admin):
    halo = ScopedHalo(engineer, admin, "edit:timesheets")
    event = halo.post(
        "/api/TimesheetEvent", [{"start_date": "2026-11-16T09:00:00Z", "timetaken": 1}]
    )
    assert event.status_code in (200, 201), event.content
    assert halo.get("/api/Timesheet", date="2026-11-16").status_code == 200
    assert_lacks(halo.get("/api/Tickets"), "read:tickets")
    token = ApiToken.objects.get(name=token_name(halo.app))
    assert token.scopes == ["read", "time", "approve"]


@pytest.mark.parametrize("scope", [None, "all", "ALL"])
def test_all_or_no_scope_is_everything_the_application_holds(scope, billing, admin):
    halo = ScopedHalo(billing, admin, scope)
    assert halo.answer.json()["scope"] == "all"
    assert halo.get("/api/Invoice").status_code == 200
    assert halo.get("/api/Tickets").status_code == 200
    token = ApiToken.objects.get(name=token_name(halo.app))
    assert token.scopes == ["read", "time", "approve", "billing"]  # a billing user's


def test_read_customers_reads_clients(billing, admin, client_acme):
    halo = ScopedHalo(billing, admin, "read:customers,read:invoices")
    assert halo.answer.json()["scope"] == "read:customers read:invoices"
    assert halo.get("/api/Client").status_code == 200
    assert halo.get("/api/Invoice").status_code == 200
    assert_lacks(halo.get("/api/ClientContract"), "read:contracts")


def test_an_edit_the_application_cannot_write_is_granted_as_read(engineer, admin):
    halo = ScopedHalo(engineer, admin, "edit:invoices")  # engineers do not bill
    assert halo.answer.json()["scope"] == "read:invoices"


def test_halo_areas_without_endpoints_here_are_accepted_but_grant_nothing(engineer, admin):
    halo = ScopedHalo(engineer, admin, "read:assets read:tickets")
    assert halo.answer.json()["scope"] == "read:tickets"
    only_assets = ScopedHalo(engineer, admin, "read:assets")
    assert only_assets.answer.status_code == 400
    assert only_assets.answer.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("scope", ["read:everything", "write:tickets", "superuser"])
def test_unknown_scopes_are_invalid_scope(scope, engineer, admin):
    halo = ScopedHalo(engineer, admin, scope)
    assert halo.answer.status_code == 400
    body = halo.answer.json()
    assert set(body) == {"error", "error_description"} and body["error"] == "invalid_scope"
    assert scope in body["error_description"]
    assert not ApiToken.objects.filter(name=token_name(halo.app)).exists()


def test_admin_scope_needs_an_application_that_holds_admin(engineer, admin):
    assert ScopedHalo(engineer, admin, "admin").answer.json()["error"] == "invalid_scope"
    halo = ScopedHalo(admin, admin, "admin")
    assert halo.answer.json()["scope"] == "admin"
    assert halo.get("/api/Agent").status_code == 200
    assert_lacks(halo.get("/api/Tickets"), "read:tickets")


def test_native_tokens_are_not_narrowed_by_halo_areas(engineer):
    from tests.conftest import bearer

    response = HttpClient().get("/api/Tickets", headers=bearer(engineer))
    assert response.status_code == 200


# --- the mapping, for every Halo resource (some arrive with other work) ------------------------

RESOURCES = {
    "Tickets": "tickets",
    "Actions": "tickets",
    "Projects": "tickets",
    "Client": "customers",
    "Site": "customers",
    "Users": "customers",
    "ClientContract": "contracts",
    "Invoice": "invoices",
    "Timesheet": "timesheets",
    "TimesheetEvent": "timesheets",
    "Agent": "agents",
    "Team": "agents",
    "Item": "items",
}


@pytest.mark.parametrize("resource, area", RESOURCES.items())
def test_each_resource_belongs_to_its_area(resource, area):
    name = scopes.resource_of(f"/api/{resource}/12")
    assert scopes.missing_scope([f"read:{area}"], name, write=False) is None
    assert scopes.missing_scope([f"edit:{area}"], name, write=True) is None
    assert scopes.missing_scope([f"read:{area}"], name, write=True) is not None
    assert scopes.missing_scope(["all"], name, write=True) is None
    other = "invoices" if area != "invoices" else "tickets"
    assert scopes.missing_scope([f"edit:{other}"], name, write=False) == f"read:{area}"


@pytest.mark.parametrize(
    "path", ["/api/Status", "/api/TicketType", "/api/Outcome", "/api/Priority", "/api/lookup/3"]
)
def test_reference_lists_are_read_with_any_scope_and_written_with_admin(path):
    name = scopes.resource_of(path)
    assert scopes.missing_scope(["read:tickets"], name, write=False) is None
    assert scopes.missing_scope(["edit:tickets"], name, write=True) == "admin"
    assert scopes.missing_scope(["admin"], name, write=True) is None


def test_paths_are_case_insensitive_and_unknown_resources_need_all():
    assert scopes.resource_of("/api/TICKETS/") == "tickets"
    assert scopes.resource_of("/api/authinfo") == "authinfo"
    assert scopes.missing_scope(["read:tickets"], "authinfo", write=False) is None
    assert scopes.missing_scope(["all:standard"], "somethingnew", write=False) == "all"
    assert scopes.missing_scope(["all:standard"], "tickets", write=True) is None
    assert scopes.missing_scope(["all:standard"], "agent", write=True) == "admin"
    assert scopes.missing_scope([], "somethingnew", write=True) is None
