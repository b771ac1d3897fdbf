"""Turn ids in a request into objects, or a 422/404 that names the field the caller sent."""

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, QuerySet

from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.accounts.selectors import agents_visible_to, staff_users
from tallyhour.core.errors import InvalidInput, NotFound
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType
from tallyhour.timetracking.selectors import active_charge_types

M = TypeVar("M", bound=Model)


def _one(rows: Callable[[], QuerySet[M]], pk: int | None, field: str, label: str) -> M | None:
    """The row `pk` of `rows()`, or None when no id was sent; the queryset is only built when
    one was (most writes name no ticket or charge type)."""
    if pk is None:
        return None
    obj = rows().filter(pk=pk).first()
    if obj is None:
        raise InvalidInput(f"There is no {label} {pk}.", fields={field: "unknown"})
    return obj


def ticket_from(pk: int | None, field: str = "ticket_id") -> Ticket | None:
    return _one(lambda: Ticket.objects.select_related("charge_type"), pk, field, "ticket")


def charge_type_from(pk: int | None, field: str = "charge_type_id") -> ChargeType | None:
    return _one(active_charge_types, pk, field, "active charge type")


def client_from(pk: int, field: str = "client_id") -> Client:
    client = _one(Client.objects.all, pk, field, "client")
    assert client is not None
    return client


def staff_user_from(pk: int | None, field: str) -> User | None:
    # Portal contacts are users too, but never assignees or an application's agent.
    return _one(staff_users, pk, field, "user")


def agent_from(actor: User, pk: int | None, field: str = "agent_id") -> User | None:
    """An agent the actor may see, named in a request body (422 when unknown)."""
    if pk is None:
        return None
    agent = agents_visible_to(actor).filter(user_id=pk).first()
    if agent is None:
        raise InvalidInput(f"There is no agent {pk}.", fields={field: "unknown"})
    return agent.user


def visible_agent(actor: User, pk: int) -> User:
    """An agent named in the URL: 404 when unknown or not visible to the actor."""
    agent = agents_visible_to(actor).filter(user_id=pk).first()
    if agent is None:
        raise NotFound(f"Agent {pk} not found.")
    return agent.user


def zone_name_of(user: User) -> str:
    """The caller's own time zone (their agent profile's, else the organisation's)."""
    zone = Agent.objects.filter(user=user).values_list("timezone", flat=True).order_by().first()
    return zone or Organisation.current().timezone
