"""Halo's JSON shapes for the directory: agents, clients, charge types and contracts."""

from typing import Any

from tallyhour.accounts.models import Agent, User
from tallyhour.contracts.models import Contract
from tallyhour.crm.models import Client
from tallyhour.halo import conventions as halo
from tallyhour.timetracking.models import ChargeType


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


def user_record(user: User) -> dict[str, Any]:
    """A user with no agent profile (Agent/me of an admin, say)."""
    return {"id": user.pk, "name": user.display_name, "email": user.email}


def client_record(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk,
        "name": client.name,
        "inactive": not client.is_active,
        "currency": client.currency,
        "taxrate": float(client.tax_rate),
    }


def charge_type_record(charge_type: ChargeType) -> dict[str, Any]:
    """An item of lookup 17 (charge types)."""
    return {
        "id": charge_type.pk,
        "name": charge_type.name,
        "value": float(charge_type.hourly_rate),
        "chargeable": charge_type.is_billable,
        "inactive": not charge_type.is_active,
    }


def contract_record(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "client_id": contract.client_id,
        "client_name": contract.client.name,
        "ref": contract.name,
        "type": contract.kind,
        "start_date": halo.iso(contract.starts_on),
        "end_date": halo.iso(contract.ends_on),
        "isdefault": contract.is_default,
    }
