"""Payment and delivery state of an invoice for lists and pages; `{% load billing_status %}`."""

from collections.abc import Iterable
from decimal import Decimal

from django import template

from tallyhour.accounts.models import Organisation
from tallyhour.billing import selectors
from tallyhour.billing.models import (
    DeliveryKind,
    Invoice,
    InvoiceDelivery,
    InvoiceState,
    Payment,
)
from tallyhour.billing.payments import balance_due as invoice_balance
from tallyhour.core import dates

register = template.Library()


@register.filter
def balance_due(invoice: Invoice) -> Decimal:
    return invoice_balance(invoice)


@register.filter
def drafts_only(invoices: Iterable[Invoice]) -> list[Invoice]:
    return [invoice for invoice in invoices if invoice.state == InvoiceState.DRAFT]


@register.simple_tag
def payments_of(invoice: Invoice) -> list[Payment]:
    # Tags rather than view context so the invoice page's view stays as it is.
    return list(selectors.invoice_payments(invoice))


@register.simple_tag
def deliveries_of(invoice: Invoice) -> list[InvoiceDelivery]:
    """The invoice's emails, each invoice email after the first marked as a resend."""
    deliveries = list(selectors.invoice_deliveries(invoice))
    sent_before = False
    for delivery in deliveries:
        is_invoice = delivery.kind == DeliveryKind.INVOICE
        delivery.is_resend = is_invoice and sent_before  # type: ignore[attr-defined]
        sent_before = sent_before or is_invoice
    return deliveries


@register.simple_tag(takes_context=True)
def payment_status(context: template.Context, invoice: Invoice) -> str:
    """ "Overdue", "Part paid" or "" for an issued invoice (paid shows as its state)."""
    if invoice.state != InvoiceState.ISSUED or invoice.is_credit_note:
        return ""
    # The organisation's today, looked up once per rendering rather than once per row.
    cache = context.render_context
    if "org_today" not in cache:
        cache["org_today"] = dates.local_date(
            dates.now(), dates.zone(Organisation.current().timezone)
        )
    today = cache["org_today"]
    if invoice.due_date and invoice.due_date < today:
        return "Overdue"
    if invoice.amount_paid > 0:
        return "Part paid"
    return ""
