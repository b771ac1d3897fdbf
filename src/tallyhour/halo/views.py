"""HaloPSA-compatible endpoints: thin adapters over the same selectors and services.

Records are shaped as Halo scripts expect (snake-ish lower-case names, decimal hours, UTC ISO
dates); rules, permissions and locks are the native ones.
"""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tallyhour.accounts.calendars import calendars_by_agent
from tallyhour.accounts.models import Agent, User
from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.billing.models import Invoice
from tallyhour.billing.selectors import invoices_visible_to
from tallyhour.contracts.models import Contract
from tallyhour.core import dates
from tallyhour.core.errors import Forbidden, InvalidInput, NotFound
from tallyhour.crm.models import Client
from tallyhour.halo import conventions as halo
from tallyhour.halo.services import OAuthError, halo_token_issue
from tallyhour.servicedesk import services as desk
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus
from tallyhour.servicedesk.selectors import ticket_get, tickets_visible_to
from tallyhour.timesheets import services as sheets
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timetracking.models import ChargeType, TimeEntry
from tallyhour.timetracking.selectors import time_entries_visible_to, time_entry_get
from tallyhour.timetracking.services import time_entry_create, time_entry_delete, time_entry_update

# Halo's default status ids for the statuses we have.
STATUS_IDS = {
    TicketStatus.NEW: 1,
    TicketStatus.IN_PROGRESS: 2,
    TicketStatus.ON_HOLD: 4,
    TicketStatus.RESOLVED: 8,
    TicketStatus.CLOSED: 9,
}
STATUS_BY_ID = {v: k for k, v in STATUS_IDS.items()}
CHARGE_TYPE_LOOKUP = 17


# --- auth ------------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["POST"])
def token(request: HttpRequest) -> JsonResponse:
    """OAuth2 client credentials, form-encoded as Halo clients send it."""
    try:
        return JsonResponse(
            halo_token_issue(
                grant_type=request.POST.get("grant_type", ""),
                client_id=request.POST.get("client_id", ""),
                client_secret=request.POST.get("client_secret", ""),
            )
        )
    except OAuthError as exc:
        return halo.oauth_error(exc.error, exc.description, exc.status)


# --- records ---------------------------------------------------------------------------------


def agent_record(agent: Agent) -> dict[str, Any]:
    user = agent.user
    return {
        "id": user.pk,
        "name": user.display_name,
        "email": user.email,
        "isdisabled": not user.is_active,
        "role": user.role,
        "timezone": agent.timezone,
        "team": ", ".join(t.name for t in agent.teams.all()),
    }


def client_record(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk,
        "name": client.name,
        "inactive": not client.is_active,
        "currency": client.currency,
        "taxrate": float(client.tax_rate),
    }


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
                "qty_order": str(line.quantity),
                "unit_price": str(line.rate),
                "net_amount": str(line.amount),
                "ticket_id": line.ticket_id,
                "chargerate": line.charge_type_id,
            }
            for line in invoice.lines.all()
        ]
    return record


def _get_or_404(items: Any, pk: int, what: str) -> Any:
    obj = items.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{what} {pk} not found.")
    return obj


def _fk(model: Any, value: Any, field: str) -> Any:
    if value in (None, "", 0):
        return None
    try:
        obj = model.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise InvalidInput(f"Unknown {field} {value!r}.", fields={field: "unknown"})
    return obj


def _one_or_many(records: list[dict[str, Any]]) -> Any:
    # Halo answers a one-record POST with the record itself.
    return records[0] if len(records) == 1 else records


