"""Payments: part and full, overpayment refused, a mistaken payment taken back, audited."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.billing.invoices import invoice_credit
from tallyhour.billing.models import InvoiceState
from tallyhour.billing.payments import payment_delete, payment_record, payment_record_balance
from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tests.billing.drafts import draft, issued

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 5)


def pay(invoice, amount, actor, **kw):
    return payment_record(
        invoice=invoice, amount=Decimal(amount), received_on=DAY, actor=actor, **kw
    )


def test_part_then_full_payment_makes_it_paid(billing, client_acme):
    invoice = issued(client_acme, billing)  # 100.00 + 20 % tax
    pay(invoice, "20.00", billing, reference="BACS 1", method="Bank transfer")
    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid, invoice.paid_at) == (
        InvoiceState.ISSUED,
        Decimal("20.00"),
        None,
    )
    pay(invoice, "100.00", billing)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.amount_paid == Decimal("120.00")
    assert invoice.paid_at is not None
    actions = [entry.action for entry in history_for(invoice)]
    assert actions.count("invoice.payment") == 2


def test_overpayment_is_refused_naming_the_field(billing, client_acme):
    invoice = issued(client_acme, billing)
    pay(invoice, "100.00", billing)
    with pytest.raises(InvalidInput) as refused:
        pay(invoice, "20.01", billing)
    assert refused.value.fields == {"amount": "at most 20.00"}
    pay(invoice, "20.00", billing)
    with pytest.raises(Conflict):
        pay(invoice, "0.01", billing)  # nothing left to pay


@pytest.mark.parametrize("amount", ["0", "-5", "1.001"])
def test_amount_must_be_positive_in_minor_units(billing, client_acme, amount):
    invoice = issued(client_acme, billing)
    with pytest.raises(InvalidInput) as refused:
        pay(invoice, amount, billing)
    assert "amount" in refused.value.fields


def test_drafts_credit_notes_void_and_no_charge_take_no_payment(billing, client_acme):
    with pytest.raises(Conflict):
        pay(draft(client_acme), "1.00", billing)
    with pytest.raises(Conflict):
        pay(draft(client_acme, state=InvoiceState.NO_CHARGE), "1.00", billing)
    original = issued(client_acme, billing)
    credit = invoice_credit(invoice=original, actor=billing, reason="Duplicate")
    with pytest.raises(Conflict):
        pay(credit, "1.00", billing)
    with pytest.raises(Conflict):
        pay(original, "1.00", billing)  # credited: nothing is owed any more


def test_deleting_a_payment_reopens_the_invoice(billing, client_acme):
    invoice = issued(client_acme, billing)
    payment = payment_record_balance(invoice=invoice, actor=billing)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and payment.amount == Decimal("120.00")
    payment_delete(invoice=invoice, payment_id=payment.pk, actor=billing, reason="Wrong client")
    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid, invoice.paid_at) == (
        InvoiceState.ISSUED,
        Decimal("0.00"),
        None,
    )
    last = history_for(invoice).order_by("-pk").first()
    assert last.action == "invoice.payment_delete" and last.reason == "Wrong client"
    assert last.before["state"] == "paid" and last.after["amount"] == "120.00"


def test_only_billing_records_payments(engineer, approver, billing, client_acme):
    invoice = issued(client_acme, billing)
    for outsider in (engineer, approver):
        with pytest.raises(Forbidden):
            pay(invoice, "1.00", outsider)
