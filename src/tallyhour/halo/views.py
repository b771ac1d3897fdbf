"""HaloPSA-compatible endpoints: thin adapters over the same selectors and services.

Each view parses Halo's parameters, reads through the apps' `*_visible_to(actor)` selectors
or writes through `halo.translate` (which calls the services), and answers in Halo's shapes
(`halo.schemas`). Rules, permissions and locks are the native ones.
"""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tallyhour.accounts.calendars import calendars_by_agent
from tallyhour.accounts.models import Agent
from tallyhour.billing.selectors import invoices_visible_to
from tallyhour.core import dates
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.halo import conventions as halo
from tallyhour.halo import filters, schemas, translate, translate_time
from tallyhour.halo.services import OAuthError, halo_token_issue
from tallyhour.servicedesk.selectors import actions_visible_to, tickets_visible_to
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.selectors import time_entries_visible_to, time_entry_get
from tallyhour.timetracking.services import time_entry_delete

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
                scope=request.POST.get("scope", ""),
                remote_addr=request.META.get("REMOTE_ADDR", ""),
            )
        )
    except OAuthError as exc:
        return halo.oauth_error(exc.error, exc.description, exc.status, retry_after=exc.retry_after)


# --- Tickets and Actions ---------------------------------------------------------------------


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET", "POST", "DELETE"])
def tickets(request: halo.HaloRequest, pk: int | None = None) -> Any:
    actor = request.user
    if request.method == "DELETE":
        raise Forbidden("Tickets are closed, not deleted, so their time stays accountable.")
    if request.method == "POST":
        saved = translate.save_all(
            halo.array_body(request), lambda item: translate.ticket_save(actor, item)
        )
        return translate.one_or_many([schemas.ticket_record(t) for t in saved])
    visible = tickets_visible_to(actor).select_related("site", "contact", "team")
    if pk is not None:
        return schemas.ticket_record(translate.found(visible, pk, "Ticket"))
    visible = filters.with_time_taken(filters.tickets_filtered(request, visible))
    return halo.paged(request, visible, "tickets", schemas.ticket_record)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET", "POST"])
def actions(request: halo.HaloRequest, pk: int | None = None) -> Any:
    actor = request.user
    if request.method == "POST":
        added = translate.save_all(
            halo.array_body(request), lambda item: translate.action_save(actor, item)
        )
        return translate.one_or_many([schemas.action_record(a) for a in added])
    visible = (
        actions_visible_to(actor)
        .select_related("agent", "time_entry", "ticket")
        .order_by("-created_at", "-id")
    )
    if pk is not None:
        return schemas.action_record(translate.found(visible, pk, "Action"))
    if (ticket_id := halo.int_param(request, "ticket_id")) is not None:
        visible = visible.filter(ticket_id=ticket_id)
    if start := halo.date_param(request, "startdate"):
        visible = visible.filter(created_at__gte=start)
    if end := halo.date_param(request, "enddate"):
        visible = visible.filter(created_at__lt=end)
    if halo.flag(request, "agentonly"):
        visible = visible.filter(agent=actor)
    return halo.paged(request, visible, "actions", schemas.action_record)


# --- Timesheet and TimesheetEvent ------------------------------------------------------------


@csrf_exempt
@halo.halo_endpoint(write_scope=None)  # submitting needs `time`, deciding `approve`
@require_http_methods(["GET", "POST"])
def timesheets(request: halo.HaloRequest) -> Any:
    """Per agent per local day: target, actual, chargeable and unlogged hours (plain array)."""
    if request.method == "POST":
        return translate.save_all(
            halo.array_body(request), lambda item: translate_time.timesheet_command(request, item)
        )
    if agents_param := request.GET.get("agents"):
        agents = translate_time.agents_for(request.user, agents_param)
    else:
        agents = [translate_time.agent_for(request.user, request.GET.get("agent_id"))]
    start = halo.date_param(request, "start_date") or halo.date_param(request, "date")
    end = halo.date_param(request, "end_date")
    return [day for agent in agents for day in _timesheet_days(request, agent, start, end)]


def _timesheet_days(
    request: halo.HaloRequest, agent: Agent, start: dt.datetime | None, end: dt.datetime | None
) -> list[dict[str, Any]]:
    """One agent's local days from `start` to `end` (today when neither is given)."""
    tz = dates.zone(agent.timezone)
    first = start.astimezone(tz).date() if start else dates.local_date(dates.now(), tz)
    last = end.astimezone(tz).date() if end else first
    if last < first or (last - first).days > 92:
        raise InvalidInput(
            "Ask for at most 93 days, end after start.", fields={"end_date": "range"}
        )
    calendar = calendars_by_agent([agent], first, last)[agent.user_id]
    lo, hi = dates.day_range(first, last, tz)
    entries = (
        time_entries_visible_to(request.user)
        .filter(agent_id=agent.user_id, started_at__gte=lo, started_at__lt=hi)
        .select_related("charge_type")
        .order_by("started_at")
    )
    by_day: dict[dt.date, list[TimeEntry]] = {}
    for entry in entries:
        by_day.setdefault(dates.local_date(entry.started_at, tz), []).append(entry)
    return [
        schemas.timesheet_day_record(agent, day, by_day.get(day.day, []), tz) for day in calendar
    ]


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
        saved = translate.save_all(
            halo.array_body(request), lambda item: translate_time.event_save(actor, item)
        )
        return translate.one_or_many([schemas.event_record(e) for e in saved])
    visible = time_entries_visible_to(actor).order_by("started_at", "id")
    if pk is not None:
        return schemas.event_record(translate.found(visible, pk, "TimesheetEvent"))
    if (agent_id := halo.int_param(request, "agent_id")) is not None:
        visible = visible.filter(agent_id=agent_id)
    if agents_param := request.GET.get("agents"):
        agents = translate_time.agents_for(actor, agents_param)
        visible = visible.filter(agent_id__in=[a.user_id for a in agents])
    if start := halo.date_param(request, "start_date"):
        visible = visible.filter(started_at__gte=start)
    if end := halo.date_param(request, "end_date"):
        visible = visible.filter(started_at__lt=end)
    return halo.paged(request, visible.select_related("charge_type"), None, schemas.event_record)


# --- Invoice ---------------------------------------------------------------------------------


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def invoices(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = invoices_visible_to(request.user).select_related("client").order_by("-id")
    if pk is not None:
        invoice = translate.found(items.prefetch_related("lines"), pk, "Invoice")
        return schemas.invoice_record(invoice, with_lines=True)
    with_lines = halo.flag(request, "includelines")
    if with_lines:
        items = items.prefetch_related("lines")
    if (client_id := halo.int_param(request, "client_id")) is not None:
        items = items.filter(client_id=client_id)
    if start := halo.date_param(request, "start_date"):
        items = items.filter(Q(issue_date__gte=start.date()) | Q(issue_date__isnull=True))
    return halo.paged(request, items, "invoices", lambda i: schemas.invoice_record(i, with_lines))
