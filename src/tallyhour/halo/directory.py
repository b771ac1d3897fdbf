"""Halo's directory endpoints: agents, clients, contracts and the charge-type lookup.

Thin adapters like `halo.views`: they read through the apps' `*_visible_to(actor)`
selectors and answer in Halo's shapes (`halo.directory_schemas`).
"""

from typing import Any

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.contracts.selectors import contracts_visible_to
from tallyhour.crm.selectors import clients_visible_to
from tallyhour.halo import conventions as halo
from tallyhour.halo import directory_schemas as schemas
from tallyhour.halo import translate
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
def lookup(request: halo.HaloRequest) -> Any:
    if halo.int_param(request, "lookupid") != CHARGE_TYPE_LOOKUP:
        return []  # only charge types (lookup 17) are kept here
    return [schemas.charge_type_record(ct) for ct in charge_types_visible_to(request.user)]


@csrf_exempt
@halo.halo_endpoint
@require_http_methods(["GET"])
def client_contracts(request: halo.HaloRequest, pk: int | None = None) -> Any:
    items = contracts_visible_to(request.user)  # billing and admin users only
    if (client_id := halo.int_param(request, "client_id")) is not None:
        items = items.filter(client_id=client_id)
    if pk is not None:
        return schemas.contract_record(translate.found(items, pk, "Contract"))
    return halo.paged(request, items, "contracts", schemas.contract_record)
