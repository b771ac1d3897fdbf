"""Writes for the HaloPSA-compatible API: applications and access tokens."""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from tallyhour.accounts.apiauth import RateLimited, rate_check
from tallyhour.accounts.models import ApiToken, Scope, User, scopes_for_role
from tallyhour.accounts.permissions import can_admin
from tallyhour.accounts.services import (
    api_token_create,
    api_token_grantable_scopes,
    api_tokens_prune_named,
    api_tokens_revoke_named,
)
from tallyhour.core import dates
from tallyhour.core.audit import audit_record
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.halo import scopes as halo_scopes
from tallyhour.halo.models import ApiApplication

TOKEN_LIFETIME = dt.timedelta(hours=1)


class OAuthError(Exception):
    """An OAuth2 error response: `error` code and `error_description` (and, when rate
    limited, the seconds to wait)."""

    def __init__(
        self, error: str, description: str, status: int = 401, retry_after: int | None = None
    ):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.retry_after = retry_after


def _digest(secret: str) -> str:
    # Secrets are 256-bit random strings, so a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(secret.encode()).hexdigest()


def application_scopes(application: ApiApplication) -> list[str]:
    """The native scopes an application holds, in `Scope` order (`all`: those of applications
    registered before scopes were recorded)."""
    names = application.scopes.split()
    return [scope for scope in Scope.values if scope in names or names == ["all"]]


def _clean_application_scopes(
    wanted: Sequence[str] | None, grantable: list[str], agent: User
) -> list[str]:
    agent_may = scopes_for_role(agent.role)
    if wanted is None:
        return [scope for scope in grantable if scope in agent_may]
    names = {name.strip() for name in wanted if name.strip()}
    if unknown := sorted(names - set(Scope.values)):
        raise InvalidInput(
            f"Unknown scope: {', '.join(unknown)}.", fields={"scopes": "unknown scope"}
        )
    if beyond := sorted(names - set(grantable)):
        raise Forbidden(
            f"You can only give an application scopes you hold yourself: {', '.join(beyond)}.",
            code="insufficient_scope",
            fields={"scopes": "beyond what you hold"},
        )
    if beyond_agent := sorted(names - set(agent_may)):
        raise InvalidInput(
            f"A {agent.role} cannot hold the scope: {', '.join(beyond_agent)}.",
            fields={"scopes": "beyond the agent's role"},
        )
    if not names:
        raise InvalidInput("Choose at least one scope.", fields={"scopes": "required"})
    return [scope for scope in Scope.values if scope in names]


@transaction.atomic
def api_application_create(
    *,
    name: str,
    agent: User,
    actor: User,
    scopes: Sequence[str] | None = None,
    act_as_other: bool = False,
    actor_token: ApiToken | None = None,
) -> tuple[ApiApplication, str]:
    """Register an application; the secret is returned once and only its digest is kept.

    Its scopes never exceed what `actor` may grant: their role's, and only those of
    `actor_token` when they act through one (default: all of those the agent's role allows).
    Acting as someone other than `actor` must be asked for (`act_as_other`); it is audited
    with both people, and tokens it hands out never decide on the actor's own time.
    """
    if not can_admin(actor) or actor.pk is None:
        raise Forbidden("Only admins can create API applications.")
    if actor.delegated_by_id is not None:
        # Its applications would act on this one's grant without carrying it.
        raise Forbidden("An API application's token cannot register applications.")
    if not (name or "").strip():
        raise InvalidInput("Give the application a name.", fields={"name": "required"})
    if not agent.is_active:
        raise InvalidInput("The agent must be an active user.", fields={"agent_id": "inactive"})
    if agent.is_contact:
        raise InvalidInput(
            "A client portal contact cannot act for an application.",
            fields={"agent_id": "contact"},
        )
    acts_as_other = agent.pk != actor.pk
    if acts_as_other and not act_as_other:
        raise InvalidInput(
            f"The application would act as {agent.display_name}, with their permissions: "
            "confirm that it may act as another user.",
            fields={"act_as_other": "required to act as another user"},
        )
    grantable = api_token_grantable_scopes(user=actor, calling_token=actor_token)
    clean_scopes = _clean_application_scopes(scopes, grantable, agent)
    secret = secrets.token_urlsafe(32)
    app = ApiApplication.objects.create(
        name=name.strip(),
        client_id=str(uuid.uuid4()),
        secret_digest=_digest(secret),
        agent=agent,
        created_by=actor,
        scopes=" ".join(clean_scopes),
    )
    audit_record(
        actor=actor,
        action="api_application.create",
        obj=app,
        after={
            "name": app.name,
            "agent": agent.pk,
            "created_by": actor.pk,
            "scopes": app.scopes,
            "acts_as_other": acts_as_other,
        },
        reason=(
            f"{actor.username} confirmed that it acts as {agent.username}." if acts_as_other else ""
        ),
    )
    return app, secret


