"""Writes for money received: payments against issued invoices.

`Invoice.amount_paid` is always the sum of the invoice's payments and `paid` always means the
payments reach the total, so "paid" can never be a flag someone set without recording money.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing.models import Invoice, InvoiceState, Payment
from tallyhour.billing.selectors import check_billing
from tallyhour.core import dates
from tallyhour.core.audit import Audited
from tallyhour.core.errors import Conflict, InvalidInput, NotFound, full_clean_or_invalid
from tallyhour.core.money import round_money

PAYMENT_FIELDS = ["state", "amount_paid", "paid_at"]


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _settle(invoice: Invoice, now: dt.datetime) -> None:
    """Recount what was paid and move the invoice between issued and paid to match."""
    paid = invoice.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    invoice.amount_paid = paid
    if invoice.total > 0 and paid >= invoice.total:
        invoice.state = InvoiceState.PAID
        invoice.paid_at = invoice.paid_at or now
    else:
        invoice.state, invoice.paid_at = InvoiceState.ISSUED, None
    invoice.save(update_fields=PAYMENT_FIELDS)


def _payment_details(payment: Payment) -> dict[str, str]:
    return {
        "payment": str(payment.pk),
        "amount": str(payment.amount),
        "received_on": payment.received_on.isoformat(),
        "reference": payment.reference,
        "method": payment.method,
    }


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal | None,
    received_on: dt.date | None,
    actor: User,
    reference: str = "",
    method: str = "",
    now: dt.datetime | None = None,
) -> Payment:
    """Record money received against an issued invoice, in full or in part."""
    check_billing(actor)
    now = now or dates.now()
    invoice = _lock(invoice)
    if invoice.is_credit_note or invoice.state not in (InvoiceState.ISSUED, InvoiceState.PAID):
        raise Conflict("Payments are recorded against issued invoices only.")
    if invoice.credit_notes.exists():
        raise Conflict(f"Invoice {invoice} has been credited; it takes no more payments.")
    fields = {}
    if amount is None or amount <= 0:
        fields["amount"] = "must be more than zero"
    elif amount != round_money(amount, invoice.currency):
        fields["amount"] = f"too many decimal places for {invoice.currency}"
    if received_on is None:
        fields["received_on"] = "required"
    if fields:
        raise InvalidInput("Give the amount received and the day it arrived.", fields=fields)
    assert amount is not None and received_on is not None
    balance = invoice.balance_due
    if balance <= 0:
        raise Conflict(f"Invoice {invoice} is already paid in full.")
    if amount > balance:
        # Refused rather than kept as credit: the client's money is then someone's decision.
        raise InvalidInput(
            f"{amount} is more than the balance due ({balance} {invoice.currency}).",
            fields={"amount": f"at most {balance}"},
        )
    change = Audited(invoice, PAYMENT_FIELDS)
    payment = Payment(
        invoice=invoice,
        amount=amount,
        received_on=received_on,
        reference=(reference or "").strip(),
        method=(method or "").strip(),
        recorded_by=actor,
        recorded_at=now,
    )
    full_clean_or_invalid(payment, exclude=["invoice", "recorded_by"])
    payment.save()
    _settle(invoice, now)
    change.record(actor=actor, action="invoice.payment", extra=_payment_details(payment))
    return payment


@transaction.atomic
def payment_record_balance(
    *, invoice: Invoice, actor: User, now: dt.datetime | None = None
) -> Payment:
    """ "Paid in full": a payment of the whole balance, received today."""
    now = now or dates.now()
    current = Invoice.objects.get(pk=invoice.pk)
    today = dates.local_date(now, dates.zone(Organisation.current().timezone))
    return payment_record(
        invoice=current,
        amount=current.balance_due,
        received_on=today,
        actor=actor,
        method="",
        reference="Paid in full",
        now=now,
    )


@transaction.atomic
def payment_delete(
    *,
    invoice: Invoice,
    payment_id: int,
    actor: User,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Invoice:
    """Take back a payment recorded by mistake; a paid invoice is issued (unpaid) again."""
    check_billing(actor)
    invoice = _lock(invoice)
    payment = invoice.payments.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(f"Payment {payment_id} is not on this invoice.")
    change = Audited(invoice, PAYMENT_FIELDS)
    details = _payment_details(payment)
    payment.delete()
    _settle(invoice, now or dates.now())
    change.record(
        actor=actor,
        action="invoice.payment_delete",
        reason=(reason or "").strip()[:2000],
        extra=details,
    )
    return invoice
