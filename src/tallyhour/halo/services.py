"""Writes for the HaloPSA-compatible API: applications and access tokens."""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from django.db import transaction

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import can_admin
from tallyhour.accounts.services import api_token_create, api_tokens_revoke_named
from tallyhour.core import dates
from tallyhour.core.audit import audit_record
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.halo.models import ApiApplication

TOKEN_LIFETIME = dt.timedelta(hours=1)


class OAuthError(Exception):
    """An OAuth2 error response: `error` code and `error_description`."""

    def __init__(self, error: str, description: str, status: int = 401):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _digest(secret: str) -> str:
    # Secrets are 256-bit random strings, so a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_application_create(
    *, name: str, agent: User, actor: User, scopes: str = "all"
) -> tuple[ApiApplication, str]:
    """Register an application; the secret is returned once and only its digest is kept."""
    if not can_admin(actor):
        raise Forbidden("Only admins can create API applications.")
    if not (name or "").strip():
        raise InvalidInput("Give the application a name.", fields={"name": "required"})
    if not agent.is_active:
        raise InvalidInput("The agent must be an active user.", fields={"agent_id": "inactive"})
    if agent.is_contact:
        raise InvalidInput(
            "A client portal contact cannot act for an application.",
            fields={"agent_id": "contact"},
        )
    secret = secrets.token_urlsafe(32)
    app = ApiApplication.objects.create(
        name=name.strip(),
        client_id=str(uuid.uuid4()),
        secret_digest=_digest(secret),
        agent=agent,
        scopes=scopes or "all",
    )
    audit_record(
        actor=actor,
        action="api_application.create",
        obj=app,
        after={"name": app.name, "agent": agent.pk, "scopes": app.scopes},
    )
    return app, secret


@transaction.atomic
def api_application_revoke(*, application: ApiApplication, actor: User) -> ApiApplication:
    if not can_admin(actor):
        raise Forbidden("Only admins can revoke API applications.")
    application.is_active = False
    application.save(update_fields=["is_active"])
    # Tokens it already handed out stop working now, not when they expire.
    api_tokens_revoke_named(name=f"halo:{application.client_id}", actor=actor)
    audit_record(actor=actor, action="api_application.revoke", obj=application)
    return application


def halo_token_issue(
    *, grant_type: str, client_id: str, client_secret: str, now: dt.datetime | None = None
) -> dict[str, object]:
    """OAuth2 client credentials: a bearer token for the application's agent, valid one hour."""
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.", 400)
    app = ApiApplication.objects.select_related("agent").filter(client_id=client_id or "").first()
    valid = app is not None and hmac.compare_digest(app.secret_digest, _digest(client_secret or ""))
    if app is None or not valid or not app.is_active or not app.agent.is_active:
        raise OAuthError("invalid_client", "Unknown client, wrong secret or revoked application.")
    now = now or dates.now()
    _, raw = api_token_create(
        user=app.agent,
        name=f"halo:{app.client_id}",
        actor=app.agent,
        expires_at=now + TOKEN_LIFETIME,
    )
    ApiApplication.objects.filter(pk=app.pk).update(last_used_at=now)
    return {
        "access_token": raw,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "scope": app.scopes,
    }
