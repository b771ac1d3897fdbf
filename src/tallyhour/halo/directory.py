"""Halo's directory and reference endpoints: agents, teams, clients, sites, end users,
contracts, projects, statuses, priorities, ticket types, outcomes, lookups and authinfo.

Thin adapters like `halo.views`: they read through the apps' `*_visible_to(actor)`
selectors and answer in Halo's shapes (`halo.directory_schemas`). Halo answers its reference
lists (Status, Priority, TicketType, Team, Outcome, Lookup) as plain arrays and its entity
lists (Agent, Client, Site, Users, ClientContract, Projects) in `{record_count, <plural>}`.
"""

from typing import Any

from django.db.models import Q
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tallyhour.accounts.selectors import agents_visible_to, teams_visible_to
from tallyhour.contracts.selectors import contracts_visible_to
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.crm.selectors import (
    clients_visible_to,
    contacts_visible_to,
    org_today,
    sites_visible_to,
)
from tallyhour.halo import conventions as halo
from tallyhour.halo import directory_schemas as schemas
from tallyhour.halo import filters, statuses, translate
from tallyhour.halo import schemas as ticket_schemas
from tallyhour.servicedesk.models import TicketPriority, TicketStatus
from tallyhour.servicedesk.selectors import ticket_types_active, tickets_visible_to
from tallyhour.timetracking.selectors import charge_types_visible_to

