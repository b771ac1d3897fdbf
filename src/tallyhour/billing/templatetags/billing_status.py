"""Payment and delivery state of an invoice for lists and pages; `{% load billing_status %}`."""

from collections.abc import Iterable

from django import template

from tallyhour.accounts.models import Organisation
from tallyhour.billing.models import (
    Invoice,
    InvoiceState,
)
from tallyhour.core import dates

register = template.Library()


@register.filter
def drafts_only(invoices: Iterable[Invoice]) -> list[Invoice]:
    return [invoice for invoice in invoices if invoice.state == InvoiceState.DRAFT]


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
