"""Every read the client portal makes, scoped to the signed-in contact's client.

This module is the portal's isolation boundary: portal views read nothing except through it.
Each function takes the `Contact` (from `portal_contact`) and filters by its client, so an id
belonging to another client is simply not found (404), never forbidden (403): a contact cannot
even learn that it exists. What leaves here is what the MSP shows clients: tickets with their
status, client-visible actions and the billable time on them, prepaid hours, retainer usage,
and issued invoices and credit notes. Internal notes, time without a client-visible action,
cost rates, drafts and other clients never do.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceState
from tallyhour.contracts.models import Contract, ContractKind
from tallyhour.contracts.selectors import (
    PrepayLedger,
    RetainerUsage,
    prepay_ledger,
    retainer_usage,
)
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.crm.models import Contact
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD)
# Invoices a client has received: drafts are still the MSP's work in progress, void ones
# were never sent.
SENT_STATES = (InvoiceState.ISSUED, InvoiceState.PAID)
VISIBLE_TIME = Q(
    actions__client_visible=True,
    actions__time_entry__isnull=False,
    actions__time_entry__is_billable=True,
)


def portal_contact(user: User) -> Contact:
    """The active contact behind a portal sign-in; NotFound for anyone else (staff included)."""
    if not user.is_authenticated or not user.is_contact:
        raise NotFound("There is nothing at this address.")
    contact = (
        Contact.objects.select_related("client")
        .filter(user=user, is_active=True, client__is_active=True)
        .first()
    )
    if contact is None:
        raise NotFound("There is nothing at this address.")
    return contact


def org_today(now: dt.datetime | None = None) -> dt.date:
    return dates.local_date(now or dates.now(), dates.zone(Organisation.current().timezone))


# --- tickets --------------------------------------------------------------------------------


def tickets_for(contact: Contact, *, open_only: bool = False) -> QuerySet[Ticket]:
    """The client's tickets, each with `visible_seconds`: billable time on client-visible
    actions (what the client is shown as logged; internal work is not)."""
    tickets = Ticket.objects.filter(client_id=contact.client_id).annotate(
        visible_seconds=Sum("actions__time_entry__billable_seconds", filter=VISIBLE_TIME)
    )
    if open_only:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    return tickets.order_by("-updated_at", "-pk")


def ticket_for(contact: Contact, ticket_id: int) -> Ticket:
    ticket = tickets_for(contact).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} not found.")
    return ticket


def actions_for(contact: Contact, ticket: Ticket) -> list[Action]:
    """The ticket's client-visible actions, oldest first, with the time entry each logged."""
    return list(
        Action.objects.filter(
            ticket_id=ticket.pk, ticket__client_id=contact.client_id, client_visible=True
        )
        .select_related("agent", "time_entry")
        .order_by("created_at", "pk")
    )


# --- prepaid hours and retainers -------------------------------------------------------------


def _contracts(contact: Contact, kind: str) -> QuerySet[Contract]:
    return Contract.objects.filter(client_id=contact.client_id, kind=kind).order_by(
        "-starts_on", "-pk"
    )


def prepay_for(contact: Contact) -> list[PrepayLedger]:
    """Every prepay contract's ledger: purchases and drawdowns with the running balance."""
    return [prepay_ledger(contract) for contract in _contracts(contact, ContractKind.PREPAY)]


def retainers_for(contact: Contact, today: dt.date) -> list[RetainerUsage]:
    """Usage of each retainer active today in the current month."""
    active = _contracts(contact, ContractKind.RETAINER).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today
    )
    return [retainer_usage(contract, today) for contract in active]


def sent_invoice_ids(contact: Contact) -> set[int]:
    """Ids of the client's issued or paid invoices (to link ledger rows to them)."""
    return set(
        Invoice.objects.filter(client_id=contact.client_id, state__in=SENT_STATES).values_list(
            "pk", flat=True
        )
    )


# --- invoices -------------------------------------------------------------------------------


def invoices_for(contact: Contact) -> QuerySet[Invoice]:
    """Issued and paid invoices and credit notes, for contacts allowed to see them."""
    if not contact.can_see_invoices:
        raise NotFound("There is nothing at this address.")
    return (
        Invoice.objects.filter(client_id=contact.client_id, state__in=SENT_STATES)
        .select_related("credits")
        .order_by("-issue_date", "-pk")
    )


def invoice_for(contact: Contact, invoice_id: int) -> Invoice:
    invoice = (
        invoices_for(contact)
        .select_related("client")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("pk")))
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise NotFound(f"Invoice {invoice_id} not found.")
    return invoice


# --- monthly statement ----------------------------------------------------------------------


@dataclass
class StatementRow:
    ticket_id: int
    summary: str
    billed_seconds: int


@dataclass
class Statement:
    month: dt.date  # the first day
    rows: list[StatementRow]

    @property
    def total_seconds(self) -> int:
        return sum(row.billed_seconds for row in self.rows)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def statement_for(contact: Contact, month: dt.date) -> Statement:
    """Billed hours by ticket on the invoices and credit notes issued in `month` (after
    rounding and write-offs, credit notes negative), from the lines the client received."""
    first, last = month_bounds(month)
    rows = (
        InvoiceLine.objects.filter(
            invoice__client_id=contact.client_id,
            invoice__state__in=SENT_STATES,
            invoice__issue_date__gte=first,
            invoice__issue_date__lte=last,
            ticket__isnull=False,
            ticket__client_id=contact.client_id,
        )
        .values("ticket_id", "ticket__summary")
        .annotate(seconds=Sum("billed_seconds"))
        .order_by("ticket_id")
    )
    return Statement(
        month=first,
        rows=[
            StatementRow(row["ticket_id"], row["ticket__summary"], row["seconds"] or 0)
            for row in rows
            if row["seconds"]
        ],
    )
