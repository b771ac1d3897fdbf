"""Webhooks: record events in the outbox, deliver them signed, retry with backoff."""

import datetime as dt
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlparse

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import can_admin
from tallyhour.core import dates
from tallyhour.core.audit import audit_record
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.webhooks.models import Delivery, DeliveryState, Event, Subscription

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Tallyhour-Signature"


def _check_admin(actor: User) -> None:
    if not can_admin(actor):
        raise Forbidden("Webhooks are managed by admins.")


@transaction.atomic
def subscription_create(*, url: str, events: list[str], actor: User) -> tuple[Subscription, str]:
    _check_admin(actor)
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput("The URL must be http(s)://host/…", fields={"url": "not a URL"})
    unknown = sorted(set(events) - set(Event.values))
    if unknown:
        raise InvalidInput(f"Unknown events {unknown}.", fields={"events": unknown})
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = Subscription.objects.create(
        url=url, events=sorted(set(events)), secret=secret, created_by=actor
    )
    audit_record(
        actor=actor,
        action="webhook.create",
        obj=subscription,
        after={"url": url, "events": subscription.events},
    )
    return subscription, secret


@transaction.atomic
def subscription_delete(*, subscription: Subscription, actor: User) -> None:
    _check_admin(actor)
    audit_record(
        actor=actor,
        action="webhook.delete",
        obj=subscription,
        before={"url": subscription.url, "events": subscription.events},
    )
    subscription.delete()


def webhook_emit(event: str, data: dict[str, Any], *, now: dt.datetime | None = None) -> int:
    """Queue `event` for every subscriber inside the caller's transaction (the outbox)."""
    if not _any_active_subscription():
        return 0
    now = now or dates.now()
    payload = json.loads(
        json.dumps(
            {"event": event, "created_at": now.isoformat(), "data": data}, cls=DjangoJSONEncoder
        )
    )
    rows = [
        Delivery(subscription=s, event=event, payload=payload, next_attempt_at=now)
        for s in Subscription.objects.filter(is_active=True)
        if s.wants(event)
    ]
    Delivery.objects.bulk_create(rows)
    return len(rows)


def on_event_emitted(
    sender: object, *, name: str, data: dict[str, Any], now: dt.datetime | None, **_: Any
) -> None:
    """Receiver of every domain event: queue it for the subscribers that want it."""
    webhook_emit(name, data, now=now)


# Every time entry and timer write emits an event and most installations have no webhook, so
# "no active subscription" is cached instead of asked on every write. Only that answer is
# cached: with subscribers the rows are read as before, so a delivery never names a
# subscription another process has just deleted. Any save or delete of a subscription drops
# the cache (at once and again at commit); with the default per-process cache another process
# sees a new subscription up to SUBSCRIPTIONS_CACHE_SECONDS later (at once with REDIS_URL,
# where the cache is shared).
SUBSCRIPTIONS_CACHE_KEY = "webhooks:any-active-subscription"
SUBSCRIPTIONS_CACHE_SECONDS = 30


def _any_active_subscription() -> bool:
    cached = cache.get(SUBSCRIPTIONS_CACHE_KEY)
    if cached is not None:
        return bool(cached)
    found = Subscription.objects.filter(is_active=True).exists()
    # Stored once the reading transaction commits: what a rolled-back transaction saw must
    # never outlive it in the cache.
    transaction.on_commit(
        lambda: cache.set(SUBSCRIPTIONS_CACHE_KEY, found, SUBSCRIPTIONS_CACHE_SECONDS)
    )
    return found


def subscriptions_changed(**_: Any) -> None:
    """Drop the cached subscriptions now and when the changing transaction commits."""
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_CACHE_KEY))


post_save.connect(subscriptions_changed, sender=Subscription, dispatch_uid="webhooks-cache-save")
post_delete.connect(
    subscriptions_changed, sender=Subscription, dispatch_uid="webhooks-cache-delete"
)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">`: the timestamp stops replays."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: dt.datetime, tolerance: int = 300
) -> bool:
    """What a receiver does: recompute the signature and reject stale timestamps."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 hours."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def delivery_attempt(delivery: Delivery, *, now: dt.datetime | None = None) -> Delivery:
    """POST one delivery; 2xx marks it delivered, anything else schedules a retry.

    At least once: the attempt is claimed (counted, next try scheduled after its backoff)
    before the POST, so a worker killed mid-send leaves it pending and a later run sends it
    again. The receiver may thus see one delivery twice; every attempt carries the same
    `X-Tallyhour-Delivery` header and body `id`, by which receivers drop repeats.
    """
    now = now or dates.now()
    # Claim it first so two workers never send the same attempt.
    claimed = Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.PENDING, attempts=delivery.attempts
    ).update(attempts=delivery.attempts + 1, next_attempt_at=now + backoff(delivery.attempts + 1))
    if not claimed:
        return delivery
    delivery.refresh_from_db()
    body = json.dumps({"id": delivery.pk, **delivery.payload}, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tallyhour-Webhooks/1",
        "X-Tallyhour-Event": delivery.event,
        "X-Tallyhour-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(delivery.subscription.secret, int(now.timestamp()), body),
    }
    status, error = None, ""
    try:
        status = _post(delivery.subscription.url, body, headers)
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, bad URL
        error = str(exc)[:500]
    delivery.last_status, delivery.last_error = status, error
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED
    delivery.save(update_fields=["state", "delivered_at", "last_status", "last_error"])
    return delivery


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """The worker's job: attempt every pending delivery whose time has come."""
    now = now or dates.now()
    due = (
        Delivery.objects.select_related("subscription")
        .filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")[:limit]
    )
    return sum(1 for d in due if delivery_attempt(d, now=now).state == DeliveryState.DELIVERED)


@transaction.atomic
def delivery_replay(*, delivery: Delivery, actor: User, now: dt.datetime | None = None) -> Delivery:
    """Send a delivered or failed event again (same payload, fresh attempts)."""
    _check_admin(actor)
    now = now or dates.now()
    replay = Delivery.objects.create(
        subscription=delivery.subscription,
        event=delivery.event,
        payload=delivery.payload,
        next_attempt_at=now,
    )
    audit_record(actor=actor, action="webhook.replay", obj=replay, after={"of": delivery.pk})
    return replay
