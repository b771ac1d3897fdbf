"""Reads for clients: the list and everything the client page shows."""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import can_bill
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.crm.models import Client, Contact, Site
from tallyhour.crm.panels import client_list_annotate, client_page_parts


def clients_visible_to(actor: User) -> QuerySet[Client]:
    """Every staff user sees every client (portal users will see only their own)."""
    return Client.objects.order_by("name", "id")


def client_get(*, actor: User, client_id: int) -> Client:
    client = clients_visible_to(actor).filter(pk=client_id).first()
    if client is None:
        raise NotFound(f"Client {client_id} not found.")
    return client


def contacts_of_client(*, actor: User, client: Client) -> QuerySet[Contact]:
    """A client's contacts and their portal state, for staff looking at the client."""
    return Contact.objects.filter(client=client).order_by("name", "id")


def contact_get(*, actor: User, client_id: int, contact_id: int) -> Contact:
    contact = (
        Contact.objects.select_related("client")
        .filter(pk=contact_id, client_id=client_id, client__in=clients_visible_to(actor))
        .first()
    )
    if contact is None:
        raise NotFound(f"Contact {contact_id} not found.")
    return contact


def sites_visible_to(actor: User) -> QuerySet[Site]:
    """Sites of the clients the actor may see, with their client loaded."""
    return (
        Site.objects.filter(client__in=clients_visible_to(actor))
        .select_related("client")
        .order_by("client__name", "name", "id")
    )


def site_get(*, actor: User, site_id: int, client_id: int | None = None) -> Site:
    sites = sites_visible_to(actor).filter(pk=site_id)
    if client_id is not None:
        sites = sites.filter(client_id=client_id)
    site = sites.first()
    if site is None:
        raise NotFound(f"Site {site_id} not found.", fields={"site_id": "not found"})
    return site


def contacts_visible_to(actor: User) -> QuerySet[Contact]:
    """The clients' end users (Halo's Users) the actor may see, with their client loaded."""
    return (
        Contact.objects.filter(client__in=clients_visible_to(actor))
        .select_related("client")
        .order_by("name", "id")
    )


def clients_filtered(
    *, actor: User, query: str = "", active: bool | None = None
) -> QuerySet[Client]:
    """The client list: name, email or tax id search, active filter, and the columns the apps
    above crm add (open-ticket counts)."""
    clients = client_list_annotate(clients_visible_to(actor))
    if query:
        clients = clients.filter(
            Q(name__icontains=query)
            | Q(billing_email__icontains=query)
            | Q(tax_id__icontains=query)
        )
    if active is not None:
        clients = clients.filter(is_active=active)
    return clients


def org_today(now: dt.datetime | None = None) -> dt.date:
    return dates.local_date(now or dates.now(), dates.zone(Organisation.current().timezone))


def client_overview(
    *, actor: User, client_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The client page: the client and its contacts, plus the parts the apps above crm
    register (contracts, prepay, invoices, open tickets). Amounts only for billing and admin."""
    client = client_get(actor=actor, client_id=client_id)
    today = org_today(now)
    return {
        "client": client,
        "today": today,
        "show_money": can_bill(actor),
        **client_page_parts(actor=actor, client=client, today=today),
        "contacts": list(contacts_of_client(actor=actor, client=client)),
        "sites": list(Site.objects.filter(client=client).order_by("-is_active", "name", "id")),
    }
