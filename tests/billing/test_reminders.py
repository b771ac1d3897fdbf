"""Overdue reminders: when they are due, again every N days, never twice a day, and a
reminder by hand."""

import datetime as dt

import pytest
from django.core import mail

from tallyhour.billing.delivery import invoice_send, reminders_send
from tallyhour.billing.invoices import invoice_credit
from tallyhour.billing.models import DeliveryKind, InvoiceDelivery
from tallyhour.billing.payments import payment_record_balance
from tallyhour.core import tasks
from tallyhour.core.errors import Conflict
from tests.billing.drafts import billing_contact, issued

pytestmark = pytest.mark.django_db


def at(day: int, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, tzinfo=dt.UTC)


@pytest.fixture
def overdue(org, billing, client_acme):
    """Issued 1 December on 14 days' terms: due 15 December, reminded from the 22nd."""
    billing_contact(client_acme, "ap@acme.example")
    invoice = issued(client_acme, billing)
    assert invoice.due_date == dt.date(2026, 12, 15)
    return invoice


def reminders(invoice):
    return InvoiceDelivery.objects.filter(invoice=invoice, kind=DeliveryKind.REMINDER)


def test_first_reminder_after_the_grace_days_then_every_as_many(overdue):
    assert reminders_send(now=at(21)) == []
    [first] = reminders_send(now=at(22))
    assert (first.invoice_id, first.requested_by, first.recipients) == (
        overdue.pk,
        None,
        ["ap@acme.example"],
    )
    assert reminders_send(now=at(22) + dt.timedelta(hours=8)) == []  # never twice a day
    assert reminders_send(now=at(28)) == []
    assert len(reminders_send(now=at(29))) == 1
    assert reminders(overdue).count() == 2


def test_the_reminder_email_says_what_is_due(overdue):
    reminders_send(now=at(22))
    tasks.run_once(now=at(22))
    [message] = mail.outbox
    assert (
        message.subject
        == f"Reminder: invoice {overdue.number} from {overdue.seller_name} is overdue"
    )
    assert "Balance due: £120.00" in message.body
    assert [name for name, _, _ in message.attachments][0].endswith(".pdf")
    assert reminders(overdue).get().state == "sent"


def test_paid_credited_or_switched_off_get_no_reminder(org, overdue, billing, client_acme):
    org.overdue_reminder_days = 0
    org.save()
    assert reminders_send(now=at(22)) == []
    org.overdue_reminder_days = 7
    org.save()
    payment_record_balance(invoice=overdue, actor=billing)
    credited = issued(client_acme, billing)
    invoice_credit(invoice=credited, actor=billing, reason="Duplicate")
    assert reminders_send(now=at(22)) == []


def test_a_client_with_nobody_to_send_to_is_skipped(overdue, billing, client_acme, other_contact):
    client_acme.contacts.update(receives_invoices=False)
    assert reminders_send(now=at(22)) == []
    assert not reminders(overdue).exists()


def test_a_reminder_by_hand_counts_as_the_last_one(overdue, billing):
    invoice_send(invoice=overdue, actor=billing, kind=DeliveryKind.REMINDER, now=at(20))
    assert reminders_send(now=at(22)) == []  # reminded two days ago, by hand
    assert len(reminders_send(now=at(27))) == 1


def test_reminders_are_for_unpaid_invoices_only(overdue, billing):
    payment_record_balance(invoice=overdue, actor=billing)
    with pytest.raises(Conflict):
        invoice_send(invoice=overdue, actor=billing, kind=DeliveryKind.REMINDER)


def test_the_worker_runs_reminders_periodically(overdue):
    tasks.run_once(now=at(22))
    tasks.run_once(now=at(22) + dt.timedelta(hours=2))
    assert reminders(overdue).count() == 1


def test_a_reminder_queued_before_payment_is_not_sent(overdue, billing):
    [reminder] = reminders_send(now=at(22))
    payment_record_balance(invoice=overdue, actor=billing)
    tasks.run_once(now=at(22))
    reminder.refresh_from_db()
    assert reminder.state == "failed" and "paid" in reminder.error and not mail.outbox
