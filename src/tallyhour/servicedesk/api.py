"""API: tickets and their actions."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from tallyhour.api.auth import AuthedRequest
from tallyhour.api.concurrency import check_if_match, set_entity_tag
from tallyhour.api.examples import examples
from tallyhour.api.lookups import charge_type_from, client_from, staff_user_from
from tallyhour.api.schemas import ObjectId, Page, Paging, Text, error_responses, paginate
from tallyhour.core.errors import InvalidInput
from tallyhour.core.idempotency import idempotent
from tallyhour.servicedesk.models import Action, ActionKind, Ticket, TicketStatus, TicketType
from tallyhour.servicedesk.selectors import actions_for, ticket_get, tickets_filtered
from tallyhour.servicedesk.services import action_create, ticket_create, ticket_update, ticket_work
from tallyhour.timetracking.api import TimeEntryOut, TimerOut, idempotency_header
from tallyhour.timetracking.models import Timer
from tallyhour.timetracking.timers import timer_start_for_ticket

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
    ticket_type_id: int | None
    project_id: int | None = Field(..., description="The project this task rolls up to.")
    budget_hours: Decimal | None
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

    @field_validator("summary", "details", "status")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class TicketFilters(Paging):
    client_id: ObjectId | None = None
    status: TicketStatus | None = None
    assignee_id: ObjectId | None = None
    search: Text | None = Field(None, max_length=200, description="Summary, client or #id.")


class ActionOut(Schema):
    id: int
    ticket_id: int
    agent_id: int
    kind: ActionKind
    body: str
    old_status: str
    new_status: str
    client_visible: bool
    created_at: dt.datetime
    time_entry: TimeEntryOut | None = Field(..., description="The time this action logged.")


class ActionIn(Schema):
    kind: ActionKind = ActionKind.NOTE
    body: Text = Field("", max_length=20_000)
    new_status: TicketStatus | None = Field(None, description="Required for a status change.")
    time_minutes: int | None = Field(
        None,
        ge=0,
        le=24 * 60,
        description="Time to log; omit to log what your timer on this ticket counted, 0 for none.",
    )
    charge_type_id: ObjectId | None = Field(None, description="Defaults to the ticket's.")
    is_billable: bool | None = Field(None, description="Override the charge type's default.")
    client_visible: bool | None = Field(
        None,
        description="Shown in the client portal. Default from the kind: replies and status "
        "changes true, notes false.",
    )


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
    return idempotent(
        request,
        user=request.auth,
        payload=payload,
        schema=TicketOut,
        status=201,
        create=lambda: ticket_create(
            client=client_from(payload.client_id),
            summary=payload.summary,
            details=payload.details,
            status=payload.status,
            assignee=staff_user_from(payload.assignee_id, "assignee_id"),
            charge_type=charge_type_from(payload.charge_type_id),
            ticket_type=_ticket_type_from(payload.ticket_type_id),
            project=_project_from(request.auth, payload.project_id),
            budget_hours=payload.budget_hours,
            actor=request.auth,
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
        if key in {"summary", "details", "status", "budget_hours"}
    }
    if "assignee_id" in sent:
        changes["assignee"] = staff_user_from(sent["assignee_id"], "assignee_id")
    if "charge_type_id" in sent:
        changes["charge_type"] = charge_type_from(sent["charge_type_id"])
    if "ticket_type_id" in sent:
        changes["ticket_type"] = _ticket_type_from(sent["ticket_type_id"])
    if "project_id" in sent:
        changes["project"] = _project_from(request.auth, sent["project_id"])
    ticket = ticket_get(actor=request.auth, ticket_id=ticket_id)
    check_if_match(request, ticket)
    updated = ticket_update(ticket=ticket, actor=request.auth, changes=changes)
    set_entity_tag(response, updated)
    return updated


@router.get(
    "/tickets/{ticket_id}/actions",
    response={200: list[ActionOut], **error_responses(404)},
    summary="List a ticket's actions",
)
def list_actions(request: AuthedRequest, ticket_id: ObjectId) -> QuerySet[Action]:
    """The ticket's timeline, oldest first, with the time each action logged."""
    ticket = ticket_get(actor=request.auth, ticket_id=ticket_id)
    return actions_for(actor=request.auth, ticket=ticket)


@router.post(
    "/tickets/{ticket_id}/actions",
    response={201: ActionOut, **error_responses(403, 404, 409, 422)},
    summary="Add an action to a ticket",
    openapi_extra=examples(
        body={
            "note with timer time": {"kind": "note", "body": "Checked the spooler service."},
            "reply, fixed time": {
                "kind": "reply",
                "body": "Your printer is back online.",
                "time_minutes": 15,
            },
            "close": {"kind": "status", "new_status": "closed", "body": "Fixed."},
        }
    ),
)
def create_action(
    request: AuthedRequest,
    ticket_id: ObjectId,
    payload: ActionIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """A note, client reply or status change. Unless `time_minutes` is given, the time your
    timer on this ticket has counted is logged as the action's time entry, and the timer
    starts again from zero (pauses on hold or resolved, stops when closed). Honours
    `Idempotency-Key`."""
    ticket = ticket_get(actor=request.auth, ticket_id=ticket_id)
    return idempotent(
        request,
        user=request.auth,
        payload=payload,
        schema=ActionOut,
        status=201,
        create=lambda: action_create(
            ticket=ticket,
            actor=request.auth,
            kind=payload.kind,
            body=payload.body,
            new_status=payload.new_status,
            time_seconds=None if payload.time_minutes is None else payload.time_minutes * 60,
            charge_type=charge_type_from(payload.charge_type_id),
            is_billable=payload.is_billable,
            client_visible=payload.client_visible,
        ),
    )


class WorkIn(Schema):
    kind: ActionKind | None = Field(
        None,
        description="The action about to be written (note, reply, status); its timer runs "
        "unless capture is off or the ticket is closed. Omit to start the timer regardless.",
    )


class WorkOut(Schema):
    timer: TimerOut | None = Field(..., description="The ticket's timer; null when none runs.")


@router.post(
    "/tickets/{ticket_id}/work",
    response={200: WorkOut, **error_responses(403, 404, 409, 422)},
    summary="Work on a ticket (start its timer)",
    openapi_extra=examples(body={"start": {}, "about to add a note": {"kind": "note"}}),
)
def work_on_ticket(
    request: AuthedRequest, ticket_id: ObjectId, payload: WorkIn | None = None
) -> dict[str, Timer | None]:
    """Run the caller's timer for this ticket: the one it has is resumed, else one starts;
    whatever else ran is paused. Calling it again changes nothing, so it needs no
    `Idempotency-Key`. With `kind`, the capture rules decide (as on the ticket page)."""
    ticket = ticket_get(actor=request.auth, ticket_id=ticket_id)
    if payload is not None and payload.kind is not None:
        return {"timer": ticket_work(ticket=ticket, actor=request.auth)}
    timer = timer_start_for_ticket(agent=request.auth, actor=request.auth, ticket=ticket)
    return {"timer": timer}
