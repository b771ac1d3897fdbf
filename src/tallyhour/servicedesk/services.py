"""Writes for tickets and actions.

The capture rules that tie timers to ticket work live in `timetracking.capture`; ticket work
reaches them through the signals in `servicedesk.signals`.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.db import transaction

from tallyhour.accounts.models import Team, User
from tallyhour.accounts.permissions import can_admin
from tallyhour.core import dates
from tallyhour.core.audit import Audited, audit_record, snapshot
from tallyhour.core.errors import Forbidden, InvalidInput, full_clean_or_invalid
from tallyhour.crm.models import Client, Contact, Site
from tallyhour.servicedesk import signals
from tallyhour.servicedesk.customfields import custom_fields_problem
from tallyhour.servicedesk.models import (
    Action,
    ActionKind,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketType,
)

# A timetracking ChargeType (or None); servicedesk names it only through Ticket's foreign key.
ChargeTypeRef = Any
# A contracts Contract (or None), named the same way.
ContractRef = Any

TICKET_FIELDS = [
    "client",
    "summary",
    "status",
    "assignee",
    "team",
    "charge_type",
    "ticket_type",
    "project",
    "budget_hours",
    "site",
    "contact",
    "priority",
    "occurred_at",
    "custom_fields",
]


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


def _check_client_parts(ticket: Ticket) -> None:
    """A ticket's site and end user belong to its client."""
    if ticket.site is not None and ticket.site.client_id != ticket.client_id:
        raise InvalidInput("The site belongs to another client.", fields={"site_id": "client"})
    if ticket.contact is not None and ticket.contact.client_id != ticket.client_id:
        raise InvalidInput("The end user belongs to another client.", fields={"user_id": "client"})
    if problem := custom_fields_problem(ticket.custom_fields):
        raise InvalidInput(f"Custom fields: {problem}.", fields={"customfields": problem})


def _check_site_open(site: Site | None) -> None:
    if site is not None and not site.is_active:
        raise InvalidInput(
            "That site is closed: choose an open one.", fields={"site_id": "inactive"}
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
    team: Team | None = None,
    charge_type: ChargeTypeRef = None,
    ticket_type: TicketType | None = None,
    project: Ticket | None = None,
    budget_hours: Decimal | None = None,
    site: Site | None = None,
    contact: Contact | None = None,
    priority: int = TicketPriority.MEDIUM,
    occurred_at: dt.datetime | None = None,
    custom_fields: dict[str, Any] | None = None,
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
        team=team,
        charge_type=charge_type,
        ticket_type=ticket_type,
        project=project,
        budget_hours=budget_hours,
        site=site,
        contact=contact,
        priority=priority,
        occurred_at=occurred_at,
        custom_fields=custom_fields or {},
    )
    _check_project(project)
    _check_assignee(assignee)
    _check_client_parts(ticket)
    _check_site_open(site)
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
    "team",
    "charge_type",
    "ticket_type",
    "project",
    "budget_hours",
    "site",
    "contact",
    "priority",
    "occurred_at",
    "custom_fields",
}


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: User,
    changes: dict[str, Any],
    now: dt.datetime | None = None,
    capture: bool = True,
) -> Ticket:
    """Change a ticket's fields (assign, reassign, retype, …).

    A status change goes through an action (so the timer rules apply and the timeline shows
    it): `changes["status"]` becomes a status-change action by the actor. An integration
    (`capture` False) logs no timer time on it: no time entry without time sent.
    """
    unknown = set(changes) - EDITABLE_TICKET_FIELDS - {"status"}
    if unknown:
        raise InvalidInput(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
            fields=dict.fromkeys(unknown, "not editable"),
        )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    before = snapshot(ticket, TICKET_FIELDS)
    before_site = ticket.site_id
    for name in EDITABLE_TICKET_FIELDS & set(changes):
        setattr(ticket, name, changes[name])
    if "assignee" in changes:
        _check_assignee(ticket.assignee)
    if ticket.site_id != before_site:
        _check_site_open(ticket.site)
    if "summary" in changes:
        ticket.summary = (ticket.summary or "").strip()
    if "project" in changes:
        _check_project(ticket.project, ticket)
        if ticket.tasks.exists() and ticket.project is not None:
            raise InvalidInput(
                "A project with tasks cannot become a task.", fields={"project_id": "has tasks"}
            )
    _check_client_parts(ticket)
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
            time_seconds=None if capture else 0,
            capture=capture,
        )
        ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_contract_update(*, ticket: Ticket, contract: ContractRef, actor: User) -> Ticket:
    """Point a ticket at a contract (None: the client's default). Which contract may be
    chosen, and by whom, is contracts' rule (`contracts.services.ticket_contract_set`)."""
    change = Audited(ticket, ["contract"])
    ticket.contract = contract
    ticket.save(update_fields=["contract"])
    change.record(actor=actor, action="ticket.contract")
    return ticket


