"""Reads for clients: the list and everything the client page shows."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import can_bill
from tallyhour.billing.models import Invoice
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry
from tallyhour.contracts.selectors import (
    PrepayLedger,
    RetainerUsage,
    contracts_of_client,
    prepay_ledger,
    retainer_usage,
)
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.crm.models import Client, Contact
from tallyhour.servicedesk.models import Ticket, TicketStatus

OPEN_TICKET_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD)
RECENT_INVOICES = 10
OPEN_TICKETS_SHOWN = 20


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


def clients_filtered(
    *, actor: User, query: str = "", active: bool | None = None
) -> QuerySet[Client]:
    """The client list: name, email or tax id search, active filter, and open-ticket counts."""
    clients = clients_visible_to(actor).annotate(
        open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_TICKET_STATUSES))
    )
    if query:
        clients = clients.filter(
            Q(name__icontains=query)
            | Q(billing_email__icontains=query)
            | Q(tax_id__icontains=query)
        )
    if active is not None:
        clients = clients.filter(is_active=active)
    return clients


def default_contracts_on(clients: list[Client], day: dt.date) -> dict[int, Contract]:
    """Each client's default contract active on `day` (one query for the whole page)."""
    found: dict[int, Contract] = {}
    contracts = Contract.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        client__in=clients,
        is_default=True,
        starts_on__lte=day,
    ).order_by("client_id", "-starts_on", "-pk")
    for contract in contracts:
        found.setdefault(contract.client_id, contract)
    return found


def client_prepay_balances(clients: list[Client]) -> dict[int, int]:
    """Prepay balance in seconds per client, over all its prepay contracts (one query)."""
    rows = (
        PrepayEntry.objects.filter(contract__client__in=clients, contract__kind=ContractKind.PREPAY)
        .values("contract__client_id")
        .annotate(seconds=Sum("seconds"))
        .order_by()
    )
    return {row["contract__client_id"]: row["seconds"] or 0 for row in rows}


def org_today(now: dt.datetime | None = None) -> dt.date:
    return dates.local_date(now or dates.now(), dates.zone(Organisation.current().timezone))


@dataclass
class ClientOverview:
    client: Client
    today: dt.date
    show_money: bool
    contracts: list[Contract]
    prepay: list[PrepayLedger]
    retainers: list[RetainerUsage]
    open_tickets: list[Ticket]
    open_ticket_count: int
    invoices: list[Invoice] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    @property
    def prepay_balance_seconds(self) -> int:
        return sum(ledger.balance_seconds for ledger in self.prepay)


def _active_on(contract: Contract, day: dt.date) -> bool:
    return contract.starts_on <= day and (contract.ends_on is None or contract.ends_on >= day)


def client_overview(
    *, actor: User, client_id: int, now: dt.datetime | None = None
) -> ClientOverview:
    """The client page. Amounts (invoices, purchase prices) only for billing and admin users."""
    client = client_get(actor=actor, client_id=client_id)
    today = org_today(now)
    contracts = list(contracts_of_client(client))
    for contract in contracts:
        contract.active_today = _active_on(contract, today)  # type: ignore[attr-defined]
    prepay = [prepay_ledger(c) for c in contracts if c.kind == ContractKind.PREPAY]
    retainers = [
        retainer_usage(c, today)
        for c in contracts
        if c.kind == ContractKind.RETAINER and _active_on(c, today)
    ]
    tickets = (
        Ticket.objects.filter(client=client, status__in=OPEN_TICKET_STATUSES)
        .select_related("assignee")
        .order_by("-updated_at", "-pk")
    )
    show_money = can_bill(actor)
    invoices = (
        list(Invoice.objects.filter(client=client).order_by("-created_at", "-pk")[:RECENT_INVOICES])
        if show_money
        else []
    )
    return ClientOverview(
        client=client,
        today=today,
        show_money=show_money,
        contracts=contracts,
        prepay=prepay,
        retainers=retainers,
        open_tickets=list(tickets[:OPEN_TICKETS_SHOWN]),
        open_ticket_count=tickets.count(),
        invoices=invoices,
        contacts=list(contacts_of_client(actor=actor, client=client)),
    )
