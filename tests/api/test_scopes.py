"""Token scopes narrow what a bearer token may do; browser sessions are unaffected."""

import pytest

from tallyhour.accounts.apiauth import required_scope
from tallyhour.accounts.models import ApiToken
from tallyhour.accounts.services import api_token_create
from tallyhour.timetracking.models import TimeEntry
from tests.api.conftest import Api, assert_error

pytestmark = pytest.mark.django_db

ENTRY = {"started_at": "2026-11-16T09:00:00Z", "duration_minutes": 30}


def token_api(user, scopes) -> Api:  # noqa: ANN001
    _, raw = api_token_create(user=user, name="scoped", scopes=scopes)
    return Api(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/api/v1/invoices", "read"),
        ("HEAD", "/api/v1/time-entries", "read"),
        ("POST", "/api/v1/time-entries", "time"),
        ("PATCH", "/api/v1/time-entries/4", "time"),
        ("DELETE", "/api/v1/time-entries/4", "time"),
        ("POST", "/api/v1/timers/2/stop", "time"),
        ("POST", "/api/v1/timesheets/3/2026-W47/submit", "time"),
        ("POST", "/api/v1/tickets/5/actions", "time"),
        ("POST", "/api/v1/submissions/1/recall", "time"),
        ("POST", "/api/v1/submissions/1/approve", "approve"),
        ("POST", "/api/v1/submissions/1/reopen", "approve"),
        ("POST", "/api/v1/approvals/bulk-approve", "approve"),
        ("POST", "/api/v1/time-entries/4/write-off", "approve"),
        ("POST", "/api/v1/invoice-runs", "billing"),
        ("DELETE", "/api/v1/invoices/1/lines/2", "billing"),
        ("POST", "/api/v1/contracts/1/prepay", "billing"),
        ("POST", "/api/v1/clients", "billing"),
        ("POST", "/api/v1/rates", "billing"),
        ("POST", "/api/v1/charge-types", "admin"),
    ],
)
def test_each_write_needs_the_scope_of_its_router(method, path, scope):
    assert required_scope(method, path) == scope


def test_read_only_token_reads_but_cannot_write(engineer):
    api = token_api(engineer, ["read"])
    assert api.get("/time-entries").status_code == 200
    body = assert_error(api.post("/time-entries", ENTRY), 403, "scope")
    assert body["error"] == "insufficient_scope"
    assert body["fields"]["scope"] == "time"
    assert "time" in body["message"]
    assert not TimeEntry.objects.exists()


def test_time_only_token_cannot_read(engineer):
    api = token_api(engineer, ["time"])
    body = assert_error(api.get("/time-entries"), 403, "scope")
    assert body["fields"]["scope"] == "read"
    assert api.post("/time-entries", ENTRY).status_code == 201


def test_billing_token_without_billing_scope_cannot_run_invoices(billing, approved_entry):
    api = token_api(billing, ["read", "time"])
    body = {"cut_off": "2026-11-30", "commit": True}
    assert assert_error(api.post("/invoice-runs", body), 403)["fields"]["scope"] == "billing"
    assert token_api(billing, ["billing"]).post("/invoice-runs", body).status_code < 300


def test_scopes_never_widen_the_role(engineer, billing):
    from tallyhour.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        api_token_create(user=engineer, name="x", scopes=["billing"])
    # A role lowered after the token was made loses the scopes it no longer allows.
    token, _ = api_token_create(user=billing, name="x")
    billing.role = "engineer"
    billing.save()
    token.refresh_from_db()
    assert "billing" not in token.effective_scopes()
    assert token.effective_scopes() == {"read", "time", "approve"}


def test_default_scopes_are_those_of_the_role(engineer, admin):
    token, _ = api_token_create(user=engineer, name="x")
    assert token.scopes == ["read", "time", "approve"]
    token, _ = api_token_create(user=admin, name="x", expires_at=None)
    assert set(token.scopes) == {"read", "time", "approve", "billing", "admin"}
    assert ApiToken.objects.count() == 2


def test_session_requests_ignore_scopes(engineer):
    from django.test import Client as HttpClient

    engineer.refresh_from_db()
    browser = HttpClient()
    browser.force_login(engineer)
    assert browser.get("/api/v1/time-entries").status_code == 200
