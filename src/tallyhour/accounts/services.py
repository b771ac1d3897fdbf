"""Writes for accounts: agent profiles, portal sign-ins, API tokens, leave, closure days, the
lock date and the invoicing settings."""

import datetime as dt
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q

from tallyhour.accounts import sql
from tallyhour.accounts.models import (
    Agent,
    ApiToken,
    ClosureDay,
    Leave,
    LeaveKind,
    Organisation,
    Role,
    Scope,
    User,
    scopes_for_role,
)
from tallyhour.accounts.permissions import can_admin, can_approve
from tallyhour.core import dates, localformat
from tallyhour.core.audit import Audited, audit_record, snapshot
from tallyhour.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    full_clean_or_invalid,
)

TOKEN_PREFIX = "th_"  # noqa: S105 — a public marker on every token, not a secret


def agent_get_or_create(*, user: User) -> Agent:
    """The user's agent profile, made with the defaults the first time the user logs time.
    Not audited: the profile holds only defaults until someone edits it."""
    agent, _ = Agent.objects.get_or_create(user=user)
    return agent


# --- portal sign-ins --------------------------------------------------------------------------


def contact_user_create(*, email: str, name: str, password: str) -> User:
    """A sign-in for a client contact (role contact, no staff rights) with the password they
    chose. The contact's own service (crm) checks the invitation and audits the acceptance."""
    first, _, last = name.partition(" ")
    user = User(
        username=email,
        email=email,
        first_name=first[:150],
        last_name=last[:150],
        role=Role.CONTACT,
        is_staff=False,
        is_superuser=False,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), fields={"password": exc.messages}) from exc
    if User.objects.filter(username__iexact=email).exists():
        raise Conflict(
            "Someone with this email address already has a sign-in.", fields={"email": "used"}
        )
    user.set_password(password)
    user.save()
    return user


def user_active_set(*, user_id: int, is_active: bool) -> None:
    """Switch a sign-in on or off; switched off, its sessions stop at the next request.
    The caller's service (a contact's update) audits it."""
    User.objects.filter(pk=user_id).update(is_active=is_active)


