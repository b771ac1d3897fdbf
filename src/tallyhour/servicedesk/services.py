"""Writes for tickets and actions, and the capture rules that tie timers to ticket work.

Capture rules (organisation settings, see Organisation.capture_mode):
- on_open: opening a ticket's page starts (or resumes) the agent's timer for it;
- on_action: pressing an action button on the ticket starts it; off: only by hand;
- starting another ticket's timer pauses the running one (one running timer per agent);
- on hold or resolved pauses the ticket's timers; closing stops the closer's timer and logs
  what it counted on the closing action;
- an action logs the timer's time (as offered, or as edited) and restarts it from zero.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import can_admin
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Forbidden, InvalidInput, full_clean_or_invalid
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Action, ActionKind, Ticket, TicketStatus, TicketType
from tallyhour.timesheets.services import submissions_submit_closed_ticket
from tallyhour.timetracking.models import ChargeType, EntrySource, Timer
from tallyhour.timetracking.services import MAX_ENTRY_SECONDS, lock_agent, time_entry_create
from tallyhour.timetracking.timers import (
    timer_start_for_ticket,
    timer_take_for_action,
    timers_pause_on_ticket,
)

TICKET_FIELDS = [
    "client",
    "summary",
    "status",
    "assignee",
    "charge_type",
    "ticket_type",
    "project",
    "budget_hours",
]
# Statuses in which nobody is working the ticket, so its timers stop counting.
PAUSING_STATUSES = (TicketStatus.ON_HOLD, TicketStatus.RESOLVED)
# Opening or acting on a ticket in these statuses starts capture.
WORKABLE_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS)


def _clock(now: dt.datetime | None) -> dt.datetime:
    return (now or dates.now()).replace(microsecond=0)


def _check_project(project: Ticket | None, ticket: Ticket | None = None) -> None:
    if project is None:
        return
    if project.ticket_type is None or not project.ticket_type.is_project:
        raise InvalidInput(
            f"Ticket {project.pk} is not a project.", fields={"project_id": "not a project"}
        )
    if project.project_id is not None:
        raise InvalidInput(
            "Projects do not nest: choose a top-level project.",
            fields={"project_id": "nested project"},
        )
    if ticket is not None and project.pk == ticket.pk:
        raise InvalidInput("A ticket cannot be its own project.", fields={"project_id": "itself"})
    if ticket is not None and ticket.client_id != project.client_id:
        raise InvalidInput(
            "A task belongs to a project of the same client.", fields={"project_id": "client"}
        )


def _check_assignee(assignee: User | None) -> None:
    # Portal contacts are users too, but tickets are worked by staff.
    if assignee is not None and assignee.is_contact:
        raise InvalidInput(
            "Assign the ticket to a staff member.", fields={"assignee_id": "contact"}
        )


@transaction.atomic
def ticket_create(
    *,
    client: Client,
    summary: str,
    actor: User,
    details: str = "",
    status: str = TicketStatus.NEW,
    assignee: User | None = None,
    charge_type: ChargeType | None = None,
    ticket_type: TicketType | None = None,
    project: Ticket | None = None,
    budget_hours: Decimal | None = None,
) -> Ticket:
    """Open a ticket; its type's default charge type applies unless one is chosen."""
    if charge_type is None and ticket_type is not None:
        charge_type = ticket_type.default_charge_type
    ticket = Ticket(
        client=client,
        summary=summary.strip(),
        details=details,
        status=status,
        assignee=assignee,
        charge_type=charge_type,
        ticket_type=ticket_type,
        project=project,
        budget_hours=budget_hours,
    )
    _check_project(project)
    _check_assignee(assignee)
    if project is not None and project.client_id != client.pk:
        raise InvalidInput(
            "A task belongs to a project of the same client.", fields={"project_id": "client"}
        )
    full_clean_or_invalid(ticket)
    ticket.save()
    audit_record(
        actor=actor, action="ticket.create", obj=ticket, after=snapshot(ticket, TICKET_FIELDS)
    )
    return ticket


