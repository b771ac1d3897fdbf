"""Reads for billing: what is billable, invoices and runs."""

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import can_bill, require_billing
from tallyhour.billing.models import (
    DeliveryKind,
    Invoice,
    InvoiceDelivery,
    InvoiceLine,
    InvoiceRun,
    LineTime,
    Payment,
)
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import EntryState, TimeEntry


def check_billing(actor: User) -> None:
    require_billing(actor, "Billing is for billing and admin users.")


def cut_off_instant(cut_off: dt.date, org: Organisation | None = None) -> dt.datetime:
    """Work up to and including `cut_off` in the organisation's zone."""
    org = org or Organisation.current()
    return dates.local_midnight(cut_off + dt.timedelta(days=1), dates.zone(org.timezone))


def billed_line_times() -> QuerySet[LineTime]:
    """Entries' time on issued or paid invoices that no credit note has taken back, with
    each one's share of its line's amount (`micros`, in the invoice's currency): billed hours
    and revenue, for reports to join to the work."""
    return LineTime.objects.filter(billed=True)


def billable_entries(
    cut_off: dt.date, client_ids: list[int] | None = None, *, org: Organisation | None = None
) -> QuerySet[TimeEntry]:
    """Approved billable time not yet on an invoice line, worked up to the cut-off."""
    entries = TimeEntry.objects.filter(
        state=EntryState.APPROVED,
        is_billable=True,
        billable_seconds__gt=0,
        invoice_line__isnull=True,
        ticket__isnull=False,
        started_at__lt=cut_off_instant(cut_off, org),
        # Capped timers wait for their agent to confirm the time before anyone bills it.
        needs_review=False,
    )
    if client_ids:
        entries = entries.filter(ticket__client_id__in=client_ids)
    return entries


def waiting_review(
    cut_off: dt.date, client_ids: list[int] | None = None, *, org: Organisation | None = None
) -> QuerySet[TimeEntry]:
    """Approved billable time held back because a capped timer produced it."""
    entries = TimeEntry.objects.filter(
        state=EntryState.APPROVED,
        is_billable=True,
        invoice_line__isnull=True,
        ticket__isnull=False,
        started_at__lt=cut_off_instant(cut_off, org),
        needs_review=True,
    )
    if client_ids:
        entries = entries.filter(ticket__client_id__in=client_ids)
    return entries


def billable_groups(cut_off: dt.date, client_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """One row per client, ticket and charge type (the future invoice lines), summed in SQL."""
    rows = (
        billable_entries(cut_off, client_ids)
        .values("ticket__client_id", "ticket_id", "charge_type_id")
        .annotate(seconds=Sum("billable_seconds"), entries=Count("id"))
        .order_by("ticket__client_id", "ticket_id", "charge_type_id")
    )
    return [dict(row) for row in rows]


def invoices_visible_to(actor: User) -> QuerySet[Invoice]:
    check_billing(actor)
    return Invoice.objects.select_related("client")


def invoice_get(*, actor: User, invoice_id: int) -> Invoice:
    invoice = (
        invoices_visible_to(actor)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=InvoiceLine.objects.select_related("ticket", "charge_type").annotate(
                    entry_count=Count("entries")
                ),
            )
        )
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise NotFound(f"Invoice {invoice_id} not found.")
    return invoice


def runs_visible_to(actor: User) -> QuerySet[InvoiceRun]:
    check_billing(actor)
    return InvoiceRun.objects.select_related("started_by")


def line_entries(line: InvoiceLine) -> QuerySet[TimeEntry]:
    return line.entries.select_related("agent").order_by("started_at")


RECENT_INVOICES = 10


def client_page_invoices(actor: User, client: Client, today: dt.date) -> dict[str, Any]:
    """The client page's recent invoices: amounts, so billing and admin users only."""
    if not can_bill(actor):
        return {"invoices": []}
    invoices = Invoice.objects.filter(client=client).order_by("-created_at", "-pk")
    return {"invoices": list(invoices[:RECENT_INVOICES])}


def invoice_payments(invoice: Invoice) -> QuerySet[Payment]:
    return invoice.payments.order_by("received_on", "pk")


def invoice_deliveries(invoice: Invoice) -> QuerySet[InvoiceDelivery]:
    """Emails of an invoice and its reminders, oldest first, with who asked for each."""
    return invoice.deliveries.select_related("requested_by").order_by("queued_at", "pk")


def invoice_deliveries_marked(invoice: Invoice) -> list[InvoiceDelivery]:
    """The invoice's emails for its page: each invoice email after the first is a resend."""
    deliveries = list(invoice_deliveries(invoice))
    sent_before = False
    for delivery in deliveries:
        is_invoice = delivery.kind == DeliveryKind.INVOICE
        delivery.is_resend = is_invoice and sent_before  # type: ignore[attr-defined]
        sent_before = sent_before or is_invoice
    return deliveries