def _digest(raw: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_scopes(user: User, scopes: list[str] | set[str] | tuple[str, ...] | None) -> list[str]:
    allowed = scopes_for_role(user.role)
    if scopes is None:
        return allowed
    wanted = {s.strip() for s in scopes if s.strip()}
    unknown = sorted(wanted - set(Scope.values))
    if unknown:
        raise InvalidInput(
            f"Unknown scope: {', '.join(unknown)}.", fields={"scopes": "unknown scope"}
        )
    beyond = sorted(wanted - set(allowed))
    if beyond:
        raise InvalidInput(
            f"A {user.role} cannot hold the scope: {', '.join(beyond)}.",
            fields={"scopes": "beyond the user's role"},
        )
    if not wanted:
        raise InvalidInput("Choose at least one scope.", fields={"scopes": "required"})
    return [s for s in allowed if s in wanted]


def api_token_grantable_scopes(*, user: User, calling_token: ApiToken | None = None) -> list[str]:
    """The scopes `user` may hand on, in a stable order: their role's, and when they act
    through a token, only those that token holds (a narrow token never mints a broader one)."""
    allowed = scopes_for_role(user.role)
    if calling_token is None:
        return allowed
    held = calling_token.effective_scopes()
    return [scope for scope in allowed if scope in held]


def api_token_create(
    *,
    user: User,
    name: str,
    actor: User | None = None,
    expires_at: dt.datetime | None = None,
    scopes: list[str] | set[str] | tuple[str, ...] | None = None,
    granted_by: User | None = None,
    halo_scopes: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored.

    Without `scopes` the token gets every scope the user's role allows. `granted_by` names the
    person on whose grant it acts when that is not `user` (an API application's registrar);
    `halo_scopes` are the HaloPSA scopes it was issued with.
    """
    actor = actor or user
    if actor.pk != user.pk and not can_admin(actor):
        raise Forbidden("You can only create tokens for yourself.")
    if actor.delegated_by_id is not None:
        # A token minted with an application's token would shed the grant it carries.
        raise Forbidden("An API application's token cannot create tokens.")
    clean_scopes = _clean_scopes(user, scopes)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=(name or "").strip()[:100] or "API token",
            prefix=raw[:10],
            digest=_digest(raw),
            expires_at=expires_at,
            scopes=clean_scopes,
            halo_scopes=list(halo_scopes or []),
            granted_by=granted_by,
        )
        after: dict[str, Any] = {"user": user.pk, "name": token.name}
        if granted_by is not None:
            after.update(granted_by=granted_by.pk, scopes=clean_scopes)
        if halo_scopes:
            after["halo_scopes"] = token.halo_scopes
        audit_record(actor=actor, action="api_token.create", obj=token, after=after)
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User, now: dt.datetime | None = None) -> ApiToken:
    """Stop a token working from now on; revoking twice is harmless."""
    if actor.pk != token.user_id and not can_admin(actor):
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = now or dates.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, after={"name": token.name})
    return token


def api_tokens_revoke_named(*, name: str, actor: User, now: dt.datetime | None = None) -> int:
    """Stop every live token called `name` (those an application handed out); admins only.
    The caller audits the revocation it is part of. Returns how many were live."""
    if not can_admin(actor):
        raise Forbidden("Only admins revoke tokens by name.")
    return ApiToken.objects.filter(name=name, revoked_at=None).update(revoked_at=now or dates.now())


def api_tokens_prune_named(
    *, name: str, keep_live: int, actor: User, now: dt.datetime | None = None
) -> int:
    """Housekeeping for tokens an application hands out under one `name`: expired and revoked
    ones are deleted (their creation and revocation are in the audit log), and of the live ones
    only the newest `keep_live` stay; older ones are revoked, audited, and deleted next time.
    Returns how many live tokens were revoked."""
    now = now or dates.now()
    named = ApiToken.objects.filter(name=name)
    named.filter(Q(revoked_at__isnull=False) | Q(expires_at__lte=now)).delete()
    live = named.filter(revoked_at=None).order_by("-created_at", "-id")
    displaced = list(live.values_list("pk", flat=True)[max(keep_live, 0) :])
    if displaced:
        ApiToken.objects.filter(pk__in=displaced).update(revoked_at=now)
        for token in ApiToken.objects.filter(pk__in=displaced):
            audit_record(
                actor=actor,
                action="api_token.revoke",
                obj=token,
                after={"name": token.name},
                reason=f"Only the {keep_live} newest tokens of an application stay live.",
            )
    return len(displaced)


def token_with_user_orm(digest: str) -> ApiToken | None:
    """`sql.token_with_user` in the ORM: the token with the user, agent profile and default
    charge type the services will need."""
    tokens = ApiToken.objects.select_related("user__agent__default_charge_type")
    return tokens.filter(digest=digest).first()


def api_token_resolve(raw: str, *, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token for `raw` (with its user loaded), stamping when it was last used."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = now or dates.now()
    digest = _digest(raw)
    if connection.vendor == "postgresql":
        token = sql.token_with_user(digest)
    else:
        token = token_with_user_orm(digest)
    if token is None or token.revoked_at or (token.expires_at and token.expires_at <= now):
        return None
    # Client contacts use the portal only: no token of theirs opens the staff APIs.
    if not token.user.is_active or token.user.is_contact:
        return None
    if token.granted_by_id is not None and token.granted_by_id != token.user_id:
        # Whoever granted it must not decide on their own time through it (see is_own_time).
        token.user.delegated_by_id = token.granted_by_id
    # Coarse last-used stamp: one write per minute at most, not one per request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_authenticate(raw: str, *, now: dt.datetime | None = None) -> User | None:
    token = api_token_resolve(raw, now=now)
    return token.user if token else None


# --- calendars: leave, closure days, lock date -------------------------------------------------

LEAVE_FIELDS = ["agent", "kind", "first_day", "last_day", "hours", "note"]
MAX_LEAVE_DAYS = 366


def _check_may_manage_leave(actor: User, agent: Agent) -> None:
    if actor.pk == agent.user_id or can_admin(actor):
        return
    if can_approve(actor, agent.user):
        return
    raise Forbidden("You can only record your own leave.")


@transaction.atomic
def leave_create(
    *,
    agent: Agent,
    actor: User,
    first_day: dt.date,
    last_day: dt.date | None = None,
    kind: str = LeaveKind.ANNUAL,
    hours: Decimal | None = None,
    note: str = "",
) -> Leave:
    """Record an absence over whole local days (or some hours of each day)."""
    _check_may_manage_leave(actor, agent)
    last_day = last_day or first_day
    if last_day < first_day:
        raise InvalidInput("The last day is before the first.", fields={"last_day": "before first"})
    if (last_day - first_day).days >= MAX_LEAVE_DAYS:
        raise InvalidInput("Leave longer than a year?", fields={"last_day": "too far"})
    overlapping = Leave.objects.filter(
        agent=agent, first_day__lte=last_day, last_day__gte=first_day
    ).first()
    if overlapping is not None:
        raise Conflict(
            f"Overlaps leave from {overlapping.first_day:%d %b} to {overlapping.last_day:%d %b}.",
            fields={"first_day": "overlaps existing leave"},
            code="leave_overlap",
        )
    leave = Leave(
        agent=agent,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        hours=hours,
        note=note.strip(),
        created_by=actor,
    )
    full_clean_or_invalid(leave, exclude=["created_by"])
    leave.save()
    audit_record(actor=actor, action="leave.create", obj=leave, after=snapshot(leave, LEAVE_FIELDS))
    return leave


@transaction.atomic
def leave_delete(*, leave: Leave, actor: User) -> None:
    leave = Leave.objects.select_for_update().select_related("agent__user").get(pk=leave.pk)
    _check_may_manage_leave(actor, leave.agent)
    audit_record(
        actor=actor, action="leave.delete", obj=leave, before=snapshot(leave, LEAVE_FIELDS)
    )
    leave.delete()


@transaction.atomic
def closure_day_create(*, day: dt.date, name: str, actor: User) -> ClosureDay:
    if not can_admin(actor):
        raise Forbidden("Only admins set closure days.")
    closure = ClosureDay(day=day, name=name.strip())
    full_clean_or_invalid(closure)
    closure.save()
    audit_record(
        actor=actor, action="closure_day.create", obj=closure, after={"day": str(day), "name": name}
    )
    return closure


@transaction.atomic
def organisation_set_lock_date(
    *, lock_date: dt.date | None, actor: User, reason: str = ""
) -> Organisation:
    """Close (or reopen) every period up to `lock_date`; admins only, audited."""
    if not can_admin(actor):
        raise Forbidden("Only admins set the lock date.")
    org = Organisation.objects.select_for_update().get(pk=Organisation.current().pk)
    change = Audited(org, ["lock_date"])
    org.lock_date = lock_date
    org.save(update_fields=["lock_date"])
    change.record(actor=actor, action="organisation.lock_date", reason=reason)
    return org


# --- invoicing settings ---------------------------------------------------------------------

INVOICING_FIELDS = [
    "brand_colour",
    "bank_details",
    "payment_instructions",
    "locale",
    "invoice_hours_places",
    "zero_value_statements",
    "overdue_reminder_days",
    "payment_terms_days",
]
LOGO_MAX_BYTES = 300 * 1024
# Sniffed from the bytes, never trusted from the upload's declared type.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_content_type(data: bytes) -> str:
    """The logo's type from its first bytes; InvalidInput unless PNG or JPEG of sane size."""
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput(
            f"The logo is over {LOGO_MAX_BYTES // 1024} KB.", fields={"logo": "too large"}
        )
    for signature, content_type in LOGO_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    raise InvalidInput("The logo must be a PNG or JPEG image.", fields={"logo": "not an image"})


@transaction.atomic
def organisation_update_invoicing(
    *,
    actor: User,
    changes: dict[str, Any],
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> Organisation:
    """Change what invoice documents carry (branding, bank details, locale, terms); admins
    only, audited. The logo is audited by size and type, not its bytes."""
    if not can_admin(actor):
        raise Forbidden("Only admins change invoicing settings.")
    unknown = set(changes) - set(INVOICING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown invoicing settings: {sorted(unknown)}")
    org = Organisation.objects.select_for_update().get(pk=Organisation.current().pk)
    logo_before = {"logo": f"{len(bytes(org.logo or b''))} bytes {org.logo_content_type}"}
    change = Audited(org, INVOICING_FIELDS)
    for name, value in changes.items():
        setattr(org, name, value.strip() if isinstance(value, str) else value)
    if not localformat.valid_locale(org.locale):
        raise InvalidInput(f"Unknown locale {org.locale!r}.", fields={"locale": "unknown"})
    if logo is not None:
        org.logo_content_type = logo_content_type(logo)
        org.logo = logo
    elif remove_logo:
        org.logo, org.logo_content_type = b"", ""
    full_clean_or_invalid(org)
    org.save()
    logo_after = {"logo": f"{len(bytes(org.logo or b''))} bytes {org.logo_content_type}"}
    extra = logo_after if logo_after != logo_before else None
    if extra:
        change.before.update(logo_before)
    change.record(actor=actor, action="organisation.invoicing", extra=extra)
    return org
