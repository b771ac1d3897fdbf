"""Reads and writes for reference data: clients, tickets and charge types.

The writes follow the service rules (one transaction, permission check, full_clean, one audit
row). All of this belongs in the crm/, servicedesk/ and timetracking/ services and selectors
once those apps grow their own; the API only needs the functions, not their home.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from tallyhour.accounts.models import User
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Forbidden, full_clean_or_invalid
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket, TicketStatus
from tallyhour.timetracking.models import ChargeType


def clients_visible_to(actor: User) -> QuerySet[Client]:
    """Every staff user sees every client (portal users will see only their own)."""
    return Client.objects.order_by("name", "id")


def tickets_visible_to(actor: User) -> QuerySet[Ticket]:
    return Ticket.objects.select_related("client").order_by("-id")


def charge_types_visible_to(actor: User) -> QuerySet[ChargeType]:
    return ChargeType.objects.order_by("name", "id")


@transaction.atomic
def client_create(*, name: str, currency: str, tax_rate: Decimal, actor: User) -> Client:
    if not actor.is_billing_role:
        raise Forbidden("Only billing and admin users create clients.")
    client = Client(name=name.strip(), currency=currency.upper(), tax_rate=tax_rate)
    full_clean_or_invalid(client)
    client.save()
    audit_record(
        actor=actor,
        action="client.create",
        obj=client,
        after=snapshot(client, ["name", "currency", "tax_rate"]),
    )
    return client


@transaction.atomic
def ticket_create(
    *,
    client: Client,
    summary: str,
    actor: User,
    details: str = "",
    status: str = TicketStatus.NEW,
    assignee: User | None = None,
    charge_type: ChargeType | None = None,
) -> Ticket:
    ticket = Ticket(
        client=client,
        summary=summary.strip(),
        details=details,
        status=status,
        assignee=assignee,
        charge_type=charge_type,
    )
    full_clean_or_invalid(ticket)
    ticket.save()
    audit_record(
        actor=actor,
        action="ticket.create",
        obj=ticket,
        after=snapshot(ticket, ["client", "summary", "status", "assignee", "charge_type"]),
    )
    return ticket


@transaction.atomic
def charge_type_create(
    *, name: str, is_billable: bool, hourly_rate: Decimal, actor: User
) -> ChargeType:
    if not actor.is_admin_role:
        raise Forbidden("Only admins create charge types.")
    charge_type = ChargeType(name=name.strip(), is_billable=is_billable, hourly_rate=hourly_rate)
    full_clean_or_invalid(charge_type)
    charge_type.save()
    audit_record(
        actor=actor,
        action="charge_type.create",
        obj=charge_type,
        after=snapshot(charge_type, ["name", "is_billable", "hourly_rate"]),
    )
    return charge_type