EDITABLE_TICKET_FIELDS = {
    "summary",
    "details",
    "assignee",
    "charge_type",
    "ticket_type",
    "project",
    "budget_hours",
}


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: User,
    changes: dict[str, Any],
    now: dt.datetime | None = None,
) -> Ticket:
    """Change a ticket's fields (assign, reassign, retype, …).

    A status change goes through an action (so the timer rules apply and the timeline shows
    it): `changes["status"]` becomes a status-change action by the actor.
    """
    unknown = set(changes) - EDITABLE_TICKET_FIELDS - {"status"}
    if unknown:
        raise InvalidInput(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
            fields=dict.fromkeys(unknown, "not editable"),
        )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    before = snapshot(ticket, TICKET_FIELDS)
    for name in EDITABLE_TICKET_FIELDS & set(changes):
        setattr(ticket, name, changes[name])
    if "assignee" in changes:
        _check_assignee(ticket.assignee)
    if "summary" in changes:
        ticket.summary = (ticket.summary or "").strip()
    if "project" in changes:
        _check_project(ticket.project, ticket)
        if ticket.tasks.exists() and ticket.project is not None:
            raise InvalidInput(
                "A project with tasks cannot become a task.", fields={"project_id": "has tasks"}
            )
    full_clean_or_invalid(ticket)
    ticket.save()
    after = snapshot(ticket, TICKET_FIELDS)
    if after != before:
        audit_record(actor=actor, action="ticket.update", obj=ticket, before=before, after=after)
    new_status = changes.get("status")
    if new_status is not None and new_status != ticket.status:
        action_create(
            ticket=ticket,
            actor=actor,
            kind=ActionKind.STATUS_CHANGE,
            new_status=new_status,
            now=now,
        )
        ticket.refresh_from_db()
    return ticket


def _capturing(mode: str) -> bool:
    return Organisation.current().capture_mode == mode