# --- Agent, Client, Lookup, ClientContract ---------------------------------------------------


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def agents(request: halo.HaloRequest, pk: int | None = None) -> Any:
    visible = agents_visible_to(request.user).prefetch_related("teams").order_by("user_id")
    if pk is not None:
        return agent_record(_get_or_404(visible, pk, "Agent"))
    if not halo.flag(request, "includedisabled"):
        visible = visible.filter(user__is_active=True)
    return halo.paged(request, visible, "agents", agent_record)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def agent_me(request: halo.HaloRequest) -> Any:
    agent = Agent.objects.prefetch_related("teams").filter(user=request.user).first()
    if agent is None:
        return {
            "id": request.user.pk,
            "name": request.user.display_name,
            "email": request.user.email,
        }
    return agent_record(agent)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def clients(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = Client.objects.order_by("name")
    if pk is not None:
        return client_record(_get_or_404(items, pk, "Client"))
    if search := request.GET.get("search"):
        items = items.filter(name__icontains=search)
    if not halo.flag(request, "includeinactive"):
        items = items.filter(is_active=True)
    return halo.paged(request, items, "clients", client_record)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def lookup(request: halo.HaloRequest) -> Any:
    if halo.int_param(request, "lookupid") != CHARGE_TYPE_LOOKUP:
        return []  # only charge types (lookup 17) are kept here
    return [
        {
            "id": ct.pk,
            "name": ct.name,
            "value": float(ct.hourly_rate),
            "chargeable": ct.is_billable,
            "inactive": not ct.is_active,
        }
        for ct in ChargeType.objects.order_by("name")
    ]


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def client_contracts(request: halo.HaloRequest, pk: int | None = None) -> Any:
    if not request.user.is_billing_role:
        raise Forbidden("Contracts are for billing and admin users.")
    items = Contract.objects.select_related("client").order_by("client__name", "-starts_on")
    if (client_id := halo.int_param(request, "client_id")) is not None:
        items = items.filter(client_id=client_id)

    def record(c: Contract) -> dict[str, Any]:
        return {
            "id": c.pk,
            "client_id": c.client_id,
            "client_name": c.client.name,
            "ref": c.name,
            "type": c.kind,
            "start_date": halo.iso(c.starts_on),
            "end_date": halo.iso(c.ends_on),
            "isdefault": c.is_default,
        }

    if pk is not None:
        return record(_get_or_404(items, pk, "Contract"))
    return halo.paged(request, items, "contracts", record)


# --- Tickets and Actions ---------------------------------------------------------------------


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET", "POST", "DELETE"])
def tickets(request: halo.HaloRequest, pk: int | None = None) -> Any:
    actor = request.user
    if request.method == "DELETE":
        raise Forbidden("Tickets are closed, not deleted, so their time stays accountable.")
    if request.method == "POST":
        return _one_or_many([_save_ticket(actor, item) for item in halo.array_body(request)])
    visible = tickets_visible_to(actor).select_related("client").order_by("-id")
    if pk is not None:
        return ticket_record(_get_or_404(visible, pk, "Ticket"))
    if (client_id := halo.int_param(request, "client_id")) is not None:
        visible = visible.filter(client_id=client_id)
    if (agent_id := halo.int_param(request, "agent_id")) is not None:
        visible = visible.filter(assignee_id=agent_id)
    if (status_id := halo.int_param(request, "status_id")) is not None:
        visible = visible.filter(status=STATUS_BY_ID.get(status_id, "-"))
    if halo.flag(request, "open_only"):
        visible = visible.exclude(status=TicketStatus.CLOSED)
    if search := request.GET.get("search"):
        visible = visible.filter(summary__icontains=search)
    return halo.paged(request, visible, "tickets", ticket_record)


def _status_from(item: dict[str, Any]) -> str | None:
    if item.get("status_id") in (None, ""):
        return None
    try:
        return STATUS_BY_ID[int(item["status_id"])]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("Unknown status_id.", fields={"status_id": "unknown"}) from exc


def _save_ticket(actor: User, item: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "summary" in item:
        changes["summary"] = str(item["summary"])
    if "details" in item:
        changes["details"] = str(item["details"] or "")
    if (status := _status_from(item)) is not None:
        changes["status"] = status
    if "agent_id" in item:
        changes["assignee"] = _fk(User, item["agent_id"], "agent_id")
    if "chargerate" in item:
        changes["charge_type"] = _fk(ChargeType, item["chargerate"], "chargerate")
    if item.get("id") not in (None, "", 0):
        ticket = ticket_get(actor=actor, ticket_id=_int(item["id"], "id"))
        return ticket_record(desk.ticket_update(ticket=ticket, actor=actor, changes=changes))
    client = _fk(Client, item.get("client_id"), "client_id")
    if client is None:
        raise InvalidInput(
            "client_id is required for a new ticket.", fields={"client_id": "required"}
        )
    if not changes.get("summary"):
        raise InvalidInput("summary is required for a new ticket.", fields={"summary": "required"})
    ticket = desk.ticket_create(
        client=client,
        summary=changes["summary"],
        actor=actor,
        details=changes.get("details", ""),
        status=changes.get("status", TicketStatus.NEW),
        assignee=changes.get("assignee"),
        charge_type=changes.get("charge_type"),
    )
    return ticket_record(ticket)


def _int(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{field} must be a whole number.", fields={field: "not a number"}
        ) from exc
    if not 0 < number < 2**63:
        raise InvalidInput(f"{field} is out of range.", fields={field: "out of range"})
    return number


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET", "POST"])
def actions(request: halo.HaloRequest, pk: int | None = None) -> Any:
    actor = request.user
    if request.method == "POST":
        return _one_or_many([_create_action(actor, item) for item in halo.array_body(request)])
    visible = (
        Action.objects.filter(ticket__in=tickets_visible_to(actor))
        .select_related("agent", "time_entry", "ticket")
        .order_by("-created_at", "-id")
    )
    if pk is not None:
        return action_record(_get_or_404(visible, pk, "Action"))
    if (ticket_id := halo.int_param(request, "ticket_id")) is not None:
        visible = visible.filter(ticket_id=ticket_id)
    if start := halo.date_param(request, "startdate"):
        visible = visible.filter(created_at__gte=start)
    if end := halo.date_param(request, "enddate"):
        visible = visible.filter(created_at__lt=end)
    if halo.flag(request, "agentonly"):
        visible = visible.filter(agent=actor)
    return halo.paged(request, visible, "actions", action_record)


def _create_action(actor: User, item: dict[str, Any]) -> dict[str, Any]:
    if item.get("id") not in (None, "", 0):
        raise InvalidInput(
            "Actions cannot be changed once written; add a new one.",
            fields={"id": "actions are append-only"},
        )
    who = item.get("who_agentid")
    if who not in (None, "", 0) and _int(who, "who_agentid") != actor.pk:
        raise Forbidden("Actions are written as the calling agent (who_agentid must be you).")
    ticket = ticket_get(actor=actor, ticket_id=_int(item.get("ticket_id"), "ticket_id"))
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
        new_status=_status_from({"status_id": item.get("new_status")}),
        time_seconds=seconds,  # Halo states the time; the running timer is not consulted
        charge_type=_fk(ChargeType, item.get("chargerate"), "chargerate"),
        is_billable=is_billable,
        client_visible=not halo.truthy(item["hiddenfromuser"])
        if "hiddenfromuser" in item
        else None,
    )
    action = Action.objects.select_related("agent", "time_entry").get(pk=action.pk)
    return action_record(action)


# --- Timesheet and TimesheetEvent ------------------------------------------------------------


def _agent_for(request: halo.HaloRequest, value: Any) -> Agent:
    if value in (None, "", 0):
        agent = Agent.objects.filter(user=request.user).first()
    else:
        agent = agents_visible_to(request.user).filter(user_id=_int(value, "agent_id")).first()
    if agent is None:
        raise NotFound("Agent not found.")
    return agent


@csrf_exempt
@halo.halo_endpoint(write_scope=None)  # submitting needs `time`, deciding `approve`
@require_http_methods(["GET", "POST"])
def timesheets(request: halo.HaloRequest) -> Any:
    """Per agent per local day: target, actual, chargeable and unlogged hours (plain array)."""
    if request.method == "POST":
        return [_timesheet_command(request, item) for item in halo.array_body(request)]
    agent = _agent_for(request, request.GET.get("agent_id"))
    tz = dates.zone(agent.timezone)
    start = halo.date_param(request, "start_date") or halo.date_param(request, "date")
    end = halo.date_param(request, "end_date")
    first = start.astimezone(tz).date() if start else dates.local_date(dates.now(), tz)
    last = end.astimezone(tz).date() if end else first
    if last < first or (last - first).days > 92:
        raise InvalidInput(
            "Ask for at most 93 days, end after start.", fields={"end_date": "range"}
        )
    calendar = calendars_by_agent([agent], first, last)[agent.user_id]
    lo, hi = dates.day_range(first, last, tz)
    entries = (
        TimeEntry.objects.filter(agent_id=agent.user_id, started_at__gte=lo, started_at__lt=hi)
        .select_related("charge_type")
        .order_by("started_at")
    )
    by_day: dict[dt.date, list[TimeEntry]] = {}
    for entry in entries:
        by_day.setdefault(dates.local_date(entry.started_at, tz), []).append(entry)
    sheet = []
    for day in calendar:
        day_entries = by_day.get(day.day, [])
        actual = sum(e.worked_seconds for e in day_entries)
        chargeable = sum(e.worked_seconds for e in day_entries if e.is_billable)
        sheet.append(
            {
                "agent_id": agent.user_id,
                "date": day.day.isoformat(),
                "start_date": halo.iso(dates.local_midnight(day.day, tz)),
                "end_date": halo.iso(dates.local_midnight(day.day + dt.timedelta(days=1), tz)),
                "target_hours": halo.hours(day.target_seconds),
                "actual_hours": halo.hours(actual),
                "chargeable_hours": halo.hours(chargeable),
                "unlogged_hours": halo.hours(max(0, day.target_seconds - actual)),
                "events": [event_record(e) for e in day_entries],
            }
        )
    return sheet


def _timesheet_command(request: halo.HaloRequest, item: dict[str, Any]) -> dict[str, Any]:
    """`_submitapproval`, `_approve` or `_reject` for the week holding `date`."""
    agent = _agent_for(request, item.get("agent_id"))
    when = halo.parse_datetime(item.get("date") or item.get("start_date") or "", "date")
    monday = dates.week_start(when.astimezone(dates.zone(agent.timezone)).date())
    actor = request.user
    if halo.truthy(item.get("_submitapproval")):
        halo.require_scope(request, "time")
        submission = sheets.submission_submit(
            agent=agent.user, week_start=monday, actor=actor, comment=str(item.get("note") or "")
        )
    elif halo.truthy(item.get("_approve")) or halo.truthy(item.get("_reject")):
        pending = Submission.objects.filter(
            agent=agent.user, week_start=monday, state=SubmissionState.SUBMITTED
        ).first()
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
    return {
        "agent_id": agent.user_id,
        "week_start": monday.isoformat(),
        "id": submission.pk,
        "status": submission.state,
    }


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET", "POST", "DELETE"])
def timesheet_events(request: halo.HaloRequest, pk: int | None = None) -> Any:
    actor = request.user
    if request.method == "DELETE":
        if pk is None:
            raise InvalidInput("Name the event to delete.", fields={"id": "required"})
        time_entry_delete(entry=time_entry_get(actor=actor, entry_id=pk), actor=actor)
        return JsonResponse({}, status=200)
    if request.method == "POST":
        return _one_or_many([_save_event(actor, item) for item in halo.array_body(request)])
    visible = time_entries_visible_to(actor).order_by("started_at", "id")
    if pk is not None:
        return event_record(_get_or_404(visible, pk, "TimesheetEvent"))
    if (agent_id := halo.int_param(request, "agent_id")) is not None:
        visible = visible.filter(agent_id=agent_id)
    if start := halo.date_param(request, "start_date"):
        visible = visible.filter(started_at__gte=start)
    if end := halo.date_param(request, "end_date"):
        visible = visible.filter(started_at__lt=end)
    return halo.paged(request, visible.select_related("charge_type"), None, event_record)


def _save_event(actor: User, item: dict[str, Any]) -> dict[str, Any]:
    ticket = None
    if item.get("ticket_id") not in (None, "", 0):
        ticket = ticket_get(actor=actor, ticket_id=_int(item["ticket_id"], "ticket_id"))
    charge_type = _fk(ChargeType, item.get("chargerate"), "chargerate")
    start = halo.parse_datetime(item.get("start_date") or "", "start_date")
    end = halo.parse_datetime(item["end_date"], "end_date") if item.get("end_date") else None
    duration = None
    if end is None:
        taken = halo.hours_value(item.get("timetaken") or 0, "timetaken")
        duration = int((taken * 60).to_integral_value()) or None
    billable = halo.truthy(item["chargeable"]) if "chargeable" in item else None
    if item.get("id") not in (None, "", 0):
        entry = time_entry_get(actor=actor, entry_id=_int(item["id"], "id"))
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
        return event_record(time_entry_update(entry=entry, actor=actor, changes=changes))
    agent = _agent_for_user(actor, item.get("agent_id"))
    entry = time_entry_create(
        agent=agent,
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
    return event_record(entry)


def _agent_for_user(actor: User, value: Any) -> User:
    if value in (None, "", 0) or _int(value, "agent_id") == actor.pk:
        return actor
    user = User.objects.filter(pk=_int(value, "agent_id")).first()
    if user is None:
        raise InvalidInput("Unknown agent_id.", fields={"agent_id": "unknown"})
    return user  # the service refuses logging for someone else unless the actor is admin


# --- Invoice ---------------------------------------------------------------------------------


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def invoices(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = invoices_visible_to(request.user).select_related("client").order_by("-id")
    if pk is not None:
        invoice = _get_or_404(items.prefetch_related("lines"), pk, "Invoice")
        return invoice_record(invoice, with_lines=True)
    with_lines = halo.flag(request, "includelines")
    if with_lines:
        items = items.prefetch_related("lines")
    if (client_id := halo.int_param(request, "client_id")) is not None:
        items = items.filter(client_id=client_id)
    if start := halo.date_param(request, "start_date"):
        items = items.filter(Q(issue_date__gte=start.date()) | Q(issue_date__isnull=True))
    return halo.paged(request, items, "invoices", lambda i: invoice_record(i, with_lines))
