"""Halo's request bodies translated into calls of our selectors and services: tickets, actions.

Every lookup goes through the owning app's `*_visible_to(actor)` selector; every write goes
through a service, which checks permission, state and locks as it does for the native API.
Halo's integrations state their time, so nothing here consults an agent's timers.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet

from tallyhour.accounts.models import Team, User
from tallyhour.accounts.selectors import teams_visible_to, users_visible_to
from tallyhour.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tallyhour.crm.models import Client
from tallyhour.crm.selectors import clients_visible_to, contacts_visible_to, sites_visible_to
from tallyhour.halo import conventions as halo
from tallyhour.halo import text
from tallyhour.halo.statuses import outcome_for_id, status_for_halo_id
from tallyhour.servicedesk import services as desk
from tallyhour.servicedesk.models import Action, Ticket, TicketPriority, TicketStatus
from tallyhour.servicedesk.selectors import (
    actions_visible_to,
    ticket_get,
    ticket_types_visible_to,
)
from tallyhour.timetracking.selectors import charge_types_visible_to
from tallyhour.timetracking.services import time_entry_update

M = TypeVar("M", bound=Model)
R = TypeVar("R")


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
    return value not in (None, "", 0, "0")


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
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    # Ids beyond 64 bits name nothing (and must not reach the database).
    obj = items.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if obj is None:
        raise InvalidInput(f"Unknown {field} {value!r}.", fields={field: "unknown"})
    return obj


def one_of(item: dict[str, Any], *names: str) -> tuple[str, Any] | None:
    """The first of several Halo spellings of one field that the body sends, refusing two
    spellings that disagree (a script that sends both means one of them)."""
    sent = [(name, item[name]) for name in names if name in item]
    if not sent:
        return None
    first = sent[0]
    for name, value in sent[1:]:
        if str(value) != str(first[1]):
            raise InvalidInput(
                f"{first[0]} and {name} disagree; send one of them.", fields={name: "conflict"}
            )
    return first


def save_all(items: list[dict[str, Any]], save: Callable[[dict[str, Any]], R]) -> list[R]:
    """A Halo POST is all-or-nothing: the first record that fails undoes the others, and the
    error names its index in the array (and its field)."""
    results: list[R] = []
    with transaction.atomic():
        for index, item in enumerate(items):
            try:
                results.append(save(item))
            except DomainError as exc:
                raise exc.at_index(index) from exc
            except ValidationError as exc:
                fields = getattr(exc, "message_dict", {"__all__": exc.messages})
                raise InvalidInput("Invalid value.", fields=fields).at_index(index) from exc
    return results


def one_or_many(records: list[dict[str, Any]]) -> Any:
    # Halo answers a one-record POST with the record itself.
    return records[0] if len(records) == 1 else records


def status_from(value: Any, field: str = "status_id") -> str | None:
    """Our status for a Halo status id, built in or custom (None when none is sent)."""
    if value in (None, ""):
        return None
    return status_for_halo_id(whole_number(value, field), field)


def priority_from(value: Any) -> int:
    try:
        return TicketPriority(int(value)).value
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"Unknown priority_id {value!r}: use 1–4.", fields={"priority_id": "unknown"}
        ) from exc


def team_named(actor: User, value: Any) -> Team | None:
    """A team by id or by name, as Halo's `team` field carries either."""
    if not given(value):
        return None
    teams = teams_visible_to(actor)
    text_value = str(value).strip()
    is_id = text_value.isascii() and text_value.isdigit() and len(text_value) <= 18
    team = teams.filter(pk=int(text_value)).first() if is_id else None
    team = team or teams.filter(name__iexact=text_value).first()
    if team is None:
        raise InvalidInput(f"Unknown team {value!r}.", fields={"team": "unknown"})
    return team


def custom_fields_from(value: Any, current: dict[str, Any]) -> dict[str, Any]:
    """Halo's `customfields` — [{"id"|"name", "value"}] — merged into what the ticket holds
    (the service checks names and values, as it does on every path)."""
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        raise InvalidInput(
            "customfields must be a list of objects with a name (or id) and a value.",
            fields={"customfields": "not a list"},
        )
    merged = dict(current)
    for field in value:
        merged[str(field.get("name") or field.get("id") or "").strip()] = field.get("value")
    return merged


# --- Tickets ---------------------------------------------------------------------------------


