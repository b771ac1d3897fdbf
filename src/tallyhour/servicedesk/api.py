"""API: tickets."""

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from tallyhour.api.auth import AuthedRequest
from tallyhour.api.lookups import charge_type_from, client_from, staff_user_from
from tallyhour.api.reference import ticket_create, tickets_visible_to
from tallyhour.api.schemas import ObjectId, Page, Paging, Text, error_responses, paginate
from tallyhour.servicedesk.models import TicketStatus

router = Router(tags=["tickets"])


class TicketOut(Schema):
    id: int
    client_id: int
    client_name: str = Field(..., alias="client.name")
    summary: str
    details: str
    status: TicketStatus
    assignee_id: int | None
    charge_type_id: int | None = Field(
        ..., description="Charge type for time on this ticket unless an entry names another."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class TicketIn(Schema):
    client_id: ObjectId
    summary: Text = Field(..., min_length=1, max_length=200)
    details: Text = Field("", max_length=20_000)
    status: TicketStatus = TicketStatus.NEW
    assignee_id: ObjectId | None = None
    charge_type_id: ObjectId | None = None


class TicketFilters(Paging):
    client_id: ObjectId | None = None
    status: TicketStatus | None = None
    assignee_id: ObjectId | None = None


@router.get(
    "/tickets", response={200: Page[TicketOut], **error_responses(422)}, summary="List tickets"
)
def list_tickets(request: AuthedRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """Tickets, newest first, optionally filtered by client, status or assignee; paged."""
    tickets = tickets_visible_to(request.auth)
    if filters.client_id is not None:
        tickets = tickets.filter(client_id=filters.client_id)
    if filters.status is not None:
        tickets = tickets.filter(status=filters.status)
    if filters.assignee_id is not None:
        tickets = tickets.filter(assignee_id=filters.assignee_id)
    return paginate(tickets, filters)


@router.post(
    "/tickets", response={201: TicketOut, **error_responses(422)}, summary="Create a ticket"
)
def create_ticket(request: AuthedRequest, payload: TicketIn) -> Status:
    """Any staff user may open a ticket for a client."""
    ticket = ticket_create(
        client=client_from(payload.client_id),
        summary=payload.summary,
        details=payload.details,
        status=payload.status,
        assignee=staff_user_from(payload.assignee_id, "assignee_id"),
        charge_type=charge_type_from(payload.charge_type_id),
        actor=request.auth,
    )
    return Status(201, ticket)
