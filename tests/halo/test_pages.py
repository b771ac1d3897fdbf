"""Admin pages for API applications and webhooks: who may use them, and revocation."""

import pytest
from django.test import Client as HttpClient

from tallyhour.core.errors import InvalidInput
from tallyhour.halo.models import ApiApplication
from tallyhour.halo.services import api_application_create
from tallyhour.webhooks.models import Subscription
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/settings/api-applications/", "/settings/webhooks/"])
def test_only_admins_manage_integrations(path, engineer, approver, billing, admin):
    for user in (engineer, approver, billing):
        assert login(user).get(path).status_code == 403
    assert login(admin).get(path).status_code == 200


def test_application_secret_is_shown_once_and_revoking_kills_its_tokens(admin, engineer):
    page = login(admin)
    created = page.post(
        "/settings/api-applications/",
        {"name": "RMM", "agent_id": engineer.pk, "act_as_other": "on"},
    )
    app = ApiApplication.objects.get()
    assert app.client_id.encode() in created.content
    secret = created.content.decode().split("client_secret: <code>")[1].split("</code>")[0]
    assert secret.encode() not in page.get("/settings/api-applications/").content

    http = HttpClient()
    token = http.post(
        "/auth/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret},
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert http.get("/api/Agent/me", headers=headers).status_code == 200
    page.post(f"/settings/api-applications/{app.pk}/revoke/")
    assert http.get("/api/Agent/me", headers=headers).status_code == 401
    again = http.post(
        "/auth/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret},
    )
    assert again.status_code == 401


def test_webhook_subscription_through_the_page(admin):
    page = login(admin)
    page.post(
        "/settings/webhooks/",
        {"url": "https://rmm.example.test/hook", "events": ["invoice.issued"]},
    )
    subscription = Subscription.objects.get()
    assert subscription.events == ["invoice.issued"]
    page.post(f"/settings/webhooks/{subscription.pk}/delete/")
    assert not Subscription.objects.exists()


def test_a_portal_contact_cannot_be_an_applications_agent(admin, contact):
    with pytest.raises(InvalidInput) as raised:
        api_application_create(name="RMM", agent=contact.user, actor=admin, act_as_other=True)
    assert raised.value.fields == {"agent_id": "contact"}

    page = login(admin).get("/settings/api-applications/")
    assert contact.user.username not in page.content.decode()
