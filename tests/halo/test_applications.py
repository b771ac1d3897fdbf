"""API applications are no way around the rules: never more than their registrar may grant,
acting as someone else only when asked for, no approving one's own time, a bounded token
table and a rate-limited token endpoint."""

import importlib
import json

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient

from tallyhour.accounts.models import ApiToken, Role
from tallyhour.accounts.services import api_token_create
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.core.models import AuditEntry
from tallyhour.halo.models import ApiApplication
from tallyhour.halo.services import api_application_create, token_name
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.services import submission_submit
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at, login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


def take_token(app: ApiApplication, secret: str, http: HttpClient | None = None, **extra):  # noqa: ANN003, ANN201
    return (http or HttpClient()).post(
        "/auth/token",
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": secret,
            **extra,
        },
    )


def bearer_of(response) -> dict[str, str]:  # noqa: ANN001
    assert response.status_code == 200, response.content
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def post_json(path: str, body, headers: dict[str, str]):  # noqa: ANN001, ANN201
    return HttpClient().post(
        path, json.dumps(body), content_type="application/json", headers=headers
    )


# --- nobody approves their own time through an application --------------------------------------


@pytest.fixture
def admins_week(admin, approver, ticket):
    """The admin's own week, submitted; their timesheet approver is `approver`."""
    admin.agent.timesheet_approver = approver
    admin.agent.save(update_fields=["timesheet_approver"])
    with time_machine.travel(at(MONDAY, 18), tick=False):
        time_entry_create(
            agent=admin, actor=admin, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
        )
        return submission_submit(agent=admin, week_start=MONDAY, actor=admin)


