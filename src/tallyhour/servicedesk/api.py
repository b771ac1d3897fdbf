"""API: tickets and their actions."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import (
    BeforeValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
)

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.accounts.lookups import staff_user_from
from tallyhour.core.apikit.concurrency import (
    check_if_match,
    if_match_locked,
    lock_row,
    set_entity_tag,
    tag_rule,
)
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import (
    Instant,
    ObjectId,
    Page,
    Paging,
    Text,
    error_responses,
    paginate,
)
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.idempotency import idempotency_header
from tallyhour.crm.lookups import client_from
from tallyhour.servicedesk.customfields import (
    MAX_CUSTOM_FIELDS,
    NAME_LENGTH,
    TEXT_LENGTH,
    custom_fields_problem,
)
from tallyhour.servicedesk.lookups import (
    ticket_charge_type_from,
    ticket_end_user_from,
    ticket_site_from,
)
from tallyhour.servicedesk.models import Ticket, TicketPriority, TicketStatus, TicketType
from tallyhour.servicedesk.selectors import ticket_get, tickets_filtered
from tallyhour.servicedesk.services import ticket_create, ticket_update

router = Router(tags=["tickets"])
T = TypeVar("T")

# The ticket services name the end user and custom fields as the Halo adapter sends them.
_NATIVE_FIELDS = {"user_id": "contact_id", "customfields": "custom_fields"}


def _native_names(call: Callable[[], T]) -> T:
    """Call a ticket service; a refusal names the fields as this API does."""
    try:
        return call()
    except DomainError as exc:
        exc.fields = {_NATIVE_FIELDS.get(name, name): v for name, v in exc.fields.items()}
        raise


@tag_rule(Ticket)
def _ticket_tag(ticket: Ticket) -> str:
    # Every ticket write saves `updated_at`, which is all a tag needs.
    return f"ticket-{ticket.pk}-{ticket.updated_at.timestamp():.6f}"


CustomFieldValue = StrictStr | StrictInt | StrictFloat | StrictBool | None


def _custom_fields_checked(value: Any) -> Any:
    # Checked before the typed validation so that a bad entry gets one message naming it
    # (rather than one per type it failed to be).
    if isinstance(value, dict) and (problem := custom_fields_problem(value)):
        raise ValueError(problem)
    return value  # a non-object: the typed validation says what is wrong


CustomFields = Annotated[
    dict[str, CustomFieldValue],
    BeforeValidator(_custom_fields_checked),
    Field(
        description="Integration fields by name: text, a number, true/false or null "
        f"(at most {MAX_CUSTOM_FIELDS}; names up to {NAME_LENGTH} characters, "
        f"text up to {TEXT_LENGTH}).",
        examples=[{"Asset tag": "LT-0042", "Users affected": 3, "VIP": True}],
    ),
]


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
    ticket_type_id: int | None
    project_id: int | None = Field(..., description="The project this task rolls up to.")
    budget_hours: Decimal | None
    priority: TicketPriority = Field(..., description="1 critical, 2 high, 3 medium, 4 low.")
    site_id: int | None = Field(..., description="The client's site the ticket is about.")
    contact_id: int | None = Field(..., description="The client's end user who raised it.")
    occurred_at: dt.datetime | None = Field(..., description="When the problem began.")
    custom_fields: dict[str, CustomFieldValue]
    created_at: dt.datetime
    updated_at: dt.datetime


class TicketIn(Schema):
    client_id: ObjectId
    summary: Text = Field(..., min_length=1, max_length=200)
    details: Text = Field("", max_length=20_000)
    status: TicketStatus = TicketStatus.NEW
    assignee_id: ObjectId | None = None
    charge_type_id: ObjectId | None = Field(
        None, description="Defaults to the ticket type's default charge type."
    )
    ticket_type_id: ObjectId | None = None
    project_id: ObjectId | None = Field(None, description="Make this ticket a task of a project.")
    budget_hours: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    priority: TicketPriority = Field(TicketPriority.MEDIUM, description="1 critical … 4 low.")
    site_id: ObjectId | None = Field(None, description="A site of the ticket's client.")
    contact_id: ObjectId | None = Field(None, description="An end user of the ticket's client.")
    occurred_at: Instant | None = Field(None, description="When the problem began.")
    custom_fields: CustomFields = Field(default_factory=dict)


class TicketPatch(Schema):
    summary: Text | None = Field(None, min_length=1, max_length=200)
    details: Text | None = Field(None, max_length=20_000)
    status: TicketStatus | None = Field(
        None, description="Changes status through a status-change action (timer rules apply)."
    )
    assignee_id: ObjectId | None = Field(None, description="null unassigns.")
    charge_type_id: ObjectId | None = None
    ticket_type_id: ObjectId | None = None
    project_id: ObjectId | None = None
    budget_hours: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    priority: TicketPriority | None = None
    site_id: ObjectId | None = Field(None, description="null clears it.")
    contact_id: ObjectId | None = Field(None, description="null clears it.")
    occurred_at: Instant | None = Field(None, description="null clears it.")
    custom_fields: CustomFields | None = Field(None, description="Replaces the whole set.")

    @field_validator("summary", "details", "status", "priority", "custom_fields")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class TicketFilters(Paging):
    client_id: ObjectId | None = None
    status: TicketStatus | None = None
    assignee_id: ObjectId | None = None
    priority: TicketPriority | None = None
    search: Text | None = Field(None, max_length=200, description="Summary, client or #id.")


def _ticket_type_from(pk: int | None) -> TicketType | None:
    if pk is None:
        return None
    ticket_type = TicketType.objects.filter(pk=pk).first()
    if ticket_type is None:
        raise InvalidInput(f"There is no ticket type {pk}.", fields={"ticket_type_id": "unknown"})
    return ticket_type


def _project_from(actor: Any, pk: int | None) -> Ticket | None:
    if pk is None:
        return None
    project = Ticket.objects.select_related("ticket_type").filter(pk=pk).first()
    if project is None:
        raise InvalidInput(f"There is no ticket {pk}.", fields={"project_id": "unknown"})
    return project


@router.get(
    "/tickets", response={200: Page[TicketOut], **error_responses(422)}, summary="List tickets"
)
def list_tickets(request: AuthedRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """Tickets, newest first, filtered by client, status, assignee or search text; paged."""
    tickets = tickets_filtered(
        request.auth,
        client_id=filters.client_id,
        status=filters.status or "",
        assignee_id=filters.assignee_id,
        priority=filters.priority,
        search=filters.search or "",
    )
    return paginate(tickets, filters)


@router.post(
    "/tickets",
    response={201: TicketOut, **error_responses(422)},
    summary="Create a ticket",
    openapi_extra=examples(
        body={
            "ticket": {"client_id": 3, "summary": "Printer offline", "assignee_id": 7},
            "raised by an end user at a site": {
                "client_id": 3,
                "summary": "Disk C: nearly full",
                "priority": 2,
                "site_id": 12,
                "contact_id": 40,
                "occurred_at": "2026-11-16T07:40:00Z",
                "custom_fields": {"Alert id": "A-9911", "Free space %": 4.5},
            },
            "project task": {
                "client_id": 3,
                "summary": "Migrate mailboxes",
                "project_id": 1200,
                "budget_hours": "16.00",
            },
        }
    ),
)
def create_ticket(
    request: AuthedRequest, payload: TicketIn, idempotency_key: str | None = idempotency_header()
) -> Any:
    """Any staff user may open a ticket for a client. Honours `Idempotency-Key`."""
    return created(
        request,
        payload=payload,
        schema=TicketOut,
        create=lambda: _native_names(
            lambda: ticket_create(
                client=client_from(payload.client_id),
                summary=payload.summary,
                details=payload.details,
                status=payload.status,
                assignee=staff_user_from(payload.assignee_id, "assignee_id"),
                charge_type=ticket_charge_type_from(payload.charge_type_id),
                ticket_type=_ticket_type_from(payload.ticket_type_id),
                project=_project_from(request.auth, payload.project_id),
                budget_hours=payload.budget_hours,
                priority=payload.priority,
                site=ticket_site_from(request.auth, payload.site_id),
                contact=ticket_end_user_from(request.auth, payload.contact_id),
                occurred_at=payload.occurred_at,
                custom_fields=payload.custom_fields,
                actor=request.auth,
            )
        ),
    )


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketOut, **error_responses(404)},
    summary="Get a ticket",
)
def get_ticket(request: AuthedRequest, ticket_id: ObjectId, response: HttpResponse) -> Ticket:
    """One ticket. Reading it through the API never starts a timer. Send its `ETag` back in
    `If-Match` on a change to refuse it (412) if the ticket changed meanwhile."""
    ticket = ticket_get(actor=request.auth, ticket_id=ticket_id)
    set_entity_tag(response, ticket)
    return ticket


@router.patch(
    "/tickets/{ticket_id}",
    response={200: TicketOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Change a ticket",
    openapi_extra=examples(
        body={
            "reassign": {"assignee_id": 9},
            "on hold": {"status": "on_hold"},
            "retype": {"ticket_type_id": 2, "charge_type_id": 5},
            "escalate": {"priority": 1, "site_id": 12, "contact_id": 40},
        }
    ),
)
def update_ticket(
    request: AuthedRequest, ticket_id: ObjectId, payload: TicketPatch, response: HttpResponse
) -> Ticket:
    """Change only the fields sent: assign or reassign, retype, move under a project, or
    change the status. A status change is recorded as an action by the caller, with the
    timer rules: on hold and resolved pause the ticket's timers; closed stops the caller's
    timer and logs its time on the closing action."""
    sent = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {
        key: value
        for key, value in sent.items()
        if key in {"summary", "details", "status", "budget_hours", "priority", "occurred_at"}
    }
    if "custom_fields" in sent:
        changes["custom_fields"] = payload.custom_fields
    if "site_id" in sent:
        changes["site"] = ticket_site_from(request.auth, sent["site_id"])
    if "contact_id" in sent:
        changes["contact"] = ticket_end_user_from(request.auth, sent["contact_id"])
    if "assignee_id" in sent:
        changes["assignee"] = staff_user_from(sent["assignee_id"], "assignee_id")
    if "charge_type_id" in sent:
        changes["charge_type"] = ticket_charge_type_from(sent["charge_type_id"])
    if "ticket_type_id" in sent:
        changes["ticket_type"] = _ticket_type_from(sent["ticket_type_id"])
    if "project_id" in sent:
        changes["project"] = _project_from(request.auth, sent["project_id"])
    ticket = ticket_get(actor=request.auth, ticket_id=ticket_id)
    check_if_match(request, ticket)
    with if_match_locked(request, lambda: lock_row(ticket)):
        updated = _native_names(
            lambda: ticket_update(ticket=ticket, actor=request.auth, changes=changes)
        )
    set_entity_tag(response, updated)
    return updated
