"""Bearer tokens and browser sessions; everything else is a 401 in the error format."""

import datetime as dt

import pytest
from django.test import Client as HttpClient

from tallyhour.accounts.models import ApiToken, User
from tallyhour.timetracking.models import TimeEntry
from tests.api.conftest import PREFIX, Api, assert_error

pytestmark = pytest.mark.django_db

ENTRY = {"started_at": "2026-11-16T09:00:00Z", "duration_minutes": 30}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer th_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic ZW5naW5lZXI6cHc="},
        {"Authorization": "th_no-scheme"},
    ],
)
def test_missing_or_invalid_credentials_are_401(engineer, headers):
    api = Api(headers=headers)
    body = assert_error(api.get("/time-entries"), 401)
    assert body["error"] == "unauthorized"
    assert_error(api.post("/time-entries", ENTRY), 401)
    assert not TimeEntry.objects.exists()


def test_revoked_and_expired_tokens_are_401(engineer):
    api = Api(engineer)
    assert api.get("/agents").status_code == 200
    token = ApiToken.objects.get()
    token.revoked_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    token.save()
    response = api.get("/agents")
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_inactive_users_tokens_are_401(engineer):
    api = Api(engineer)
    engineer.is_active = False
    engineer.save()
    assert_error(api.get("/agents"), 401)


def signed_in(user: User, **kwargs: bool) -> HttpClient:
    # The factory sets the password only in memory; reload so the session's hash matches.
    user.refresh_from_db()
    browser = HttpClient(**kwargs)
    browser.force_login(user)
    return browser


def test_session_auth_reads(engineer, draft_entry):
    response = signed_in(engineer).get(f"{PREFIX}/time-entries")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_session_writes_need_the_csrf_token(engineer):
    browser = signed_in(engineer, enforce_csrf_checks=True)
    response = browser.post(f"{PREFIX}/time-entries", ENTRY, content_type="application/json")
    assert assert_error(response, 403)["error"] == "csrf_failed"
    assert not TimeEntry.objects.exists()

    browser.get("/api/v1/docs")  # any page that hands out the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        f"{PREFIX}/time-entries",
        ENTRY,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content


def test_bearer_writes_need_no_csrf_token(engineer):
    client = HttpClient(enforce_csrf_checks=True)
    response = client.post(
        f"{PREFIX}/time-entries",
        ENTRY,
        content_type="application/json",
        headers=Api(engineer).headers,
    )
    assert response.status_code == 201, response.content
