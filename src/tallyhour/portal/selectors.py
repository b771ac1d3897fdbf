"""Every read the client portal makes, scoped to the signed-in contact's client.

This module is the portal's isolation boundary: portal views read nothing except through it.
Each function takes the `Contact` (from `portal_contact`) and filters by its client, so an id
belonging to another client is simply not found (404), never forbidden (403): a contact cannot
even learn that it exists. What leaves here is what the MSP shows clients: tickets with their
status, client-visible actions and the billable time on them, prepaid hours, retainer usage,
issued invoices and credit notes, and the entries each invoice line bills. Internal notes,
cost rates, drafts and other clients never do: time an invoice bills without a client-visible
action shows as hours labelled "Internal work", and elsewhere not at all.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet, Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceState, LineTime
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry
from tallyhour.contracts.selectors import (
    PrepayLedger,
    RetainerUsage,
    prepay_ledger,
    retainer_usage,
)
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.crm.models import Client, Contact
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


@dataclass
class LedgerRow:
    """A prepay ledger row as the client reads it: the ticket a drawdown paid for and where
    it was billed. `invoice` is set only when the contact may open that invoice."""

    entry: PrepayEntry
    balance_seconds: int  # just after this row
    ticket: Ticket | None
    invoice: Invoice | None
    billed_on: str


UNSENT_LABELS: dict[str, str] = {
    InvoiceState.DRAFT: "not yet invoiced",
    InvoiceState.NO_CHARGE: "covered, no invoice",
    InvoiceState.VOID: "voided before invoicing",
}


def _billed_on(line: InvoiceLine | None) -> str:
    if line is None:
        return ""
    invoice = line.invoice
    if invoice.state in SENT_STATES:
        return invoice.title
    # Drafts, and the never-sent records of fully covered time, have no number to show.
    return UNSENT_LABELS.get(str(invoice.state), "")


def ledger_rows(contact: Contact, ledger: PrepayLedger) -> list[LedgerRow]:
    """The ledger's rows, oldest first, naming each drawdown's ticket and invoice."""
    rows = []
    for entry, running in ledger.rows_with_balance():
        line = entry.invoice_line
        invoice = line.invoice if line else None
        visible = invoice is not None and invoice.state in SENT_STATES and contact.can_see_invoices
        rows.append(
            LedgerRow(
                entry=entry,
                balance_seconds=running,
                ticket=line.ticket if line else None,
                invoice=invoice if visible else None,
                billed_on=_billed_on(line),
            )
        )
    return rows


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


def prepay_with_rows_for(contact: Contact) -> list[tuple[PrepayLedger, list[LedgerRow]]]:
    return [(ledger, ledger_rows(contact, ledger)) for ledger in prepay_for(contact)]


# --- the time behind each invoice line ------------------------------------------------------

# What the client reads for time that has no client-visible action: the hours are on the
# bill, so they are shown; the note is the MSP's own and is not.
INTERNAL_WORK = "Internal work"


@dataclass
class EntryTime:
    """One entry's share of a line, ready to show: never carries an internal note."""

    day: dt.date  # in the client's time zone
    agent: str
    seconds: int
    note: str
    internal: bool


@dataclass
class LineTimes:
    """An invoice line with the entries it bills; they add up to its billed hours."""

    line: InvoiceLine
    entries: list[EntryTime]

    @property
    def total_seconds(self) -> int:
        return sum(entry.seconds for entry in self.entries)


def client_zone(client: Client) -> ZoneInfo:
    return dates.zone(client.timezone or Organisation.current().timezone)


def _entry_time(row: LineTime, zone: ZoneInfo) -> EntryTime:
    entry = row.entry
    # A missing reverse one-to-one raises an AttributeError subclass, so getattr copes.
    action = getattr(entry, "action", None)
    if action is None or not action.client_visible:
        note, internal = INTERNAL_WORK, True
    else:
        status = action.get_new_status_display() if action.new_status else ""
        note = action.body.strip() or (f"Status changed to {status}" if status else "")
        internal = False
    return EntryTime(
        day=dates.local_date(entry.started_at, zone),
        agent=entry.agent.display_name,
        seconds=row.seconds,
        note=note,
        internal=internal,
    )


def _line_times(
    contact: Contact, lines: list[InvoiceLine], rows: QuerySet[LineTime], zone: ZoneInfo
) -> list[LineTimes]:
    """The lines' entries from one query (a 50-line invoice is not 50 queries)."""
    rows = (
        rows.filter(line__invoice__client_id=contact.client_id)
        .select_related("entry__agent", "entry__action")
        .order_by("entry__started_at", "pk")
    )
    by_line: dict[int, list[EntryTime]] = defaultdict(list)
    for row in rows:
        by_line[row.line_id].append(_entry_time(row, zone))
    return [LineTimes(line, by_line[line.pk]) for line in lines]


def invoice_times_for(contact: Contact, invoice: Invoice, zone: ZoneInfo) -> list[LineTimes]:
    """Every line of an invoice from `invoice_for` with the entries it bills (credit notes
    carry none: they take back the time of the invoice they correct)."""
    rows = LineTime.objects.filter(line__invoice_id=invoice.pk)
    return _line_times(contact, list(invoice.lines.all()), rows, zone)


def invoice_line_for(contact: Contact, invoice_id: int, line_id: int) -> tuple[Invoice, LineTimes]:
    invoice = invoice_for(contact, invoice_id)
    line = next((line for line in invoice.lines.all() if line.pk == line_id), None)
    if line is None:
        raise NotFound(f"Invoice line {line_id} not found.")
    rows = LineTime.objects.filter(line_id=line.pk)
    return invoice, _line_times(contact, [line], rows, client_zone(contact.client))[0]


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


def billed_time_for(contact: Contact) -> QuerySet[LineTime]:
    """The time the client's invoices bill: each entry's share of a line on an issued or paid
    invoice that no credit note has taken back. The same rows the invoice page lists under
    each line, so the statement and the invoices always agree."""
    return LineTime.objects.filter(
        line__invoice__client_id=contact.client_id,
        line__invoice__state__in=SENT_STATES,
        line__invoice__kind=InvoiceKind.INVOICE,
        line__invoice__credit_notes__isnull=True,
    )


def statement_for(contact: Contact, month: dt.date) -> Statement:
    """Billed hours by ticket on the invoices issued in `month` (after rounding and
    write-offs); a credited invoice bills nothing, so neither it nor its credit note counts."""
    first, last = month_bounds(month)
    rows = (
        billed_time_for(contact)
        .filter(
            line__invoice__issue_date__gte=first,
            line__invoice__issue_date__lte=last,
            line__ticket__isnull=False,
            line__ticket__client_id=contact.client_id,
        )
        .values("line__ticket_id", "line__ticket__summary")
        .annotate(seconds=Sum("seconds"))
        .order_by("line__ticket_id")
    )
    return Statement(
        month=first,
        rows=[
            StatementRow(row["line__ticket_id"], row["line__ticket__summary"], row["seconds"] or 0)
            for row in rows
            if row["seconds"]
        ],
    )
