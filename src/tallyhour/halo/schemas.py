"""Halo's JSON shapes for our records: lower-case Halo field names, decimal hours, UTC ISO
dates. One function per record; each reads only what its selector loaded."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum

from tallyhour.accounts.calendars import CalendarDay
from tallyhour.accounts.models import Agent
from tallyhour.billing.models import Invoice, InvoiceState
from tallyhour.core import dates
from tallyhour.halo import conventions as halo
from tallyhour.halo import statuses, text
from tallyhour.servicedesk.models import Action, ActionKind, Ticket, TicketStatus
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import TimeEntry

# The outcome id each of our action kinds reads back with (see `statuses.OUTCOMES`).
OUTCOME_IDS = {kind: outcome_id for outcome_id, _, kind in statuses.OUTCOMES}

# Halo's TimesheetEvent type for work; every time entry is one.
WORK_EVENT = 0

# Halo's invoice payment status codes.
UNPAID, PARTLY_PAID, PAID = 0, 1, 2


def ticket_record(ticket: Ticket) -> dict[str, Any]:
    """A ticket by Halo's names. `timetaken` is the hours logged on it: lists annotate
    `halo_worked_seconds`, a single record counts them."""
    worked = getattr(ticket, "halo_worked_seconds", None)
    if worked is None:
        worked = ticket.time_entries.aggregate(total=Sum("worked_seconds"))["total"]
    status = TicketStatus(ticket.status)
    return {
        "id": ticket.pk,
        "summary": ticket.summary,
        "details": ticket.details,
        "details_html": text.to_html(ticket.details),
        "client_id": ticket.client_id,
        "client_name": ticket.client.name,
        "site_id": ticket.site_id,
        "site_name": ticket.site.name if ticket.site else None,
        "user_id": ticket.contact_id,
        "user_name": ticket.contact.name if ticket.contact else None,
        "status_id": statuses.halo_status_id(status),
        "status": status.label,
        "status_name": statuses.halo_status_name(status),
        "agent_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "team": ticket.team.name if ticket.team else None,
        "tickettype_id": ticket.ticket_type_id,
        "tickettype_name": ticket.ticket_type.name if ticket.ticket_type else None,
        "priority_id": ticket.priority,
        "chargerate": ticket.charge_type_id,
        "contract_id": ticket.contract_id,
        "project_id": ticket.project_id,
        "timetaken": halo.hours(worked),
        "customfields": [
            {"id": int(key) if key.isdigit() else None, "name": key, "value": value}
            for key, value in ticket.custom_fields.items()
        ],
        "dateoccurred": halo.iso(ticket.occurred_at or ticket.created_at),
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
        "note_html": text.to_html(action.body),
        "outcome": action.outcome or action.get_kind_display(),
        "outcome_id": OUTCOME_IDS[ActionKind(action.kind)],
        "hiddenfromuser": not action.client_visible,
        "new_status": statuses.halo_status_id(action.new_status) if action.new_status else None,
        "timetaken": halo.hours(worked),
        "nonbilltime": halo.hours(worked - billable),
        "chargerate": entry.charge_type_id if entry else None,
        "actionarrivaldate": halo.iso(entry.started_at) if entry else None,
        "actioncompletiondate": halo.iso(entry.ended_at) if entry else None,
        "datetime": halo.iso(action.created_at),
        "actiondatecreated": halo.iso(action.created_at),
    }


def event_record(entry: TimeEntry) -> dict[str, Any]:
    """A time entry as a TimesheetEvent; `subject` is the first line of its note."""
    return {
        "id": entry.pk,
        "event_type": WORK_EVENT,
        "agent_id": entry.agent_id,
        "ticket_id": entry.ticket_id,
        "start_date": halo.iso(entry.started_at),
        "end_date": halo.iso(entry.ended_at),
        "timetaken": halo.hours(entry.worked_seconds),
        "chargeable": entry.is_billable,
        "charge_rate": entry.charge_type_id,
        "chargerate": entry.charge_type_id,
        "charge_type_name": entry.charge_type.name,
        "subject": entry.note.partition("\n")[0],
        "note": entry.note,
        "state": entry.state,
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


def _payment_status(invoice: Invoice) -> int:
    if invoice.state == InvoiceState.PAID:
        return PAID
    return PARTLY_PAID if invoice.amount_paid > 0 else UNPAID


def invoice_record(invoice: Invoice, with_lines: bool) -> dict[str, Any]:
    """An invoice by Halo's names, money as JSON numbers (2 places, the currency's minor unit
    for every currency we bill in but a few; `currency` says which)."""
    due = invoice.balance_due
    record: dict[str, Any] = {
        "id": invoice.pk,
        "invoicenumber": invoice.number,
        "client_id": invoice.client_id,
        "client_name": invoice.buyer_name or invoice.client.name,
        "status": invoice.state,
        "invoice_date": halo.iso(invoice.issue_date),
        "due_date": halo.iso(invoice.due_date),
        "duedate": halo.iso(invoice.due_date),
        "currency": invoice.currency,
        "total_net": float(invoice.subtotal),
        "total_tax": float(invoice.tax_amount),
        "tax_total": float(invoice.tax_amount),
        "total": float(invoice.total),
        "amountpaid": float(invoice.amount_paid),
        "amountdue": float(due),
        "paymentstatus": _payment_status(invoice),
        "posted": bool(invoice.number),
        "credit_note_of": invoice.credits_id,
    }
    if with_lines:
        record["lines"] = [
            {
                "id": line.pk,
                "description": line.description,
                "qty_order": float(line.quantity),
                "unit_price": float(line.rate),
                "net_amount": float(line.amount),
                "ticket_id": line.ticket_id,
                "chargerate": line.charge_type_id,
            }
            for line in invoice.lines.all()
        ]
    return record