@transaction.atomic
def ticket_open(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Timer | None:
    """The agent opened the ticket: with capture on_open, its timer runs from now."""
    if not _capturing("on_open") or ticket.status not in WORKABLE_STATUSES:
        return None
    return timer_start_for_ticket(agent=actor, actor=actor, ticket=ticket, now=_clock(now))


@transaction.atomic
def ticket_work(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Timer | None:
    """The agent pressed an action button: unless capture is off, the ticket's timer runs."""
    if _capturing("off") or ticket.status == TicketStatus.CLOSED:
        return None
    return timer_start_for_ticket(agent=actor, actor=actor, ticket=ticket, now=_clock(now))


# What the client portal shows unless the agent chooses otherwise: replies and status changes
# are written for the client, notes are internal. A note that also changes the status keeps
# its note's default (its text was written as an internal note).
CLIENT_VISIBLE_BY_KIND = {
    ActionKind.NOTE: False,
    ActionKind.REPLY: True,
    ActionKind.STATUS_CHANGE: True,
}


def client_visible_default(kind: str) -> bool:
    return CLIENT_VISIBLE_BY_KIND.get(ActionKind(kind), False)


def _next_for_timer(new_status: str | None) -> str:
    if new_status == TicketStatus.CLOSED:
        return "stop"
    if new_status in PAUSING_STATUSES:
        return "pause"
    return "restart"


@transaction.atomic
def action_create(
    *,
    ticket: Ticket,
    actor: User,
    kind: str = ActionKind.NOTE,
    body: str = "",
    new_status: str | None = None,
    time_seconds: int | None = None,
    charge_type: ChargeType | None = None,
    is_billable: bool | None = None,
    client_visible: bool | None = None,
    now: dt.datetime | None = None,
) -> Action:
    """Add a note, client reply or status change, logging the agent's time on the ticket.

    `time_seconds` None logs what the agent's timer on the ticket has counted; a number
    (the offered time as edited) logs that instead; 0 logs nothing. Either way the timer
    starts again from zero, pauses (on hold, resolved) or stops (closed).
    """
    now = _clock(now)
    if kind not in ActionKind.values:
        raise InvalidInput(f"Unknown action kind {kind!r}.", fields={"kind": "unknown"})
    if time_seconds is not None and not 0 <= time_seconds <= MAX_ENTRY_SECONDS:
        raise InvalidInput(
            "Time on an action must be between 0 and 24 hours.",
            fields={"time_minutes": "out of range"},
        )
    lock_agent(actor)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("ticket_type")
        .get(pk=ticket.pk)
    )
    old_status = ticket.status
    if kind == ActionKind.STATUS_CHANGE or new_status:
        if new_status not in TicketStatus.values:
            raise InvalidInput("Choose the new status.", fields={"new_status": "required"})
        if new_status == old_status:
            raise InvalidInput(
                f"The ticket is already {ticket.get_status_display().lower()}.",
                fields={"new_status": "unchanged"},
            )
    elif not body.strip():
        raise InvalidInput("Write something.", fields={"body": "required"})
    taken = timer_take_for_action(
        agent=actor, actor=actor, ticket=ticket, then=_next_for_timer(new_status), now=now
    )
    seconds = taken.seconds if time_seconds is None else time_seconds
    entry = None
    if seconds >= 1:
        # Captured time ends now, where the work it measured ended. It is not checked for
        # overlaps: paused stretches cannot be placed on the clock, and the one running
        # timer per agent already guarantees that no second is counted twice.
        entry = time_entry_create(
            agent=actor,
            actor=actor,
            started_at=now - dt.timedelta(seconds=seconds),
            ended_at=now,
            ticket=ticket,
            charge_type=charge_type,
            is_billable=is_billable,
            note=body.strip()[:2000] or _status_note(old_status, new_status),
            source=EntrySource.ACTION,
            check_overlap=False,
        )
    action = Action(
        ticket=ticket,
        agent=actor,
        kind=ActionKind.STATUS_CHANGE if new_status and kind != ActionKind.REPLY else kind,
        body=body.strip(),
        old_status=old_status if new_status else "",
        new_status=new_status or "",
        time_entry=entry,
        client_visible=client_visible_default(kind) if client_visible is None else client_visible,
        created_at=now,
    )
    full_clean_or_invalid(action, exclude=["time_entry"])
    action.save()
    if new_status:
        ticket.status = new_status
        ticket.save(update_fields=["status", "updated_at"])
        if new_status in (*PAUSING_STATUSES, TicketStatus.CLOSED):
            timers_pause_on_ticket(ticket=ticket, actor=actor, now=now)
        if new_status == TicketStatus.CLOSED:
            # Per-ticket submission mode sends the ticket's time for approval on close.
            submissions_submit_closed_ticket(ticket=ticket, actor=actor, now=now)
    audit_record(
        actor=actor,
        action="action.create",
        obj=action,
        after={
            "ticket": ticket.pk,
            "kind": action.kind,
            "old_status": action.old_status,
            "new_status": action.new_status,
            "time_entry": entry.pk if entry else None,
            "client_visible": action.client_visible,
            "seconds": seconds,
        },
    )
    return action


def _status_note(old: str, new: str | None) -> str:
    labels = dict(TicketStatus.choices)
    if new:
        return f"Status {labels.get(old, old)} → {labels.get(new, new)}"
    return ""


@transaction.atomic
def ticket_type_create(
    *,
    name: str,
    actor: User,
    is_project: bool = False,
    default_charge_type: ChargeType | None = None,
) -> TicketType:
    if not can_admin(actor):
        raise Forbidden("Only admins create ticket types.")
    ticket_type = TicketType(
        name=name.strip(), is_project=is_project, default_charge_type=default_charge_type
    )
    full_clean_or_invalid(ticket_type)
    ticket_type.save()
    audit_record(
        actor=actor,
        action="ticket_type.create",
        obj=ticket_type,
        after=snapshot(ticket_type, ["name", "is_project", "default_charge_type"]),
    )
    return ticket_type
