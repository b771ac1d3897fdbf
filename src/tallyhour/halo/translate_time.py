"""Halo's Timesheet commands and TimesheetEvent bodies translated into our services."""

from typing import Any

from tallyhour.accounts.models import Agent, User
from tallyhour.accounts.selectors import agents_visible_to, users_visible_to
from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput, NotFound
from tallyhour.halo import conventions as halo
from tallyhour.halo.schemas import WORK_EVENT, submission_record
from tallyhour.halo.translate import given, named, one_of, whole_number
from tallyhour.servicedesk.selectors import ticket_get
from tallyhour.timesheets import services as sheets
from tallyhour.timesheets.models import SubmissionState
from tallyhour.timesheets.selectors import submissions_visible_to
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.selectors import charge_types_visible_to, time_entry_get
from tallyhour.timetracking.services import time_entry_create, time_entry_update


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


def agents_for(actor: User, value: Any) -> list[Agent]:
    """Halo's `agents` list (comma-separated ids) of agents the caller may see."""
    ids = [whole_number(part, "agents") for part in str(value).split(",") if part.strip()]
    if not ids or len(ids) > 100:
        raise InvalidInput("Name 1 to 100 agents.", fields={"agents": "count"})
    agents = list(agents_visible_to(actor).filter(user_id__in=ids).order_by("user_id"))
    missing = set(ids) - {a.user_id for a in agents}
    if missing:
        raise NotFound(f"Agent {min(missing)} not found.")
    return agents


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


def _event_note(item: dict[str, Any], current: str = "") -> str | None:
    """The entry's note from Halo's `subject` and `note`: the subject is its first line."""
    subject = str(item.get("subject") or "").strip()
    note = str(item["note"] or "").strip() if "note" in item else None
    if not subject:
        return note
    body = current.partition("\n\n")[2] if note is None else note
    return f"{subject}\n\n{body}" if body and body != subject else subject


def _check_event_type(item: dict[str, Any]) -> None:
    """Every time entry is work (Halo's event type 0); other event types — holidays, breaks,
    appointments — are not time entries here, so they are refused rather than stored as work."""
    kind = item.get("event_type")
    if kind not in (None, "") and str(kind).strip() != str(WORK_EVENT):
        raise InvalidInput(
            f"event_type {kind!r} is not supported: only work (0) becomes a time entry; "
            "record leave as leave.",
            fields={"event_type": "unsupported"},
        )
    if given(item.get("break_type")):
        raise InvalidInput(
            "Breaks are not time entries: leave them out of the timesheet.",
            fields={"break_type": "unsupported"},
        )


def event_save(actor: User, item: dict[str, Any]) -> TimeEntry:
    """Create a time entry from a TimesheetEvent, or update the one `id` names."""
    _check_event_type(item)
    ticket = None
    if given(item.get("ticket_id")):
        ticket = ticket_get(actor=actor, ticket_id=whole_number(item["ticket_id"], "ticket_id"))
    charge = one_of(item, "charge_rate", "chargerate")
    charge_type = named(charge_types_visible_to(actor), charge[1], charge[0]) if charge else None
    start = halo.parse_datetime(item.get("start_date") or "", "start_date")
    end = halo.parse_datetime(item["end_date"], "end_date") if item.get("end_date") else None
    duration = None
    if end is None:
        taken = halo.hours_value(item.get("timetaken") or 0, "timetaken")
        duration = int((taken * 60).to_integral_value()) or None
    billable = halo.truthy(item["chargeable"]) if "chargeable" in item else None
    if given(item.get("id")):
        entry = time_entry_get(actor=actor, entry_id=whole_number(item["id"], "id"))
        changes: dict[str, Any] = {"started_at": start}
        if (note := _event_note(item, entry.note)) is not None:
            changes["note"] = note
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
        note=_event_note(item) or "",
        source="import",
    )