def test_an_admin_cannot_approve_their_own_week_through_an_application_as_their_approver(
    admin, approver, admins_week
):
    # The admin registers an application acting as their own approver (through the API, as a
    # script would), takes its token and tries to approve their own week with it.
    created = login(admin).post(
        "/api/v1/api-applications",
        {"name": "Self-service", "agent_id": approver.pk, "act_as_other": True},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    app = ApiApplication.objects.get()
    headers = bearer_of(take_token(app, created.json()["client_secret"]))

    halo = post_json(
        "/api/Timesheet", [{"agent_id": admin.pk, "date": "2026-11-16", "_approve": True}], headers
    )
    assert halo.status_code == 403, halo.content
    assert halo.json()["error"] == "own_time"
    native = HttpClient().post(f"/api/v1/submissions/{admins_week.pk}/approve", headers=headers)
    assert native.status_code == 403 and native.json()["error"] == "own_time"
    rejected = post_json(
        "/api/Timesheet",
        [{"agent_id": admin.pk, "date": "2026-11-16", "_reject": True, "note": "no"}],
        headers,
    )
    assert rejected.status_code == 403
    assert Submission.objects.get().state == SubmissionState.SUBMITTED

    # The approver themselves still decides, as always.
    decided = login(approver).post(
        f"/api/v1/submissions/{admins_week.pk}/approve", content_type="application/json"
    )
    assert decided.status_code == 200
    # Nor can the application's token reopen what its registrar's approver approved.
    reopened = HttpClient().post(
        f"/api/v1/submissions/{admins_week.pk}/reopen",
        json.dumps({"reason": "mine"}),
        content_type="application/json",
        headers=headers,
    )
    assert reopened.status_code == 403
    assert Submission.objects.get().state == SubmissionState.APPROVED


def test_the_same_application_still_approves_other_peoples_time(admin, approver, engineer, ticket):
    with time_machine.travel(at(MONDAY, 18), tick=False):
        time_entry_create(
            agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60
        )
        submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    app, secret = api_application_create(
        name="Approvals", agent=approver, actor=admin, act_as_other=True
    )
    headers = bearer_of(take_token(app, secret))
    approved = post_json(
        "/api/Timesheet",
        [{"agent_id": engineer.pk, "date": "2026-11-16", "_approve": True}],
        headers,
    )
    assert approved.status_code == 200, approved.content
    assert Submission.objects.get().state == SubmissionState.APPROVED


def test_an_applications_token_cannot_mint_tokens_or_applications_that_shed_its_grant(
    admin, approver, admins_week
):
    # The approver is made an admin, so their application's token holds the admin scope.
    approver.role = Role.ADMIN
    approver.save()
    app, secret = api_application_create(
        name="Self-service", agent=approver, actor=admin, act_as_other=True
    )
    headers = bearer_of(take_token(app, secret))
    minted = post_json("/api/v1/tokens", {"name": "plain"}, headers)
    assert minted.status_code == 403, minted.content
    registered = post_json(
        "/api/v1/api-applications", {"name": "Again", "agent_id": approver.pk}, headers
    )
    assert registered.status_code == 403, registered.content
    assert ApiApplication.objects.count() == 1
    assert not ApiToken.objects.filter(name="plain").exists()


# --- never more than the registrar may grant ----------------------------------------------------


def test_a_narrow_token_cannot_register_an_application_broader_than_itself(admin, engineer):
    _, raw = api_token_create(user=admin, name="ops", scopes=["read", "admin"])
    headers = {"Authorization": f"Bearer {raw}"}
    created = post_json(
        "/api/v1/api-applications", {"name": "Broad", "agent_id": admin.pk}, headers
    )
    assert created.status_code == 201, created.content
    assert created.json()["scopes"] == "read admin"
    assert created.json()["created_by_id"] == admin.pk
    app = ApiApplication.objects.get()
    token = take_token(app, created.json()["client_secret"])
    assert token.json()["scope"] == "all"
    issued = ApiToken.objects.get(name=token_name(app))
    assert issued.scopes == ["read", "admin"]
    # Its token cannot do what the registering token could not.
    event = post_json(
        "/api/TimesheetEvent",
        [{"start_date": "2026-11-16T09:00:00Z", "timetaken": 1}],
        bearer_of(token),
    )
    assert event.status_code == 403 and event.json()["error"] == "insufficient_scope"

    asking_more = post_json(
        "/api/v1/api-applications",
        {"name": "Broader", "agent_id": admin.pk, "scopes": ["read", "time"]},
        headers,
    )
    assert asking_more.status_code == 403
    assert asking_more.json()["fields"] == {"scopes": "beyond what you hold"}
    # Acting as an engineer, the application holds what both allow: read.
    as_engineer = post_json(
        "/api/v1/api-applications",
        {"name": "Engineer", "agent_id": engineer.pk, "act_as_other": True},
        headers,
    )
    assert as_engineer.json()["scopes"] == "read"


def test_scopes_are_checked_by_the_service(admin, engineer):
    with pytest.raises(InvalidInput) as unknown:
        api_application_create(name="x", agent=admin, actor=admin, scopes=["everything"])
    assert unknown.value.fields == {"scopes": "unknown scope"}
    with pytest.raises(InvalidInput) as beyond_agent:
        api_application_create(
            name="x", agent=engineer, actor=admin, scopes=["billing"], act_as_other=True
        )
    assert beyond_agent.value.fields == {"scopes": "beyond the agent's role"}
    with pytest.raises(Forbidden):
        api_application_create(name="x", agent=engineer, actor=engineer)
    assert not ApiApplication.objects.exists()


@pytest.mark.parametrize("change", ["demoted", "deactivated"])
def test_tokens_stop_when_the_registrar_can_no_longer_grant(change, admin, engineer):
    app, secret = api_application_create(name="RMM", agent=engineer, actor=admin, act_as_other=True)
    assert take_token(app, secret).status_code == 200
    if change == "demoted":
        admin.role = Role.APPROVER
    else:
        admin.is_active = False
    admin.save()
    refused = take_token(app, secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert "registered" in refused.json()["error_description"]


def test_registrar_is_found_for_applications_older_than_the_field(admin, engineer):
    app, _ = api_application_create(name="Old", agent=engineer, actor=admin, act_as_other=True)
    ApiApplication.objects.filter(pk=app.pk).update(created_by=None)
    unaudited = ApiApplication.objects.create(
        name="Unaudited", client_id="unaudited", secret_digest="0" * 64, agent=engineer
    )
    migration = importlib.import_module(
        "tallyhour.halo.migrations.0003_application_creator_from_audit_log"
    )
    migration.creators_from_audit_log(django_apps, None)
    app.refresh_from_db()
    unaudited.refresh_from_db()
    assert app.created_by == admin and unaudited.created_by is None


# --- acting as someone else is an explicit, audited choice --------------------------------------


def test_acting_as_another_user_must_be_asked_for_and_is_audited(admin, engineer):
    with pytest.raises(InvalidInput) as raised:
        api_application_create(name="RMM", agent=engineer, actor=admin)
    assert raised.value.fields == {"act_as_other": "required to act as another user"}
    app, _ = api_application_create(name="RMM", agent=engineer, actor=admin, act_as_other=True)
    assert app.created_by == admin
    entry = AuditEntry.objects.get(action="api_application.create", object_id=str(app.pk))
    assert entry.actor == admin
    assert entry.after["agent"] == engineer.pk and entry.after["created_by"] == admin.pk
    assert entry.after["acts_as_other"] is True and engineer.username in entry.reason
    # Acting as oneself needs no confirmation.
    own, _ = api_application_create(name="Mine", agent=admin, actor=admin)
    assert own.created_by == admin


def test_the_page_asks_before_acting_as_someone_else(admin, engineer):
    page = login(admin)
    refused = page.post("/settings/api-applications/", {"name": "RMM", "agent_id": engineer.pk})
    html = refused.content.decode()
    assert refused.status_code == 200 and not ApiApplication.objects.exists()
    assert 'name="act_as_other"' in html and 'aria-invalid="true"' in html
    assert "tick this to confirm" in html
    page.post(
        "/settings/api-applications/",
        {"name": "RMM", "agent_id": engineer.pk, "act_as_other": "on"},
    )
    assert ApiApplication.objects.get().created_by == admin


def test_the_command_records_its_admin_and_asks_too(admin, engineer, capsys):
    with pytest.raises(CommandError, match="confirm"):
        call_command("createapiapplication", "RMM", "engineer", "--by", "admin")
    with pytest.raises(CommandError, match="admins"):
        call_command("createapiapplication", "RMM", "engineer")  # an engineer cannot grant
    call_command("createapiapplication", "RMM", "engineer", "--by", "admin", "--act-as-other")
    app = ApiApplication.objects.get()
    assert app.created_by == admin and app.agent == engineer
    assert app.client_id in capsys.readouterr().out
    call_command("createapiapplication", "Mine", "admin", "--scopes", "read time")
    assert ApiApplication.objects.get(name="Mine").scopes == "read time"


def test_revoking_is_audited_and_stops_live_tokens(admin, engineer):
    app, secret = api_application_create(name="RMM", agent=engineer, actor=admin, act_as_other=True)
    headers = bearer_of(take_token(app, secret))
    login(admin).post(f"/settings/api-applications/{app.pk}/revoke/")
    assert AuditEntry.objects.filter(action="api_application.revoke").count() == 1
    assert HttpClient().get("/api/Agent/me", headers=headers).status_code == 401


# --- the token table stays bounded --------------------------------------------------------------


def test_fifty_token_calls_keep_a_bounded_table_and_the_newest_token_works(
    settings, admin, engineer
):
    settings.HALO_TOKEN_RATE_LIMIT = 0
    app, secret = api_application_create(
        name="Chatty", agent=engineer, actor=admin, act_as_other=True
    )
    responses = [take_token(app, secret) for _ in range(50)]
    assert all(r.status_code == 200 for r in responses)
    named = ApiToken.objects.filter(name=token_name(app))
    assert named.count() <= settings.HALO_TOKENS_PER_APPLICATION + 1
    assert named.filter(revoked_at=None).count() == settings.HALO_TOKENS_PER_APPLICATION
    newest, oldest = bearer_of(responses[-1]), bearer_of(responses[0])
    assert HttpClient().get("/api/Agent/me", headers=newest).status_code == 200
    assert HttpClient().get("/api/Agent/me", headers=oldest).status_code == 401
    # The tenth newest still works: only tokens beyond the budget were revoked.
    assert HttpClient().get("/api/Agent/me", headers=bearer_of(responses[-10])).status_code == 200
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 40


def test_expired_tokens_are_deleted_on_the_next_issue(admin, engineer):
    app, secret = api_application_create(name="RMM", agent=engineer, actor=admin, act_as_other=True)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        take_token(app, secret)
    with time_machine.travel(at(MONDAY, 12), tick=False):
        take_token(app, secret)
    assert ApiToken.objects.filter(name=token_name(app)).count() == 1


# --- /auth/token is rate limited ----------------------------------------------------------------


def test_token_calls_are_limited_per_client_id(settings, admin, engineer):
    settings.HALO_TOKEN_RATE_LIMIT = 3
    app, secret = api_application_create(name="RMM", agent=engineer, actor=admin, act_as_other=True)
    other, other_secret = api_application_create(
        name="Other", agent=engineer, actor=admin, act_as_other=True
    )
    assert take_token(app, "wrong secret").status_code == 401  # guesses count too
    assert [take_token(app, secret).status_code for _ in range(2)] == [200, 200]
    limited = take_token(app, secret)
    assert limited.status_code == 429
    assert set(limited.json()) == {"error", "error_description"}
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert take_token(other, other_secret).status_code == 200


def test_token_calls_are_limited_per_address(settings, admin, engineer):
    settings.HALO_TOKEN_ADDRESS_RATE_LIMIT = 2
    apps = [
        api_application_create(name=f"App {n}", agent=engineer, actor=admin, act_as_other=True)
        for n in range(3)
    ]
    assert [take_token(app, secret).status_code for app, secret in apps] == [200, 200, 429]
    elsewhere = HttpClient(REMOTE_ADDR="203.0.113.9")
    app, secret = apps[2]
    assert take_token(app, secret, http=elsewhere).status_code == 200
