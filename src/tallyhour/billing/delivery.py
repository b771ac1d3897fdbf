"""Emailing invoices, credit notes and payment reminders to a client's billing contacts.

A send is queued, never done in the request: `invoice_send` writes an `InvoiceDelivery` row
(state queued) and a task in the same transaction, so a delivery exists exactly when its task
does. The worker's `delivery_run` builds the message (PDF and e-invoice XML attached) and hands
it to Django's mail backend, then records it sent (with its Message-ID) or the SMTP error.
"""

import datetime as dt
import logging
import smtplib
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing import exports
from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import (
    DeliveryKind,
    DeliveryState,
    Invoice,
    InvoiceDelivery,
    InvoiceKind,
    InvoiceState,
)
from tallyhour.billing.selectors import check_billing
from tallyhour.core import dates, tasks
from tallyhour.core.audit import audit_record
from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.crm.models import Client

log = logging.getLogger(__name__)

DELIVER_TASK = "billing.deliver"
SENDABLE = (InvoiceState.ISSUED, InvoiceState.PAID)


def billing_recipients(client: Client) -> list[str]:
    """Active contacts who receive invoices, then the client's billing address; each once."""
    emails = list(
        client.contacts.filter(is_active=True, receives_invoices=True)
        .order_by("name", "pk")
        .values_list("email", flat=True)
    )
    if client.billing_email:
        emails.append(client.billing_email)
    seen: set[str] = set()
    unique = []
    for email in emails:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            unique.append(email)
    return unique


def _recipients_or_refuse(client: Client) -> list[str]:
    recipients = billing_recipients(client)
    if not recipients:
        raise InvalidInput(
            f"Nobody receives invoices for {client.name}: tick 'Receives invoices' on "
            "a contact or give the client a billing email.",
            fields={"recipients": "none"},
        )
    return recipients


def _check_sendable(invoice: Invoice, kind: str) -> None:
    if invoice.state not in SENDABLE:
        # Drafts have no number yet and no-charge records are never sent to anyone.
        raise Conflict(f"{invoice.title} is {invoice.get_state_display().lower()}; not sent.")
    if kind == DeliveryKind.REMINDER and (
        invoice.is_credit_note or invoice.state != InvoiceState.ISSUED
    ):
        raise Conflict("Reminders are for issued invoices with a balance due.")


@transaction.atomic
def invoice_send(
    *,
    invoice: Invoice,
    actor: User | None,
    kind: str = DeliveryKind.INVOICE,
    now: dt.datetime | None = None,
) -> InvoiceDelivery:
    """Queue an email of an issued invoice or credit note (or a reminder) to the client.

    `actor` is None only for the scheduled reminders."""
    if actor is not None:
        check_billing(actor)
    if kind not in DeliveryKind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.", fields={"kind": "invoice or reminder"})
    now = now or dates.now()
    invoice = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
    _check_sendable(invoice, kind)
    recipients = _recipients_or_refuse(invoice.client)
    delivery = InvoiceDelivery.objects.create(
        invoice=invoice, kind=kind, recipients=recipients, requested_by=actor, queued_at=now
    )
    # The queue lives in the database: the task commits (or not) with the delivery row.
    tasks.enqueue(DELIVER_TASK, run_after=now, delivery_id=delivery.pk)
    audit_record(
        actor=actor,
        action="invoice.send" if kind == DeliveryKind.INVOICE else "invoice.remind",
        obj=invoice,
        after={"delivery": delivery.pk, "recipients": recipients},
    )
    return delivery


@transaction.atomic
def invoice_issue_and_send(
    *, invoice: Invoice, actor: User, now: dt.datetime | None = None
) -> InvoiceDelivery:
    """Issue a draft and queue its email; with nobody to send to, it is not issued either."""
    check_billing(actor)
    _recipients_or_refuse(invoice.client)
    issued = invoice_issue(invoice=invoice, actor=actor, now=now)
    return invoice_send(invoice=issued, actor=actor, now=now)


# --- the worker's side ---------------------------------------------------------------------


def _sender(org: Organisation) -> str:
    if org.email:
        return formataddr((org.name.replace("\n", " "), org.email))
    return settings.DEFAULT_FROM_EMAIL


def build_message(delivery: InvoiceDelivery, org: Organisation | None = None) -> EmailMessage:
    """The email for a delivery, from overridable templates under billing/email/."""
    org = org or Organisation.current()
    invoice = delivery.invoice
    context = {
        "invoice": invoice,
        "organisation": org,
        "balance": invoice.balance_due,
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
    }
    prefix = f"billing/email/{delivery.kind}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    body = render_to_string(f"{prefix}_body.txt", context)
    message = EmailMessage(
        subject=subject, body=body, from_email=_sender(org), to=delivery.recipients
    )
    message.extra_headers["Message-ID"] = make_msgid(domain=str(DNS_NAME))
    name = exports.filename(invoice)
    message.attach(f"{name}.pdf", exports.invoice_pdf(invoice), "application/pdf")
    message.attach(f"{name}.xml", exports.ubl_invoice(invoice), "application/xml")
    return message


