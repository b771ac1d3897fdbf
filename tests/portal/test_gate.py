"""The single gate: contacts reach the portal and nothing else; staff cannot use the portal."""

import re

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tallyhour.accounts.services import api_token_create
from tallyhour.api.api import api
from tallyhour.crm.services import contact_update
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _staff_paths() -> list[str]:
    """A concrete path for every non-portal URL pattern of the site (ids become 1)."""
    paths: list[str] = []

    def walk(patterns, prefix: str) -> None:  # noqa: ANN001
        for pattern in patterns:
            text = str(pattern.pattern)
            if text.startswith("^"):  # Halo's regex routes: their own test below
                continue
            text = re.sub(r"<int:\w+>", "1", text)
            text = re.sub(r"<(?:str|slug|path):\w+>", "x", text)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + text)
            elif isinstance(pattern, URLPattern) and "<" not in text:
                paths.append("/" + prefix + text)

    walk(get_resolver().url_patterns, "")
    return sorted({p for p in paths if not p.startswith(("/portal/", "/api/v1/"))})


def _api_paths() -> list[str]:
    schema = api.get_openapi_schema()
    return sorted(re.sub(r"\{\w+\}", "1", path) for path in schema["paths"])


STAFF_PATHS = _staff_paths()
HALO_PATHS = ["/api/Tickets", "/api/tickets/1", "/api/Actions", "/api/Invoice", "/api/agent/me"]


def test_the_walk_found_the_staff_site():
    for path in ("/", "/tickets/", "/clients/1/", "/billing/", "/admin/", "/settings/webhooks/"):
        assert path in STAFF_PATHS
    assert len(_api_paths()) > 20


@pytest.mark.parametrize("method", ["get", "post"])
def test_contacts_are_sent_to_the_portal_from_every_staff_page(contact, method):
    http = login(contact.user)
    for path in STAFF_PATHS:
        response = getattr(http, method)(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("portal:home"), path


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_contacts_get_403_json_from_every_api_route(contact, method):
    http = login(contact.user)
    for path in [*_api_paths(), *HALO_PATHS, "/auth/token"]:
        response = getattr(http, method)(path)
        assert response.status_code == 403, path
        assert response.json()["error"] == "forbidden", path


def test_a_contacts_bearer_token_opens_no_api(contact, ticket):
    _, raw = api_token_create(user=contact.user, name="sneaky")
    headers = {"Authorization": f"Bearer {raw}"}
    anonymous = HttpClient()
    assert anonymous.get("/api/v1/tickets", headers=headers).status_code == 401
    assert anonymous.get(f"/api/v1/tickets/{ticket.pk}", headers=headers).status_code == 401
    assert anonymous.get("/api/Tickets", headers=headers).status_code == 401


@pytest.mark.parametrize("persona", ["engineer", "approver", "billing", "admin"])
def test_staff_get_404_on_portal_pages(request, persona, ticket):
    http = login(request.getfixturevalue(persona))
    for name, args in [
        ("portal:home", []),
        ("portal:ticket_list", []),
        ("portal:ticket_detail", [ticket.pk]),
        ("portal:balance", []),
        ("portal:invoice_list", []),
        ("portal:invoice_pdf", [1]),
        ("portal:statement", []),
        ("portal:statement_csv", []),
    ]:
        assert http.get(reverse(name, args=args)).status_code == 404, name


def test_anonymous_visitors_are_sent_to_the_portal_sign_in(db):
    response = HttpClient().get(reverse("portal:ticket_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login") + "?next=")


def test_portal_sign_in_with_email_case_insensitive(contact):
    http = HttpClient()
    response = http.post(
        reverse("portal:login"), {"username": "ADA@acme.example", "password": "pw"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert http.get(reverse("portal:home")).status_code == 200


def test_staff_cannot_sign_in_on_the_portal(engineer):
    http = HttpClient()
    response = http.post(reverse("portal:login"), {"username": "engineer", "password": "pw"})
    assert response.status_code == 200
    assert b"This sign-in is for client contacts" in response.content
    assert "_auth_user_id" not in http.session


def test_a_contact_signing_in_on_the_staff_page_ends_in_the_portal(contact):
    http = HttpClient()
    response = http.post("/login/", {"username": contact.email, "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert b"Open tickets" in response.content


def test_portal_sign_in_locks_after_repeated_failures(contact):
    http = HttpClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        http.post(reverse("portal:login"), {"username": contact.email, "password": "wrong"})
    response = http.post(reverse("portal:login"), {"username": contact.email, "password": "pw"})
    assert response.status_code == 429
    assert "_auth_user_id" not in http.session


def test_switching_a_contact_off_ends_their_access(contact, billing):
    http = login(contact.user)
    assert http.get(reverse("portal:home")).status_code == 200
    contact_update(contact=contact, actor=billing, is_active=False)
    response = http.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_contacts_are_not_offered_as_ticket_assignees(contact, engineer, ticket):
    page = login(engineer).get(reverse("servicedesk:ticket_new")).content.decode()
    assert engineer.display_name in page  # the assignee list is there
    assert contact.user.display_name not in page
