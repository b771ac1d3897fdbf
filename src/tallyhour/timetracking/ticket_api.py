"""API: a ticket's actions with the time each logged, and working on a ticket (its timer).

The routes sit with the capture rules they apply; their paths and tag are the tickets'.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Router, Schema

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import ObjectId, Text, error_responses
from tallyhour.core.idempotency import idempotency_header
from tallyhour.servicedesk.models import Action, ActionKind, TicketStatus
from tallyhour.servicedesk.selectors import actions_for, ticket_get
from tallyhour.servicedesk.services import action_create
from tallyhour.timetracking import capture
from tallyhour.timetracking.lookups import charge_type_from
from tallyhour.timetracking.models import Timer
from tallyhour.timetracking.schemas import TimeEntryOut, TimerOut
from tallyhour.timetracking.timers import timer_start_for_ticket

router = Router(tags=["tickets"])


class ActionOut(Schema):
    id: int
    ticket_id: int
    agent_id: int
    kind: ActionKind
    body: str
    old_status: str
    new_status: str
    client_visible: bool
    outcome: str = Field(..., description='How the work was done ("Phone call"); may be empty.')
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
    outcome: Text = Field("", max_length=100, description='How the work was done: "Phone call".')


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
    return created(
        request,
        payload=payload,
        schema=ActionOut,
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
            outcome=payload.outcome,
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
        return {"timer": capture.ticket_work(ticket=ticket, actor=request.auth)}
    timer = timer_start_for_ticket(agent=request.auth, actor=request.auth, ticket=ticket)
    return {"timer": timer}


@router.post(
    "/tickets/{ticket_id}/open",
    response={200: WorkOut, **error_responses(403, 404, 409)},
    summary="Open a ticket to work it (capture on open)",
)
def open_ticket(request: AuthedRequest, ticket_id: ObjectId) -> dict[str, Timer | None]:
    """What a ticket's page sends once it has loaded: with capture `on_open`, the caller's
    timer for the ticket runs if the ticket is theirs (assigned to them, or unassigned in
    one of their teams' queues) and workable. Reading a ticket (`GET`) never does this.
    Answers the timer it started, else null."""
    ticket = ticket_get(actor=request.auth, ticket_id=ticket_id)
    return {"timer": capture.ticket_open(ticket=ticket, actor=request.auth)}