def _permanent(exc: Exception) -> bool:
    """SMTP answers that another try would get again (unknown mailbox, refused sender)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {_text(text)}" for address, (code, text) in exc.recipients.items()
        )
        return f"Recipients refused: {refused}"
    return f"{type(exc).__name__}: {exc}"[:2000]


def delivery_run(*, delivery_id: int, now: dt.datetime | None = None) -> None:
    """Send one queued delivery. Safe to run twice: only a queued delivery is sent.

    A temporary failure is recorded and raised, so the queue tries again later; the last
    allowed attempt, or an SMTP refusal no retry would change, marks the delivery failed."""
    delivery = (
        InvoiceDelivery.objects.select_related("invoice__client").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.state != DeliveryState.QUEUED:
        return
    invoice = delivery.invoice
    if delivery.kind == DeliveryKind.REMINDER and (
        invoice.state != InvoiceState.ISSUED or invoice.credit_notes.exists()
    ):
        # Paid or credited between queueing and sending: chasing it now would be wrong.
        delivery.state = DeliveryState.FAILED
        delivery.error = "Not sent: the invoice was paid or credited meanwhile."
        delivery.save(update_fields=["state", "error"])
        return
    delivery.attempts += 1
    try:
        message = build_message(delivery)
        message.send()
    except Exception as exc:  # any failure is the delivery's story, told on the invoice page
        final = _permanent(exc) or delivery.attempts >= tasks.MAX_ATTEMPTS
        delivery.error = _reason(exc)
        delivery.state = DeliveryState.FAILED if final else DeliveryState.QUEUED
        delivery.save(update_fields=["attempts", "error", "state"])
        if final:
            audit_record(
                actor=None,
                action="invoice.send_failed",
                obj=delivery.invoice,
                after={"delivery": delivery.pk, "error": delivery.error},
            )
            return
        raise
    delivery.state, delivery.error = DeliveryState.SENT, ""
    delivery.sent_at = now or dates.now()
    delivery.message_id = message.extra_headers["Message-ID"]
    delivery.save(update_fields=["attempts", "error", "state", "sent_at", "message_id"])


# --- reminders -----------------------------------------------------------------------------


def reminders_due(
    today: dt.date, every_days: int, *, invoice_id: int | None = None
) -> list[Invoice]:
    """Issued, unpaid invoices `every_days` past due and not reminded for as long."""
    tz = dates.zone(Organisation.current().timezone)
    candidates = (
        Invoice.objects.filter(
            kind=InvoiceKind.INVOICE,
            state=InvoiceState.ISSUED,
            due_date__lte=today - dt.timedelta(days=every_days),
            credit_notes__isnull=True,
        )
        .select_related("client")
        .annotate(
            last_reminder=Max(
                "deliveries__queued_at", filter=Q(deliveries__kind=DeliveryKind.REMINDER)
            )
        )
        .order_by("due_date", "pk")
    )
    if invoice_id is not None:
        candidates = candidates.filter(pk=invoice_id)
    due: list[Invoice] = []
    for invoice in candidates:
        last = invoice.last_reminder
        # Any reminder row counts, failed ones too: a client is never chased twice a day.
        if last is None or (today - dates.local_date(last, tz)).days >= every_days:
            due.append(invoice)
    return due


def reminders_send(now: dt.datetime | None = None) -> list[InvoiceDelivery]:
    """The periodic job: queue a reminder for every invoice that is due one."""
    now = now or dates.now()
    org = Organisation.current()
    if not org.overdue_reminder_days:
        return []
    today = dates.local_date(now, dates.zone(org.timezone))
    queued = []
    for invoice in reminders_due(today, org.overdue_reminder_days):
        try:
            with transaction.atomic():
                # Recheck under the invoice's lock: a second run at the same time waits here,
                # then finds today's reminder and skips.
                Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
                if not reminders_due(today, org.overdue_reminder_days, invoice_id=invoice.pk):
                    continue
                queued.append(
                    invoice_send(invoice=invoice, actor=None, kind=DeliveryKind.REMINDER, now=now)
                )
        except (Conflict, InvalidInput) as exc:  # e.g. nobody to send to: skip this one
            log.warning("no reminder for invoice %s: %s", invoice.pk, exc)
    return queued