def _ticket_changes(actor: User, item: dict[str, Any]) -> dict[str, Any]:
    """The model changes a Halo ticket body asks for, by Halo's field names."""
    changes: dict[str, Any] = {}
    if "summary" in item:
        changes["summary"] = str(item["summary"] or "")
    if details := one_of(item, "details", "details_html"):
        name, value = details
        changes["details"] = text.from_html(value) if name == "details_html" else str(value or "")
    if (status := status_from(item.get("status_id"))) is not None:
        changes["status"] = status
    if "agent_id" in item:
        changes["assignee"] = named(users_visible_to(actor), item["agent_id"], "agent_id")
    if "team" in item or "team_id" in item:
        changes["team"] = team_named(actor, item.get("team_id") or item.get("team"))
    if charge := one_of(item, "chargerate", "charge_rate"):
        changes["charge_type"] = named(charge_types_visible_to(actor), charge[1], charge[0])
    if kind := one_of(item, "tickettype_id", "requesttype_id"):
        changes["ticket_type"] = named(ticket_types_visible_to(actor), kind[1], kind[0])
    if given(item.get("priority_id")):
        changes["priority"] = priority_from(item["priority_id"])
    if given(item.get("dateoccurred")):
        changes["occurred_at"] = halo.parse_datetime(item["dateoccurred"], "dateoccurred")
    if "site_id" in item:
        changes["site"] = named(sites_visible_to(actor), item["site_id"], "site_id")
    if "user_id" in item:
        changes["contact"] = named(contacts_visible_to(actor), item["user_id"], "user_id")
    return changes


def _client_of(actor: User, item: dict[str, Any], changes: dict[str, Any]) -> Client:
    """The new ticket's client: named, or through its site or end user (Halo lets an RMM
    raise a ticket for a site or a user without naming the client)."""
    client = named(clients_visible_to(actor), item.get("client_id"), "client_id")
    for part, field in (("site", "site_id"), ("contact", "user_id")):
        owner = changes[part].client if changes.get(part) is not None else None
        if owner is not None and client is not None and owner.pk != client.pk:
            raise InvalidInput(
                f"{field} belongs to another client than client_id.", fields={field: "client"}
            )
        client = client or owner
    if client is None:
        raise InvalidInput(
            "Name the ticket's client_id, site_id or user_id.", fields={"client_id": "required"}
        )
    return client


def ticket_save(actor: User, item: dict[str, Any]) -> Ticket:
    """Create a ticket, or update the one `id` names."""
    changes = _ticket_changes(actor, item)
    if given(item.get("id")):
        ticket = ticket_get(actor=actor, ticket_id=whole_number(item["id"], "id"))
        if "customfields" in item:
            changes["custom_fields"] = custom_fields_from(
                item["customfields"], ticket.custom_fields
            )
        # An integration's status change logs no timer time: no entry without time sent.
        return desk.ticket_update(ticket=ticket, actor=actor, changes=changes, capture=False)
    client = _client_of(actor, item, changes)
    if not changes.get("summary", "").strip():
        raise InvalidInput("summary is required for a new ticket.", fields={"summary": "required"})
    return desk.ticket_create(
        client=client,
        summary=changes["summary"],
        actor=actor,
        details=changes.get("details", ""),
        status=changes.get("status", TicketStatus.NEW),
        assignee=changes.get("assignee"),
        team=changes.get("team"),
        charge_type=changes.get("charge_type"),
        ticket_type=changes.get("ticket_type"),
        site=changes.get("site"),
        contact=changes.get("contact"),
        priority=changes.get("priority", TicketPriority.MEDIUM),
        occurred_at=changes.get("occurred_at"),
        custom_fields=custom_fields_from(item.get("customfields") or [], {}),
    )


# --- Actions ---------------------------------------------------------------------------------


def _seconds(hours: Any, field: str) -> int:
    return int((halo.hours_value(hours or 0, field) * 3600).to_integral_value())


def _when(item: dict[str, Any], field: str) -> dt.datetime | None:
    return halo.parse_datetime(item[field], field) if given(item.get(field)) else None


def action_span(item: dict[str, Any]) -> tuple[tuple[dt.datetime, dt.datetime] | None, int]:
    """When the action's work happened, and its seconds, as Halo states them.

    Arrival and completion are the span (`timetaken`, if sent, must agree); with one of them,
    `timetaken` runs from arrival or up to completion; with neither, it ends at the action's
    `datetime` — or now, where the span is left to the service.
    """
    seconds = _seconds(item.get("timetaken"), "timetaken")
    arrival = _when(item, "actionarrivaldate")
    completion = _when(item, "actioncompletiondate")
    if arrival and completion:
        if completion <= arrival:
            raise InvalidInput(
                "actioncompletiondate must be after actionarrivaldate.",
                fields={"actioncompletiondate": "before arrival"},
            )
        span_seconds = int((completion - arrival).total_seconds())
        if seconds and abs(span_seconds - seconds) > 60:
            raise InvalidInput(
                "timetaken disagrees with actionarrivaldate and actioncompletiondate.",
                fields={"timetaken": "disagrees with the dates"},
            )
        return (arrival, completion), span_seconds
    if not seconds:
        return None, 0
    length = dt.timedelta(seconds=seconds)
    if arrival:
        return (arrival, arrival + length), seconds
    end = completion or _when(item, "datetime")
    return ((end - length, end) if end else None), seconds


