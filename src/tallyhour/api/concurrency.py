"""Optimistic concurrency: `ETag` on reads of one object, `If-Match` checked before a write.

Clients that send `If-Match` with the tag they read get 412 instead of silently overwriting
someone else's change; clients that send no `If-Match` keep working as before.
"""

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from tallyhour.core.errors import DomainError
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import TimeEntry


class PreconditionFailed(DomainError):
    """The object changed since the caller read it."""

    status = 412
    code = "precondition_failed"


def _canonical(value: Any) -> str:
    # The same stored value reads back alike whether it was just saved or loaded again.
    if isinstance(value, dt.datetime):
        return f"{value.timestamp():.6f}"
    if isinstance(value, Decimal):
        return str(value.normalize())
    return repr(value)


def _state_digest(obj: Model) -> str:
    # Every stored field takes part, so any change (a state, a total, a flag), even one
    # written by a bulk update that bumps no version, gives a new tag.
    values = [
        f"{field.attname}={_canonical(field.value_from_object(obj))}"
        for field in obj._meta.concrete_fields
    ]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


def entity_tag(obj: Model) -> str:
    """A strong tag that changes whenever the object is saved."""
    if isinstance(obj, TimeEntry):
        return f'"time-entry-{obj.pk}-v{obj.version}-{_state_digest(obj)[:12]}"'
    if isinstance(obj, Ticket):
        return f'"ticket-{obj.pk}-{obj.updated_at.timestamp():.6f}"'
    return f'"{obj._meta.model_name}-{obj.pk}-{_state_digest(obj)}"'


def set_entity_tag(response: HttpResponse, obj: Model) -> None:
    response["ETag"] = entity_tag(obj)


def check_if_match(request: HttpRequest, obj: Model) -> None:
    """Raise 412 when `If-Match` is sent and names no current tag (weak tags never match)."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    wanted = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in wanted or entity_tag(obj) in wanted:
        return
    raise PreconditionFailed(
        "The object changed since you read it; fetch it again and retry with its new ETag.",
        fields={"If-Match": "stale"},
    )
