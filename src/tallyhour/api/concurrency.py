"""Optimistic concurrency: `ETag` on reads of one object, `If-Match` checked before a write.

Clients that send `If-Match` with the tag they read get 412 instead of silently overwriting
someone else's change; clients that send no `If-Match` keep working as before.
"""

from django.http import HttpRequest, HttpResponse

from tallyhour.core.errors import DomainError
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import TimeEntry


class PreconditionFailed(DomainError):
    """The object changed since the caller read it."""

    status = 412
    code = "precondition_failed"


def entity_tag(obj: TimeEntry | Ticket) -> str:
    """A strong tag that changes whenever the object is saved."""
    if isinstance(obj, TimeEntry):
        return f'"time-entry-{obj.pk}-v{obj.version}"'
    return f'"ticket-{obj.pk}-{obj.updated_at.timestamp():.6f}"'


def set_entity_tag(response: HttpResponse, obj: TimeEntry | Ticket) -> None:
    response["ETag"] = entity_tag(obj)


def check_if_match(request: HttpRequest, obj: TimeEntry | Ticket) -> None:
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
