"""Endpoints behind the settings pages and small page actions: API tokens, webhooks, HaloPSA
API applications, notices and "work on this ticket"."""

import datetime as dt

import pytest

from tallyhour.accounts.models import ApiToken
from tallyhour.core import dates
from tallyhour.core.models import Notice
from tallyhour.core.notices import notice_send
from tallyhour.halo.models import ApiApplication
from tallyhour.timetracking.models import Timer, TimerState
from tallyhour.webhooks.models import Delivery, Subscription
from tallyhour.webhooks.services import subscription_create, webhook_emit
from tests.api.conftest import Api, assert_error

pytestmark = pytest.mark.django_db


# --- API tokens ---------------------------------------------------------------------------------


def _signed_in(user) -> Api:  # noqa: ANN001
    """The API as the user's browser session (how the tokens page manages tokens)."""
    api = Api()
    api.http.force_login(user)
    return api


def test_create_list_and_revoke_own_token(engineer):
    api = _signed_in(engineer)
    response = api.post("/tokens", {"name": "script", "scopes": ["read", "time"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("th_") and body["scopes"] == ["read", "time"]
    stored = ApiToken.objects.get(pk=body["id"])
    assert body["token"] not in (stored.digest, stored.prefix)
    new = Api(headers={"Authorization": f"Bearer {body['token']}"})
    assert new.get("/agents").status_code == 200
    listed = api.get("/tokens").json()
    assert body["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)
    revoked = api.post(f"/tokens/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert new.get("/agents").status_code == 401


def test_tokens_are_private(engineer, other_engineer, admin):
    mine = _signed_in(engineer).post("/tokens", {"name": "mine"}).json()
    other = _signed_in(other_engineer)
    assert mine["id"] not in [t["id"] for t in other.get("/tokens").json()]
    assert_error(other.post(f"/tokens/{mine['id']}/revoke"), 404)
    assert_error(_signed_in(admin).post(f"/tokens/{mine['id']}/revoke"), 404)
    assert ApiToken.objects.get(pk=mine["id"]).revoked_at is None


def test_a_token_cannot_manage_tokens_without_the_admin_scope(engineer):
    from tallyhour.accounts.services import api_token_create

    _, raw = api_token_create(user=engineer, name="full")
    token_api = Api(headers={"Authorization": f"Bearer {raw}"})
    assert token_api.get("/tokens").status_code == 200
    body = assert_error(token_api.post("/tokens", {"name": "successor"}), 403)
    assert body["error"] == "insufficient_scope"
    own = ApiToken.objects.get(name="full")
    assert_error(token_api.post(f"/tokens/{own.pk}/revoke"), 403)
    assert ApiToken.objects.filter(user=engineer).count() == 1


def test_an_admin_token_only_grants_its_own_scopes(admin):
    from tallyhour.accounts.services import api_token_create

    _, raw = api_token_create(user=admin, name="ops", scopes=["read", "admin"])
    narrow = Api(headers={"Authorization": f"Bearer {raw}"})
    body = assert_error(narrow.post("/tokens", {"name": "x", "scopes": ["billing"]}), 403)
    assert body["error"] == "insufficient_scope"
    response = narrow.post("/tokens", {"name": "x"})
    assert response.status_code == 201, response.content
    assert response.json()["scopes"] == ["read", "admin"]


def test_token_input_is_checked(engineer):
    api = _signed_in(engineer)
    assert_error(api.post("/tokens", {"name": "x", "scopes": ["billing"]}), 422, "scopes")
    assert_error(api.post("/tokens", {"name": "x", "scopes": ["nope"]}), 422)
    past = (dates.now() - dt.timedelta(days=1)).isoformat()
    assert_error(api.post("/tokens", {"name": "x", "expires_at": past}), 422, "expires_at")
    assert not ApiToken.objects.exists()


# --- webhooks -----------------------------------------------------------------------------------


def test_admin_subscribes_lists_and_deletes(admin):
    api = Api(admin)
    body = {"url": "https://hooks.example.com/th", "events": ["invoice.issued"]}
    created = api.post("/webhooks", body, headers={"Idempotency-Key": "hook-1"})
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    again = api.post("/webhooks", body, headers={"Idempotency-Key": "hook-1"})
    assert again.json() == created.json()
    assert Subscription.objects.count() == 1
    listed = api.get("/webhooks").json()
    assert [s["url"] for s in listed] == [body["url"]] and "secret" not in listed[0]
    assert api.delete(f"/webhooks/{created.json()['id']}").status_code == 204
    assert not Subscription.objects.exists()
    assert_error(api.delete(f"/webhooks/{created.json()['id']}"), 404)


def test_webhooks_are_admin_only(engineer, billing):
    for user in (engineer, billing):
        api = Api(user)
        assert_error(api.get("/webhooks"), 403)
        assert_error(api.get("/webhook-deliveries"), 403)
        assert_error(api.post("/webhooks", {"url": "https://x.example.com/h"}), 403)
    assert not Subscription.objects.exists()


def test_webhook_input_is_checked(admin):
    api = Api(admin)
    assert_error(api.post("/webhooks", {"url": "ftp://x.example.com/h"}), 422, "url")
    assert_error(api.post("/webhooks", {"url": "https://x.example.com", "events": ["x"]}), 422)


def test_deliveries_list_and_replay(admin):
    subscription, _ = subscription_create(
        url="https://hooks.example.com/th", events=[], actor=admin
    )
    webhook_emit("invoice.issued", {"id": 1})
    api = Api(admin)
    page = api.get("/webhook-deliveries", subscription_id=subscription.pk).json()
    assert page["count"] == 1
    original = page["items"][0]["id"]
    replay = api.post(
        f"/webhook-deliveries/{original}/replay", headers={"Idempotency-Key": "replay-1"}
    )
    assert replay.status_code == 201, replay.content
    assert replay.json()["state"] == "pending" and replay.json()["id"] != original
    api.post(f"/webhook-deliveries/{original}/replay", headers={"Idempotency-Key": "replay-1"})
    assert Delivery.objects.count() == 2
    assert api.get("/webhook-deliveries", state="pending").json()["count"] == 2
    assert_error(api.post("/webhook-deliveries/999999/replay"), 404)


# --- HaloPSA API applications ------------------------------------------------------------------


def test_admin_creates_lists_and_revokes_an_application(admin, engineer):
    api = Api(admin)
    created = api.post(
        "/api-applications", {"name": "RMM sync", "agent_id": engineer.pk, "act_as_other": True}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["client_secret"] and body["agent_id"] == engineer.pk
    app = ApiApplication.objects.get()
    assert body["client_secret"] not in app.secret_digest
    assert [a["client_id"] for a in api.get("/api-applications").json()] == [app.client_id]
    assert "client_secret" not in api.get("/api-applications").json()[0]
    revoked = api.post(f"/api-applications/{app.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert_error(api.post("/api-applications/999999/revoke"), 404)


def test_applications_are_admin_only_and_checked(admin, billing, engineer):
    assert_error(Api(billing).get("/api-applications"), 403)
    assert_error(Api(billing).post("/api-applications", {"name": "x", "agent_id": 1}), 403)
    api = Api(admin)
    assert_error(api.post("/api-applications", {"name": "x", "agent_id": 999999}), 422, "agent_id")
    assert_error(api.post("/api-applications", {"name": "", "agent_id": engineer.pk}), 422, "name")
    acting_as_other = api.post("/api-applications", {"name": "x", "agent_id": engineer.pk})
    assert_error(acting_as_other, 422, "act_as_other")
    assert not ApiApplication.objects.exists()


# --- notices ------------------------------------------------------------------------------------


def test_notices_list_and_mark_read(engineer, approver):
    first = notice_send(user=engineer, text="Timer capped")
    notice_send(user=engineer, text="Another")
    notice_send(user=approver, text="Not yours")
    api = Api(engineer)
    assert api.get("/notices").json()["count"] == 2
    marked = api.post("/notices/read", {"notice_id": first.pk})
    assert marked.status_code == 200 and marked.json() == {"marked": 1}
    assert [n["text"] for n in api.get("/notices", unread=True).json()["items"]] == ["Another"]
    assert api.post("/notices/read").json() == {"marked": 1}
    assert api.post("/notices/read").json() == {"marked": 0}
    assert Notice.objects.filter(user=approver, read_at=None).count() == 1
    other = Notice.objects.get(user=approver)
    assert_error(api.post("/notices/read", {"notice_id": other.pk}), 404)


# --- work on a ticket ---------------------------------------------------------------------------


def test_work_on_ticket_starts_then_keeps_the_timer(engineer, ticket):
    api = Api(engineer)
    first = api.post(f"/tickets/{ticket.pk}/work")
    assert first.status_code == 200, first.content
    timer = first.json()["timer"]
    assert timer["ticket_id"] == ticket.pk and timer["state"] == "running"
    again = api.post(f"/tickets/{ticket.pk}/work", {"kind": "note"})
    assert again.json()["timer"]["id"] == timer["id"]
    assert Timer.objects.filter(agent=engineer).count() == 1


def test_work_on_another_ticket_pauses_the_first(engineer, ticket, client_acme):
    from tests.factories import TicketFactory

    other = TicketFactory(client=client_acme, summary="VPN down")
    api = Api(engineer)
    api.post(f"/tickets/{ticket.pk}/work")
    api.post(f"/tickets/{other.pk}/work")
    states = dict(Timer.objects.values_list("ticket_id", "state"))
    assert states == {ticket.pk: TimerState.PAUSED, other.pk: TimerState.RUNNING}
    assert_error(api.post("/tickets/999999/work"), 404)
