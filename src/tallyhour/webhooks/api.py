"""API: webhook subscriptions and their deliveries (admins only)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.accounts.permissions import can_admin
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import ObjectId, Page, Paging, Text, error_responses, paginate
from tallyhour.core.errors import Forbidden, NotFound
from tallyhour.core.idempotency import idempotency_header
from tallyhour.webhooks.models import Delivery, DeliveryState, Event, Subscription
from tallyhour.webhooks.services import delivery_replay, subscription_create, subscription_delete

router = Router(tags=["webhooks"])


class SubscriptionOut(Schema):
    id: int
    url: str
    events: list[Event] = Field(..., description="Subscribed events; empty means all of them.")
    is_active: bool
    created_at: dt.datetime


class NewSubscriptionOut(SubscriptionOut):
    secret: str = Field(
        ..., description="Signs every delivery (X-Tallyhour-Signature); shown only here."
    )


class SubscriptionIn(Schema):
    url: Text = Field(..., min_length=8, max_length=500, description="http(s) endpoint.")
    events: list[Event] = Field(default_factory=list, max_length=20, description="Empty: all.")


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event: Event
    state: DeliveryState
    attempts: int
    next_attempt_at: dt.datetime
    last_status: int | None = Field(..., description="HTTP status of the last attempt.")
    last_error: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime


class DeliveryFilters(Paging):
    subscription_id: ObjectId | None = None
    state: DeliveryState | None = None


def _check_admin(request: AuthedRequest) -> None:
    # Reads are refused as well: subscriptions name internal endpoints.
    if not can_admin(request.auth):
        raise Forbidden("Webhooks are managed by admins.")


@router.get(
    "/webhooks",
    response={200: list[SubscriptionOut], **error_responses(403)},
    summary="List webhook subscriptions",
    openapi_extra=examples(
        response=[
            {
                "id": 3,
                "url": "https://hooks.example.com/tallyhour",
                "events": ["submission.approved", "invoice.issued"],
                "is_active": True,
                "created_at": "2026-11-02T09:15:00Z",
            }
        ]
    ),
)
def list_webhooks(request: AuthedRequest) -> QuerySet[Subscription]:
    """Every subscription by URL (admins only); secrets are never shown again."""
    _check_admin(request)
    return Subscription.objects.all()


@router.post(
    "/webhooks",
    response={201: NewSubscriptionOut, **error_responses(403, 422)},
    summary="Subscribe to events",
    openapi_extra=examples(
        body={
            "some events": {
                "url": "https://hooks.example.com/tallyhour",
                "events": ["submission.approved", "invoice.issued"],
            },
            "everything": {"url": "https://hooks.example.com/all", "events": []},
        }
    ),
)
def create_webhook(
    request: AuthedRequest,
    payload: SubscriptionIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Admins only. Each event is POSTed as JSON signed with the returned secret (shown once).
    Honours `Idempotency-Key`."""
    _check_admin(request)

    def create() -> Subscription:
        # The secret is on the subscription (deliveries are signed with it).
        subscription, _ = subscription_create(
            url=payload.url, events=[str(event) for event in payload.events], actor=request.auth
        )
        return subscription

    return created(
        request,
        payload=payload,
        schema=NewSubscriptionOut,
        create=create,
    )


@router.delete(
    "/webhooks/{subscription_id}",
    response={204: None, **error_responses(403, 404)},
    summary="Delete a webhook subscription",
)
def delete_webhook(request: AuthedRequest, subscription_id: ObjectId) -> Status:
    """Admins only. Stops deliveries to the endpoint; its delivery log goes with it."""
    _check_admin(request)
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(f"Webhook subscription {subscription_id} not found.")
    subscription_delete(subscription=subscription, actor=request.auth)
    return Status(204, None)


@router.get(
    "/webhook-deliveries",
    response={200: Page[DeliveryOut], **error_responses(403, 422)},
    summary="List webhook deliveries",
)
def list_deliveries(request: AuthedRequest, filters: Query[DeliveryFilters]) -> dict[str, Any]:
    """Admins only. The delivery log, newest first: state, attempts and the last answer."""
    _check_admin(request)
    deliveries = Delivery.objects.all()
    if filters.subscription_id is not None:
        deliveries = deliveries.filter(subscription_id=filters.subscription_id)
    if filters.state is not None:
        deliveries = deliveries.filter(state=filters.state)
    return paginate(deliveries, filters)


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    response={201: DeliveryOut, **error_responses(403, 404, 422)},
    summary="Send a delivery again",
)
def replay_delivery(
    request: AuthedRequest,
    delivery_id: ObjectId,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Admins only. Queue the same event payload again as a new delivery (fresh attempts);
    the worker sends it within a minute. Honours `Idempotency-Key`."""
    _check_admin(request)
    delivery = Delivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(f"Webhook delivery {delivery_id} not found.")
    return created(
        request,
        payload=None,
        schema=DeliveryOut,
        create=lambda: delivery_replay(delivery=delivery, actor=request.auth),
    )