def _nonbillable(item: dict[str, Any], seconds: int) -> tuple[bool | None, int]:
    """(is_billable, stated non-billable seconds) from `nonbilltime`: all of it makes the
    entry non-billable; part of it stays billable with that part written off."""
    nonbill = _seconds(item.get("nonbilltime"), "nonbilltime")
    if not nonbill or not seconds:
        return None, 0
    if nonbill > seconds:
        raise InvalidInput(
            "nonbilltime cannot exceed timetaken.", fields={"nonbilltime": "out of range"}
        )
    return (False, 0) if nonbill == seconds else (None, nonbill)


def _kind_and_outcome(item: dict[str, Any]) -> tuple[str | None, str | None]:
    kind = None
    if given(item.get("outcome_id")):
        _, kind = outcome_for_id(whole_number(item["outcome_id"], "outcome_id"))
    outcome = str(item["outcome"]).strip()[:100] if "outcome" in item else None
    return kind, outcome


def _note(item: dict[str, Any]) -> str | None:
    sent = one_of(item, "note", "note_html")
    if sent is None:
        return None
    name, value = sent
    return text.from_html(value) if name == "note_html" else str(value or "").strip()


def action_save(actor: User, item: dict[str, Any]) -> Action:
    """Add an action with its time as Halo states it, or edit the one `id` names."""
    who = item.get("who_agentid")
    if given(who) and whole_number(who, "who_agentid") != actor.pk:
        raise Forbidden("Actions are written as the calling agent (who_agentid must be you).")
    if given(item.get("id")):
        return _action_edit(actor, item)
    ticket = ticket_get(actor=actor, ticket_id=whole_number(item.get("ticket_id"), "ticket_id"))
    span, seconds = action_span(item)
    is_billable, nonbillable = _nonbillable(item, seconds)
    kind, outcome = _kind_and_outcome(item)
    note = _note(item) or ""
    if not note and seconds:
        note = "Time logged through the API"
    charge = one_of(item, "chargerate", "charge_rate")
    action = desk.action_create(
        ticket=ticket,
        actor=actor,
        kind=kind or "note",
        body=note,
        new_status=status_from(item.get("new_status"), "new_status"),
        time_seconds=seconds,
        charge_type=named(charge_types_visible_to(actor), charge[1], charge[0]) if charge else None,
        is_billable=is_billable,
        nonbillable_seconds=nonbillable,
        client_visible=not halo.truthy(item["hiddenfromuser"])
        if "hiddenfromuser" in item
        else None,
        span=span,
        capture=False,
        outcome=outcome or "",
        # The action is dated when sent, else when its work ended (where the UI dates it).
        dated=_when(item, "datetime") or (span[1] if span else None),
    )
    return actions_visible_to(actor).select_related("agent", "time_entry").get(pk=action.pk)


def _action_edit(actor: User, item: dict[str, Any]) -> Action:
    """Halo edits an action by `id`: its text here, its time through its time entry."""
    visible = actions_visible_to(actor).select_related("agent", "time_entry", "ticket")
    action = found(visible, whole_number(item["id"], "id"), "Action")
    changes: dict[str, Any] = {}
    if (note := _note(item)) is not None:
        changes["body"] = note
    kind, outcome = _kind_and_outcome(item)
    if outcome is not None:
        changes["outcome"] = outcome
    if "hiddenfromuser" in item:
        changes["client_visible"] = not halo.truthy(item["hiddenfromuser"])
    if kind is not None and kind != action.kind:
        raise InvalidInput(
            "An action's kind cannot change; add a new action.", fields={"outcome_id": "fixed"}
        )
    if changes:
        desk.action_update(action=action, actor=actor, changes=changes)
    timed = {"timetaken", "actionarrivaldate", "actioncompletiondate", "nonbilltime"} & set(item)
    if timed:
        if action.time_entry is None:
            raise InvalidInput(
                "This action has no time to change; add a timed action instead.",
                fields={sorted(timed)[0]: "no time entry"},
            )
        entry_changes: dict[str, Any] = {}
        span, seconds = action_span(item)
        if span is not None:
            entry_changes.update(started_at=span[0], ended_at=span[1])
        elif seconds:
            end = action.time_entry.ended_at
            entry_changes.update(started_at=end - dt.timedelta(seconds=seconds), ended_at=end)
        if "nonbilltime" in item:
            is_billable, nonbillable = _nonbillable(
                item, seconds or action.time_entry.worked_seconds
            )
            if nonbillable:
                raise InvalidInput(
                    "Part of an action's time can be made non-billable when it is logged; "
                    "afterwards an approver writes it off.",
                    fields={"nonbilltime": "partial on edit"},
                )
            entry_changes["is_billable"] = is_billable is not False
        if entry_changes:
            time_entry_update(entry=action.time_entry, actor=actor, changes=entry_changes)
    return visible.get(pk=action.pk)