@transaction.atomic
def api_application_revoke(*, application: ApiApplication, actor: User) -> ApiApplication:
    if not can_admin(actor):
        raise Forbidden("Only admins can revoke API applications.")
    application.is_active = False
    application.save(update_fields=["is_active"])
    # Tokens it already handed out stop working now, not when they expire.
    api_tokens_revoke_named(name=token_name(application), actor=actor)
    audit_record(actor=actor, action="api_application.revoke", obj=application)
    return application


def token_name(application: ApiApplication) -> str:
    """The name of the tokens an application hands out."""
    return f"halo:{application.client_id}"


def _check_token_rate(client_id: str, remote_addr: str) -> None:
    """Per caller address and per client id, counted before the secret is checked so guessing
    costs as much as asking; the shared cache counts across app servers."""
    try:
        rate_check(
            f"halo-token-addr:{remote_addr or '-'}",
            int(getattr(settings, "HALO_TOKEN_ADDRESS_RATE_LIMIT", 600)),
        )
        rate_check(
            f"halo-token-client:{_digest(client_id)[:16]}",
            int(getattr(settings, "HALO_TOKEN_RATE_LIMIT", 60)),
        )
    except RateLimited as exc:
        raise OAuthError(
            "rate_limited",
            f"Too many token requests; retry in {exc.retry_after} s.",
            429,
            retry_after=exc.retry_after,
        ) from exc


def _held_scopes(app: ApiApplication) -> list[str]:
    """What the application's tokens may hold today: its scopes, within its agent's role and
    within what the admin who registered it may still grant."""
    held = [s for s in application_scopes(app) if s in scopes_for_role(app.agent.role)]
    creator = app.created_by
    if creator is None:  # registered before creators were recorded, and none was found
        return held
    if not (creator.is_active and can_admin(creator)):
        raise OAuthError(
            "invalid_client",
            "The admin who registered this application can no longer grant access; "
            "register it again.",
        )
    return [s for s in held if s in scopes_for_role(creator.role)]


def halo_token_issue(
    *,
    grant_type: str,
    client_id: str,
    client_secret: str,
    scope: str = "",
    remote_addr: str = "",
    now: dt.datetime | None = None,
) -> dict[str, object]:
    """OAuth2 client credentials: a bearer token for the application's agent, valid one hour,
    narrowed to the Halo `scope` asked for (none: `all`, everything the application holds).

    Rate limited; each call deletes the application's dead tokens and keeps at most
    HALO_TOKENS_PER_APPLICATION live ones, so the token table does not grow with calls.
    """
    _check_token_rate(client_id or "", remote_addr)
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.", 400)
    # Client ids are UUIDs: one with NUL (which PostgreSQL cannot compare) names no application.
    known = client_id and "\x00" not in client_id
    app = (
        ApiApplication.objects.select_related("agent", "created_by")
        .filter(client_id=client_id)
        .first()
        if known
        else None
    )
    valid = app is not None and hmac.compare_digest(app.secret_digest, _digest(client_secret or ""))
    if app is None or not valid or not app.is_active or not app.agent.is_active:
        raise OAuthError("invalid_client", "Unknown client, wrong secret or revoked application.")
    held = _held_scopes(app)
    try:
        requested = halo_scopes.parse(scope or "")
    except halo_scopes.UnknownScope as exc:
        raise OAuthError("invalid_scope", f"Unknown scope: {exc}.", 400) from exc
    granted, native = halo_scopes.grant(requested, held)
    if not native:
        raise OAuthError(
            "invalid_scope", "The application holds none of the scopes asked for.", 400
        )
    now = now or dates.now()
    keep = max(int(getattr(settings, "HALO_TOKENS_PER_APPLICATION", 10)), 1)
    with transaction.atomic():
        name = token_name(app)
        api_tokens_prune_named(name=name, keep_live=keep - 1, actor=app.agent, now=now)
        _, raw = api_token_create(
            user=app.agent,
            name=name,
            actor=app.agent,
            expires_at=now + TOKEN_LIFETIME,
            scopes=native,
            granted_by=app.created_by,
            halo_scopes=granted,
        )
        ApiApplication.objects.filter(pk=app.pk).update(last_used_at=now)
    return {
        "access_token": raw,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "scope": " ".join(granted),
    }
