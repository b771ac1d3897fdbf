"""Halo's request bodies and parameters translated into calls of our selectors and services.

Every lookup goes through the owning app's `*_visible_to(actor)` selector; every write goes
through a service, which checks permission, state and locks as it does for the native API.
"""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from tallyhour.accounts.models import Agent, User
from tallyhour.accounts.selectors import agents_visible_to, users_visible_to
from tallyhour.core import dates
from tallyhour.core.errors import Forbidden, InvalidInput, NotFound
from tallyhour.crm.selectors import clients_visible_to
from tallyhour.halo import conventions as halo
from tallyhour.halo.schemas import STATUS_BY_ID, submission_record
from tallyhour.servicedesk import services as desk
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus
from tallyhour.servicedesk.selectors import actions_visible_to, ticket_get
from tallyhour.timesheets import services as sheets
from tallyhour.timesheets.models import SubmissionState
from tallyhour.timesheets.selectors import submissions_visible_to
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.selectors import charge_types_visible_to, time_entry_get
from tallyhour.timetracking.services import time_entry_create, time_entry_update

M = TypeVar("M", bound=Model)


def whole_number(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{field} must be a whole number.", fields={field: "not a number"}
        ) from exc
    if not 0 < number < 2**63:
        raise InvalidInput(f"{field} is out of range.", fields={field: "out of range"})
    return number


def given(value: Any) -> bool:
    """Halo leaves a field out, or sends null, "" or 0, to mean "none"."""
    return value not in (None, "", 0)


def found(items: QuerySet[M], pk: int, what: str) -> M:
    obj = items.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{what} {pk} not found.")
    return obj


def named(items: QuerySet[M], value: Any, field: str) -> M | None:
    """The record a body field names by id among `items`, None when it names none."""
    if not given(value):
        return None
    try:
        obj = items.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise InvalidInput(f"Unknown {field} {value!r}.", fields={field: "unknown"})
    return obj


def one_or_many(records: list[dict[str, Any]]) -> Any:
    # Halo answers a one-record POST with the record itself.
    return records[0] if len(records) == 1 else records


def status_from(item: dict[str, Any]) -> str | None:
    if item.get("status_id") in (None, ""):
        return None
    try:
        return STATUS_BY_ID[int(item["status_id"])]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("Unknown status_id.", fields={"status_id": "unknown"}) from exc


# --- Tickets and Actions ---------------------------------------------------------------------


def ticket_save(actor: User, item: dict[str, Any]) -> Ticket:
    """Create a ticket, or update the one `id` names."""
    changes: dict[str, Any] = {}
    if "summary" in item:
        changes["summary"] = str(item["summary"])
    if "details" in item:
        changes["details"] = str(item["details"] or "")
    if (status := status_from(item)) is not None:
        changes["status"] = status
    if "agent_id" in item:
        changes["assignee"] = named(users_visible_to(actor), item["agent_id"], "agent_id")
    if "chargerate" in item:
        changes["charge_type"] = named(
            charge_types_visible_to(actor), item["chargerate"], "chargerate"
        )
    if given(item.get("id")):
        ticket = ticket_get(actor=actor, ticket_id=whole_number(item["id"], "id"))
        return desk.ticket_update(ticket=ticket, actor=actor, changes=changes)
    client = named(clients_visible_to(actor), item.get("client_id"), "client_id")
    if client is None:
        raise InvalidInput(
            "client_id is required for a new ticket.", fields={"client_id": "required"}
        )
    if not changes.get("summary"):
        raise InvalidInput("summary is required for a new ticket.", fields={"summary": "required"})
    return desk.ticket_create(
        client=client,
        summary=changes["summary"],
        actor=actor,
        details=changes.get("details", ""),
        status=changes.get("status", TicketStatus.NEW),
        assignee=changes.get("assignee"),
        charge_type=changes.get("charge_type"),
    )


def action_add(actor: User, item: dict[str, Any]) -> Action:
    """A new action (actions are append-only), with its time as Halo states it."""
    if given(item.get("id")):
        raise InvalidInput(
            "Actions cannot be changed once written; add a new one.",
            fields={"id": "actions are append-only"},
        )
    who = item.get("who_agentid")
    if given(who) and whole_number(who, "who_agentid") != actor.pk:
        raise Forbidden("Actions are written as the calling agent (who_agentid must be you).")
    ticket = ticket_get(actor=actor, ticket_id=whole_number(item.get("ticket_id"), "ticket_id"))
    taken = halo.hours_value(item.get("timetaken") or 0, "timetaken")
    nonbill = halo.hours_value(item.get("nonbilltime") or 0, "nonbilltime")
    seconds = int((taken * 3600).to_integral_value())
    is_billable: bool | None = None
    if nonbill and seconds:
        if nonbill < taken:
            raise InvalidInput(
                "nonbilltime must be 0 or equal to timetaken: log billable and non-billable "
                "time as separate actions.",
                fields={"nonbilltime": "partial split"},
            )
        is_billable = False
    note = str(item.get("note") or "").strip()
    if not note and seconds:
        note = "Time logged through the API"
    action = desk.action_create(
        ticket=ticket,
        actor=actor,
        body=note,
        new_status=status_from({"status_id": item.get("new_status")}),
        time_seconds=seconds,  # Halo states the time; the running timer is not consulted
        charge_type=named(charge_types_visible_to(actor), item.get("chargerate"), "chargerate"),
        is_billable=is_billable,
        client_visible=not halo.truthy(item["hiddenfromuser"])
        if "hiddenfromuser" in item
        else None,
    )
    return actions_visible_to(actor).select_related("agent", "time_entry").get(pk=action.pk)