CHARGE_TYPE_LOOKUP = 17


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def agents(request: halo.HaloRequest, pk: int | None = None) -> Any:
    visible = agents_visible_to(request.user).prefetch_related("teams").order_by("user_id")
    if pk is not None:
        return schemas.agent_record(translate.found(visible, pk, "Agent"))
    if not halo.flag(request, "includedisabled"):
        visible = visible.filter(user__is_active=True)
    if team := request.GET.get("team", "").strip():
        # Halo scripts name the team by name; an id (ASCII digits, in range) works too.
        by_name = Q(teams__name__iexact=team)
        is_id = team.isascii() and team.isdigit() and len(team) <= 9
        visible = visible.filter(by_name | Q(teams__id=int(team)) if is_id else by_name)
        visible = visible.distinct()
    return halo.paged(request, visible, "agents", schemas.agent_record)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def agent_me(request: halo.HaloRequest) -> Any:
    me = agents_visible_to(request.user).prefetch_related("teams").filter(user=request.user)
    agent = me.first()
    if agent is None:
        return schemas.user_record(request.user)
    return schemas.agent_record(agent)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def clients(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = clients_visible_to(request.user)
    if pk is not None:
        return schemas.client_record(translate.found(items, pk, "Client"))
    if search := request.GET.get("search"):
        items = items.filter(name__icontains=search)
    if not halo.flag(request, "includeinactive"):
        items = items.filter(is_active=True)
    return halo.paged(request, items, "clients", schemas.client_record)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def lookup(request: halo.HaloRequest, pk: int | None = None) -> Any:
    """`/api/Lookup?lookupid=N` or `/api/lookup/N`: the items of lookup N (a plain array)."""
    lookup_id = pk if pk is not None else halo.int_param(request, "lookupid")
    if lookup_id != CHARGE_TYPE_LOOKUP:
        return []  # only charge types (lookup 17) have items here
    return [schemas.charge_type_record(ct) for ct in charge_types_visible_to(request.user)]


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def client_contracts(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = contracts_visible_to(request.user)  # billing and admin users only
    if (client_id := halo.int_param(request, "client_id")) is not None:
        items = items.filter(client_id=client_id)
    today = org_today()
    if pk is not None:
        return schemas.contract_record(translate.found(items, pk, "Contract"), today)
    return halo.paged(request, items, "contracts", lambda c: schemas.contract_record(c, today))


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def client_me(request: halo.HaloRequest) -> Any:
    """Halo answers a client user's own client. Only agents hold tokens here (client users
    sign in to the portal), so there is no client to answer."""
    raise NotFound(
        "Client/me names a client user's own client; this token acts for an agent.",
        fields={"token": "agent"},
    )


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def authinfo(request: halo.HaloRequest) -> Any:
    return schemas.authinfo_record(request.api_token, dates.now())


# --- reference lists (plain arrays) -----------------------------------------------------------

# Halo's status `type` values that our statuses serve; other types (opportunities, changes...)
# have no statuses here.
STATUS_TYPES = {"", "ticket", "tickets", "project", "projects", "task", "tasks"}


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def status_list(request: halo.HaloRequest, pk: int | None = None) -> Any:
    rows = statuses.halo_statuses()
    if pk is not None:
        for halo_id, name, status in rows:
            if halo_id == pk:
                return schemas.status_record(halo_id, name, status)
        raise NotFound(f"Status {pk} not found.")
    if request.GET.get("type", "").strip().lower() not in STATUS_TYPES:
        return []
    if halo.flag(request, "excludeclosed"):
        rows = [row for row in rows if row[2] != TicketStatus.CLOSED]
    if halo.flag(request, "excludepending"):
        rows = [row for row in rows if row[2] != TicketStatus.ON_HOLD]
    return [schemas.status_record(*row) for row in rows]


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def priorities(request: halo.HaloRequest, pk: int | None = None) -> Any:
    rows = [schemas.priority_record(p.value, str(p.label)) for p in TicketPriority]
    if pk is not None:
        return _one(rows, pk, "Priority")
    return rows


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def outcomes(request: halo.HaloRequest, pk: int | None = None) -> Any:
    rows = [schemas.outcome_record(*row) for row in statuses.halo_outcomes()]
    if pk is not None:
        return _one(rows, pk, "Outcome")
    return rows


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def ticket_types(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = ticket_types_active().order_by("name", "id")
    if pk is not None:
        return schemas.ticket_type_record(translate.found(items, pk, "TicketType"))
    return [schemas.ticket_type_record(t) for t in items]


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def teams(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = teams_visible_to(request.user)
    if pk is not None:
        return schemas.team_record(translate.found(items, pk, "Team"))
    return [schemas.team_record(t) for t in items]


def _one(rows: list[dict[str, Any]], pk: int, what: str) -> dict[str, Any]:
    for row in rows:
        if row["id"] == pk:
            return row
    raise NotFound(f"{what} {pk} not found.")


# --- sites, end users, projects (Halo's list envelope) ---------------------------------------


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def sites(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = sites_visible_to(request.user)
    if pk is not None:
        return schemas.site_record(translate.found(items, pk, "Site"))
    if (client_id := halo.int_param(request, "client_id")) is not None:
        items = items.filter(client_id=client_id)
    if search := request.GET.get("search"):
        items = items.filter(name__icontains=search)
    if not halo.flag(request, "includeinactive"):
        items = items.filter(is_active=True)
    return halo.paged(request, items, "sites", schemas.site_record)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def end_users(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = contacts_visible_to(request.user)
    if pk is not None:
        return schemas.end_user_record(translate.found(items, pk, "User"))
    if (client_id := halo.int_param(request, "client_id")) is not None:
        items = items.filter(client_id=client_id)
    if halo.int_param(request, "site_id") is not None:
        items = items.none()  # contacts belong to a client, none to a site
    if search := request.GET.get("search"):
        items = items.filter(Q(name__icontains=search) | Q(email__icontains=search))
    if not halo.flag(request, "includeinactive"):
        items = items.filter(is_active=True)
    return halo.paged(request, items, "users", schemas.end_user_record)


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def projects(request: halo.HaloRequest, pk: int | None = None) -> Any:
    """Tickets whose type is a project, as tickets, with the ticket filters."""
    items = (
        tickets_visible_to(request.user)
        .select_related("site", "contact", "team")
        .filter(ticket_type__is_project=True)
    )
    if pk is not None:
        return ticket_schemas.ticket_record(translate.found(items, pk, "Project"))
    items = filters.with_time_taken(filters.tickets_filtered(request, items))
    return halo.paged(request, items, "tickets", ticket_schemas.ticket_record)
