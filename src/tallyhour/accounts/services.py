"""Writes for accounts: API tokens."""

import datetime as dt
import hashlib
import secrets

from django.db import transaction

from tallyhour.accounts.models import ApiToken, User
from tallyhour.core import dates
from tallyhour.core.audit import audit_record

TOKEN_PREFIX = "th_"  # noqa: S105 — a public marker on every token, not a secret


def _digest(raw: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, actor: User | None = None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name or "API token",
            prefix=raw[:10],
            digest=_digest(raw),
            expires_at=expires_at,
        )
        audit_record(
            actor=actor or user,
            action="api_token.create",
            obj=token,
            after={"user": user.pk, "name": token.name},
        )
    return token, raw


def api_token_authenticate(raw: str, *, now: dt.datetime | None = None) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = now or dates.now()
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    if token is None or token.revoked_at or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    # Coarse last-used stamp: one write per minute at most, not one per request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