# --- Timesheet and TimesheetEvent ------------------------------------------------------------


def agent_for(actor: User, value: Any) -> Agent:
    """The agent a parameter names (the caller when it names none), if the caller may see it."""
    agents = agents_visible_to(actor)
    if given(value):
        agent = agents.filter(user_id=whole_number(value, "agent_id")).first()
    else:
        agent = agents.filter(user=actor).first()
    if agent is None:
        raise NotFound("Agent not found.")
    return agent


def timesheet_command(request: halo.HaloRequest, item: dict[str, Any]) -> dict[str, Any]:
    """`_submitapproval`, `_approve` or `_reject` for the week holding `date`."""
    actor = request.user
    agent = agent_for(actor, item.get("agent_id"))
    when = halo.parse_datetime(item.get("date") or item.get("start_date") or "", "date")
    monday = dates.week_start(when.astimezone(dates.zone(agent.timezone)).date())
    if halo.truthy(item.get("_submitapproval")):
        halo.require_scope(request, "time")
        submission = sheets.submission_submit(
            agent=agent.user, week_start=monday, actor=actor, comment=str(item.get("note") or "")
        )
    elif halo.truthy(item.get("_approve")) or halo.truthy(item.get("_reject")):
        pending = (
            submissions_visible_to(actor)
            .filter(agent=agent.user, week_start=monday, state=SubmissionState.SUBMITTED)
            .first()
        )
        halo.require_scope(request, "approve")
        if pending is None:
            raise NotFound("No submitted timesheet for that week.")
        if halo.truthy(item.get("_approve")):
            submission = sheets.submission_approve(submission=pending, actor=actor)
        else:
            reason = str(item.get("reject_reason") or item.get("note") or "")
            submission = sheets.submission_reject(submission=pending, actor=actor, reason=reason)
    else:
        raise InvalidInput(
            "Say _submitapproval, _approve or _reject.", fields={"_submitapproval": "no command"}
        )
    return submission_record(agent, monday, submission)


def _event_agent(actor: User, value: Any) -> User:
    if not given(value) or whole_number(value, "agent_id") == actor.pk:
        return actor
    user = users_visible_to(actor).filter(pk=whole_number(value, "agent_id")).first()
    if user is None:
        raise InvalidInput("Unknown agent_id.", fields={"agent_id": "unknown"})
    return user  # the service refuses logging for someone else unless the actor is admin


def event_save(actor: User, item: dict[str, Any]) -> TimeEntry:
    """Create a time entry from a TimesheetEvent, or update the one `id` names."""
    ticket = None
    if given(item.get("ticket_id")):
        ticket = ticket_get(actor=actor, ticket_id=whole_number(item["ticket_id"], "ticket_id"))
    charge_type = named(charge_types_visible_to(actor), item.get("chargerate"), "chargerate")
    start = halo.parse_datetime(item.get("start_date") or "", "start_date")
    end = halo.parse_datetime(item["end_date"], "end_date") if item.get("end_date") else None
    duration = None
    if end is None:
        taken = halo.hours_value(item.get("timetaken") or 0, "timetaken")
        duration = int((taken * 60).to_integral_value()) or None
    billable = halo.truthy(item["chargeable"]) if "chargeable" in item else None
    if given(item.get("id")):
        entry = time_entry_get(actor=actor, entry_id=whole_number(item["id"], "id"))
        changes: dict[str, Any] = {"started_at": start, "note": str(item.get("note") or entry.note)}
        if end is not None:
            changes["ended_at"] = end
        elif duration is not None:
            changes["duration_minutes"] = duration
        if ticket is not None:
            changes["ticket"] = ticket
        if charge_type is not None:
            changes["charge_type"] = charge_type
        if billable is not None:
            changes["is_billable"] = billable
        return time_entry_update(entry=entry, actor=actor, changes=changes)
    return time_entry_create(
        agent=_event_agent(actor, item.get("agent_id")),
        actor=actor,
        started_at=start,
        ended_at=end,
        duration_minutes=duration,
        ticket=ticket,
        charge_type=charge_type,
        is_billable=billable,
        note=str(item.get("note") or ""),
        source="import",
    )
