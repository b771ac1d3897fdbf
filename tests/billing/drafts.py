"""Draft and issued invoices made directly, for payment and delivery tests."""

import datetime as dt
from decimal import Decimal

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import Invoice, InvoiceLine
from tallyhour.crm.models import Client, Contact
from tests.conftest import MONDAY

ISSUE_AT = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)


def draft(client: Client, amount: str = "100.00", **fields) -> Invoice:
    """A draft with one manual line of `amount` (tax from the client)."""
    invoice = Invoice.objects.create(
        client=client,
        currency=client.currency,
        tax_rate=client.tax_rate,
        period_end=MONDAY,
        buyer_name=client.name,
        **fields,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        kind="manual",
        description="Remote support",
        quantity=Decimal("1"),
        rate=Decimal(amount),
        base_rate=Decimal(amount),
        amount=Decimal(amount),
    )
    invoice.subtotal = Decimal(amount)
    invoice.tax_amount = Decimal(amount) * invoice.tax_rate / 100
    invoice.total = invoice.subtotal + invoice.tax_amount
    invoice.save()
    return invoice


def issued(client: Client, actor, amount: str = "100.00", now=ISSUE_AT) -> Invoice:
    return invoice_issue(invoice=draft(client, amount), actor=actor, now=now)


def billing_contact(client: Client, email: str, **fields) -> Contact:
    fields.setdefault("receives_invoices", True)
    fields.setdefault("name", email.split("@")[0])
    return Contact.objects.create(client=client, email=email, **fields)
