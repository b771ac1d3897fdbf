"""API tokens: hashed at rest, expiring, revocable, coarse last-used stamp."""

import datetime as dt
import hashlib

import pytest

from tallyhour.accounts.models import ApiToken
from tallyhour.accounts.services import api_token_authenticate, api_token_create
from tallyhour.core.audit import history_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


def test_token_is_stored_only_as_digest(engineer):
    token, raw = api_token_create(user=engineer, name="laptop")
    assert raw.startswith("th_") and len(raw) > 40
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.digest, token.prefix}
    assert token.prefix == raw[:10]
    [row] = history_for(token)
    assert row.action == "api_token.create" and row.after == {"user": engineer.pk, "name": "laptop"}


def test_authenticate(engineer):
    _, raw = api_token_create(user=engineer, name="t")
    assert api_token_authenticate(raw, now=NOW) == engineer
    assert api_token_authenticate(raw + "x", now=NOW) is None
    assert api_token_authenticate("Bearer " + raw, now=NOW) is None
    assert api_token_authenticate("", now=NOW) is None


def test_expired_revoked_and_inactive_tokens_fail(engineer):
    token, raw = api_token_create(user=engineer, name="t", expires_at=NOW)
    assert api_token_authenticate(raw, now=NOW - dt.timedelta(seconds=1)) == engineer
    assert api_token_authenticate(raw, now=NOW) is None

    token, raw = api_token_create(user=engineer, name="t2")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=NOW)
    assert api_token_authenticate(raw, now=NOW) is None

    _, raw = api_token_create(user=engineer, name="t3")
    engineer.is_active = False
    engineer.save()
    assert api_token_authenticate(raw, now=NOW) is None


def test_last_used_is_stamped_at_most_once_a_minute(engineer):
    token, raw = api_token_create(user=engineer, name="t")
    api_token_authenticate(raw, now=NOW)
    api_token_authenticate(raw, now=NOW + dt.timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == NOW
    api_token_authenticate(raw, now=NOW + dt.timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == NOW + dt.timedelta(seconds=61)
