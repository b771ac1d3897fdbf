"""Halo's JSON shapes for our records: lower-case Halo field names, decimal hours, UTC ISO
dates. One function per record; each reads only what its selector loaded."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from tallyhour.accounts.calendars import CalendarDay
from tallyhour.accounts.models import Agent
from tallyhour.billing.models import Invoice
from tallyhour.core import dates
from tallyhour.core.money import plain
from tallyhour.halo import conventions as halo
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import TimeEntry

# Halo's default status ids for the statuses we have.
STATUS_IDS = {
    TicketStatus.NEW: 1,
    TicketStatus.IN_PROGRESS: 2,
    TicketStatus.ON_HOLD: 4,
    TicketStatus.RESOLVED: 8,
    TicketStatus.CLOSED: 9,
}
STATUS_BY_ID = {v: k for k, v in STATUS_IDS.items()}


def ticket_record(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "summary": ticket.summary,
        "details": ticket.details,
        "client_id": ticket.client_id,
        "client_name": ticket.client.name,
        "status_id": STATUS_IDS[TicketStatus(ticket.status)],
        "status": ticket.get_status_display(),
        "agent_id": ticket.assignee_id,
        "tickettype_id": ticket.ticket_type_id,
        "chargerate": ticket.charge_type_id,
        "contract_id": ticket.contract_id,
        "dateoccurred": halo.iso(ticket.created_at),
        "datecreated": halo.iso(ticket.created_at),
        "lastactiondate": halo.iso(ticket.updated_at),
    }


def action_record(action: Action) -> dict[str, Any]:
    entry = action.time_entry
    worked = entry.worked_seconds if entry else 0
    billable = entry.billable_seconds if entry else 0
    return {
        "id": action.pk,
        "ticket_id": action.ticket_id,
        "who_agentid": action.agent_id,
        "who": action.agent.display_name,
        "note": action.body,
        "outcome": action.get_kind_display(),
        "hiddenfromuser": not action.client_visible,
        "new_status": STATUS_IDS.get(TicketStatus(action.new_status))
        if action.new_status
        else None,
        "timetaken": halo.hours(worked),
        "nonbilltime": halo.hours(worked - billable),
        "chargerate": entry.charge_type_id if entry else None,
        "datetime": halo.iso(action.created_at),
        "actiondatecreated": halo.iso(action.created_at),
    }


def event_record(entry: TimeEntry) -> dict[str, Any]:
    """A time entry as a TimesheetEvent."""
    return {
        "id": entry.pk,
        "agent_id": entry.agent_id,
        "ticket_id": entry.ticket_id,
        "start_date": halo.iso(entry.started_at),
        "end_date": halo.iso(entry.ended_at),
        "timetaken": halo.hours(entry.worked_seconds),
        "chargeable": entry.is_billable,
        "chargerate": entry.charge_type_id,
        "charge_type_name": entry.charge_type.name,
        "note": entry.note,
        "state": entry.state,
        "event_type": 0 if entry.ticket_id else 1,  # 0 ticket work, 1 activity
    }


def timesheet_day_record(
    agent: Agent, day: CalendarDay, entries: list[TimeEntry], tz: ZoneInfo
) -> dict[str, Any]:
    """One local day of an agent's Timesheet: target, actual, chargeable, unlogged hours."""
    actual = sum(e.worked_seconds for e in entries)
    chargeable = sum(e.worked_seconds for e in entries if e.is_billable)
    return {
        "agent_id": agent.user_id,
        "date": day.day.isoformat(),
        "start_date": halo.iso(dates.local_midnight(day.day, tz)),
        "end_date": halo.iso(dates.local_midnight(day.day + dt.timedelta(days=1), tz)),
        "target_hours": halo.hours(day.target_seconds),
        "actual_hours": halo.hours(actual),
        "chargeable_hours": halo.hours(chargeable),
        "unlogged_hours": halo.hours(max(0, day.target_seconds - actual)),
        "events": [event_record(e) for e in entries],
    }


def submission_record(agent: Agent, monday: dt.date, submission: Submission) -> dict[str, Any]:
    """The answer to a Timesheet command (submit, approve, reject)."""
    return {
        "agent_id": agent.user_id,
        "week_start": monday.isoformat(),
        "id": submission.pk,
        "status": submission.state,
    }


def invoice_record(invoice: Invoice, with_lines: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": invoice.pk,
        "invoicenumber": invoice.number,
        "client_id": invoice.client_id,
        "client_name": invoice.buyer_name or invoice.client.name,
        "status": invoice.state,
        "invoice_date": halo.iso(invoice.issue_date),
        "due_date": halo.iso(invoice.due_date),
        "currency": invoice.currency,
        "total_net": str(invoice.subtotal),
        "total_tax": str(invoice.tax_amount),
        "total": str(invoice.total),
    }
    if with_lines:
        record["lines"] = [
            {
                "id": line.pk,
                "description": line.description,
                "qty_order": str(plain(line.quantity)),
                "unit_price": str(plain(line.rate)),
                "net_amount": str(line.amount),
                "ticket_id": line.ticket_id,
                "chargerate": line.charge_type_id,
            }
            for line in invoice.lines.all()
        ]
    return record
