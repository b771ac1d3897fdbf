"""Token scopes, revocation, the createapitoken command and the /settings/tokens/ page."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tallyhour.accounts.models import ApiToken
from tallyhour.accounts.services import api_token_create, api_token_resolve, api_token_revoke
from tallyhour.core.audit import history_for
from tallyhour.core.errors import InvalidInput, NotFound
from tests.conftest import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


def test_create_with_scopes_keeps_them_in_role_order(approver):
    token, raw = api_token_create(user=approver, name="rmm", scopes=["approve", "read"])
    assert token.scopes == ["read", "approve"]
    assert api_token_resolve(raw, now=NOW) == token


@pytest.mark.parametrize("scopes", [["nope"], [], ["admin"], ["billing"]])
def test_unknown_empty_or_beyond_role_scopes_are_refused(engineer, scopes):
    with pytest.raises(InvalidInput) as exc:
        api_token_create(user=engineer, name="x", scopes=scopes)
    assert "scopes" in exc.value.fields
    assert not ApiToken.objects.exists()


def test_revoke_stops_the_token_and_is_audited(engineer):
    token, raw = api_token_create(user=engineer, name="x")
    api_token_revoke(token=token, actor=engineer, now=NOW)
    assert api_token_resolve(raw, now=NOW) is None
    api_token_revoke(token=token, actor=engineer, now=NOW + dt.timedelta(hours=1))
    token.refresh_from_db()
    assert token.revoked_at == NOW
    assert [r.action for r in history_for(token)].count("api_token.revoke") == 1


def test_others_cannot_revoke_a_token_but_admins_can(engineer, other_engineer, admin):
    token, _ = api_token_create(user=engineer, name="x")
    with pytest.raises(NotFound):
        api_token_revoke(token=token, actor=other_engineer)
    api_token_revoke(token=token, actor=admin)
    assert ApiToken.objects.get().revoked_at is not None


def test_resolve_stamps_last_used(engineer):
    token, raw = api_token_create(user=engineer, name="x")
    assert api_token_resolve(raw, now=NOW).last_used_at == NOW
    token.refresh_from_db()
    assert token.last_used_at == NOW


def test_command_takes_scopes_and_expiry(engineer, time_machine):
    time_machine.move_to(NOW, tick=False)
    out = StringIO()
    call_command(
        "createapitoken",
        engineer.username,
        "--scopes",
        "read,time",
        "--expires-days",
        "90",
        stdout=out,
    )
    token = ApiToken.objects.get()
    assert token.scopes == ["read", "time"]
    assert token.expires_at == NOW + dt.timedelta(days=90)
    assert api_token_resolve(out.getvalue().strip(), now=NOW) == token


def test_command_defaults_to_all_scopes_of_the_role(admin):
    call_command("createapitoken", admin.username, stdout=StringIO())
    assert ApiToken.objects.get().scopes == ["read", "time", "approve", "billing", "admin"]


def test_command_refuses_bad_scopes_and_expiry(engineer):
    with pytest.raises(CommandError, match="billing"):
        call_command("createapitoken", engineer.username, "--scopes", "billing", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("createapitoken", engineer.username, "--expires-days", "0", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_page_lists_only_own_tokens_without_secrets(engineer, other_engineer):
    api_token_create(user=engineer, name="mine")
    api_token_create(user=other_engineer, name="theirs")
    engineer.refresh_from_db()
    response = login(engineer).get("/settings/tokens/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "mine" in html and "theirs" not in html
    assert ApiToken.objects.get(name="mine").prefix in html
    # Scopes the role cannot hold are not offered.
    assert 'value="billing"' not in html and 'value="time"' in html


def test_page_creates_a_token_and_shows_it_once(engineer):
    engineer.refresh_from_db()
    browser = login(engineer)
    response = browser.post(
        "/settings/tokens/", {"name": "rmm", "scopes": ["read", "time"], "expires_days": "30"}
    )
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("th_") and raw in response.content.decode()
    token = ApiToken.objects.get()
    assert token.scopes == ["read", "time"] and token.expires_at is not None
    assert raw not in browser.get("/settings/tokens/").content.decode()


def test_page_refuses_bad_input(engineer):
    engineer.refresh_from_db()
    browser = login(engineer)
    response = browser.post("/settings/tokens/", {"name": "x", "scopes": ["billing"]})
    assert response.status_code == 422
    response = browser.post(
        "/settings/tokens/", {"name": "x", "scopes": ["read"], "expires_days": "-3"}
    )
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_page_revokes_own_token_only(engineer, other_engineer):
    mine, _ = api_token_create(user=engineer, name="mine")
    theirs, _ = api_token_create(user=other_engineer, name="theirs")
    engineer.refresh_from_db()
    browser = login(engineer)
    assert browser.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404
    assert browser.post(f"/settings/tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None


def test_page_needs_sign_in(client):
    assert client.get("/settings/tokens/").status_code == 302