def ticket_open(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> None:
    """The agent opened the ticket's page (the capture rules may start its timer).

    Nothing of servicedesk's is written: the receivers run their own transactions.
    """
    signals.ticket_opened.send(sender=Ticket, ticket=ticket, actor=actor, now=_clock(now))


def ticket_work(
    *, ticket: Ticket, actor: User, kind: str = "", now: dt.datetime | None = None
) -> None:
    """The agent pressed Start (`kind` empty) or an action button for `kind` on the ticket."""
    signals.ticket_worked.send(
        sender=Ticket, ticket=ticket, actor=actor, kind=kind, now=_clock(now)
    )


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


@transaction.atomic
def action_create(
    *,
    ticket: Ticket,
    actor: User,
    kind: str = ActionKind.NOTE,
    body: str = "",
    new_status: str | None = None,
    time_seconds: int | None = None,
    charge_type: ChargeTypeRef = None,
    is_billable: bool | None = None,
    client_visible: bool | None = None,
    stop_timer: bool = False,
    now: dt.datetime | None = None,
    span: tuple[dt.datetime, dt.datetime] | None = None,
    capture: bool = True,
    nonbillable_seconds: int = 0,
    outcome: str = "",
    dated: dt.datetime | None = None,
) -> Action:
    """Add a note, client reply or status change, logging the agent's time on the ticket.

    `time_seconds` None logs what the agent's timer on the ticket has counted; a number
    (the offered time as edited) logs that instead; 0 logs nothing. Either way the timer
    starts again from zero, pauses (on hold, resolved) or stops (closed, or `stop_timer`:
    the timer's stop dialog logging its time as this action).

    Integrations state their time instead (`capture` False): `span` is when the work
    happened, `dated` when the action was written, and the agent's timers are left alone.
    """
    now = _clock(now)
    if span is not None:
        if span[1] <= span[0]:
            raise InvalidInput(
                "The work must end after it starts.", fields={"ended_at": "before start"}
            )
        time_seconds, capture = int((span[1] - span[0]).total_seconds()), False
    if kind not in ActionKind.values:
        raise InvalidInput(f"Unknown action kind {kind!r}.", fields={"kind": "unknown"})
    signals.action_preparing.send(
        sender=Action, ticket=ticket, actor=actor, time_seconds=time_seconds
    )
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
    seconds, entry = time_seconds or 0, None
    for _receiver, logged in signals.action_time_logging.send(
        sender=Action,
        ticket=ticket,
        actor=actor,
        time_seconds=time_seconds,
        new_status=new_status,
        charge_type=charge_type,
        is_billable=is_billable,
        note=body.strip()[:2000] or _status_note(old_status, new_status),
        stop_timer=stop_timer,
        now=now,
        span=span,
        capture=capture,
        nonbillable_seconds=nonbillable_seconds,
    ):
        if logged is not None:
            seconds, entry = cast(tuple[int, Any], logged)
    action = Action(
        ticket=ticket,
        agent=actor,
        kind=ActionKind.STATUS_CHANGE if new_status and kind != ActionKind.REPLY else kind,
        body=body.strip(),
        old_status=old_status if new_status else "",
        new_status=new_status or "",
        time_entry=entry,
        client_visible=client_visible_default(kind) if client_visible is None else client_visible,
        outcome=outcome.strip(),
        created_at=(dated or now).replace(microsecond=0),
    )
    full_clean_or_invalid(action, exclude=["time_entry"])
    action.save()
    if new_status:
        ticket.status = new_status
        ticket.save(update_fields=["status", "updated_at"])
        signals.ticket_status_changed.send(
            sender=Ticket,
            ticket=ticket,
            actor=actor,
            old_status=old_status,
            new_status=new_status,
            now=now,
        )
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
            "outcome": action.outcome,
            "seconds": seconds,
        },
    )
    return action


ACTION_TEXT_FIELDS = ["body", "outcome", "client_visible"]


@transaction.atomic
def action_update(*, action: Action, actor: User, changes: dict[str, Any]) -> Action:
    """Correct an action's text, outcome or visibility: its author's (or an admin's) to fix.

    Its time is its time entry's, changed through timetracking under that entry's locks.
    """
    if action.agent_id != actor.pk and not can_admin(actor):
        raise Forbidden("Only the action's author or an admin can change it.")
    unknown = set(changes) - set(ACTION_TEXT_FIELDS)
    if unknown:
        raise InvalidInput(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
            fields=dict.fromkeys(unknown, "not editable"),
        )
    action = Action.objects.select_for_update().get(pk=action.pk)
    change = Audited(action, ACTION_TEXT_FIELDS)
    for name, value in changes.items():
        setattr(action, name, value.strip() if isinstance(value, str) else value)
    if action.kind != ActionKind.STATUS_CHANGE and not action.body and action.time_entry is None:
        raise InvalidInput("Write something.", fields={"body": "required"})
    full_clean_or_invalid(action, exclude=["time_entry"])
    action.save(update_fields=ACTION_TEXT_FIELDS)
    change.record(actor=actor, action="action.update")
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
    default_charge_type: ChargeTypeRef = None,
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
