"""Halo's JSON shapes for the directory and reference lists: agents, teams, clients, sites,
end users, contracts, charge types, statuses, priorities, ticket types and outcomes."""

import datetime as dt
from typing import Any

from tallyhour.accounts.models import Agent, ApiToken, Team, User
from tallyhour.contracts.models import Contract, ContractKind
from tallyhour.crm.models import Client, Contact, Site
from tallyhour.halo import conventions as halo
from tallyhour.servicedesk.models import TicketStatus, TicketType
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
        "firstname": user.first_name,
        "surname": user.last_name,
        "teams": [{"id": t.pk, "name": t.name} for t in agent.teams.all()],
        "chargerate": agent.default_charge_type_id,  # the agent's default charge type
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


def contract_record(contract: Contract, today: dt.date) -> dict[str, Any]:
    """`today` in the organisation's zone decides `active` and `expired`."""
    retainer = contract.kind == ContractKind.RETAINER
    expired = contract.ends_on is not None and contract.ends_on < today
    return {
        "id": contract.pk,
        "client_id": contract.client_id,
        "client_name": contract.client.name,
        "ref": contract.name,
        "type": contract.kind,
        "start_date": halo.iso(contract.starts_on),
        "end_date": halo.iso(contract.ends_on),
        "isdefault": contract.is_default,
        "contracttype": contract.get_kind_display(),
        "active": contract.starts_on <= today and not expired,
        "expired": expired,
        # Only retainers charge per period (a fee each calendar month); other kinds bill time.
        "periodchargeamount": float(contract.retainer_fee) if retainer else 0.0,
        "billingperiod": "monthly" if retainer else None,
    }


def team_record(team: Team) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "inactive": False,
        "agent_count": team.agent_count,  # type: ignore[attr-defined]
    }


def site_record(site: Site) -> dict[str, Any]:
    return {
        "id": site.pk,
        "name": site.name,
        "client_id": site.client_id,
        "client_name": site.client.name,
        "inactive": not site.is_active,
        "address": site.address,
    }


def end_user_record(contact: Contact) -> dict[str, Any]:
    """A client's contact as a Halo user (end user): ids are the contacts' own."""
    return {
        "id": contact.pk,
        "name": contact.name,
        "emailaddress": contact.email,
        "client_id": contact.client_id,
        "client_name": contact.client.name,
        "site_id": None,  # contacts belong to a client, not to one of its sites
        "site_name": "",
        "inactive": not contact.is_active,
    }


def status_record(halo_id: int, name: str, status: str) -> dict[str, Any]:
    return {
        "id": halo_id,
        "name": name,
        "type": "ticket",  # our statuses serve tickets and projects alike
        "status": status,  # which of our five statuses the id stands for
        "isclosed": status == TicketStatus.CLOSED,
    }


def priority_record(priority_id: int, name: str) -> dict[str, Any]:
    # Halo keys a priority by `priorityid` (its `id` is per SLA); both carry the same number.
    return {"id": priority_id, "priorityid": priority_id, "name": name}


def ticket_type_record(ticket_type: TicketType) -> dict[str, Any]:
    return {
        "id": ticket_type.pk,
        "name": ticket_type.name,
        "isproject": ticket_type.is_project,
        "inactive": not ticket_type.is_active,
        "chargerate": ticket_type.default_charge_type_id,  # its default charge type
    }


def outcome_record(outcome_id: int, name: str, kind: str) -> dict[str, Any]:
    return {
        "id": outcome_id,
        "outcome": name,
        "buttonname": name,
        "action_kind": kind,
        "hiddenfromuser": kind != "reply",  # only replies reach the client
    }


def authinfo_record(token: ApiToken, now: dt.datetime) -> dict[str, Any]:
    """Who a bearer token acts as, what it may do and until when."""
    user = token.user
    scopes = sorted(token.effective_scopes())
    expires = token.expires_at
    return {
        "id": user.pk,
        "agent_id": user.pk,
        "name": user.display_name,
        "email": user.email,
        "isagent": True,  # client users have no API tokens here
        "application_client_id": token.name.removeprefix("halo:")
        if token.name.startswith("halo:")
        else None,
        "scope": " ".join(scopes),
        "scopes": scopes,
        "expires": halo.iso(expires),
        "expires_in": max(0, int((expires - now).total_seconds())) if expires else None,
    }
