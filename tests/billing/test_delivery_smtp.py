"""Invoice emails through a real SMTP server on loopback (aiosmtpd): what arrives, what a
refusal or a server that is down leaves on the delivery, and resending."""

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from tallyhour.billing import exports
from tallyhour.billing.delivery import invoice_send
from tallyhour.billing.models import DeliveryState, InvoiceDelivery
from tallyhour.core import tasks
from tests.billing.drafts import billing_contact, issued

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)


class Inbox:
    """An aiosmtpd handler keeping what it receives; `refuse` names mailboxes answered 550."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_settings(port: int) -> override_settings:
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=5,
    )


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp_settings(port):
            yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def invoice(org, billing, client_acme):
    org.name, org.email = "Northwind IT", "accounts@northwind.example"
    org.save()
    client_acme.billing_email = "ap@acme.example"
    client_acme.save()
    billing_contact(client_acme, "dana@acme.example")
    billing_contact(client_acme, "ap@acme.example", name="Accounts")  # also the billing email
    billing_contact(client_acme, "off@acme.example", is_active=False)
    billing_contact(client_acme, "quiet@acme.example", receives_invoices=False)
    return issued(client_acme, billing)


def test_invoice_arrives_with_both_attachments_intact(inbox, invoice, billing, monkeypatch):
    handler, _ = inbox
    made: dict[str, bytes] = {}
    real_pdf, real_xml = exports.invoice_pdf, exports.ubl_invoice
    monkeypatch.setattr(exports, "invoice_pdf", lambda inv: made.setdefault("pdf", real_pdf(inv)))
    monkeypatch.setattr(exports, "ubl_invoice", lambda inv: made.setdefault("xml", real_xml(inv)))
    delivery = invoice_send(invoice=invoice, actor=billing, now=NOW)
    assert delivery.state == DeliveryState.QUEUED and not handler.messages  # queued, not sent

    assert tasks.run_once(now=NOW) >= 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT, delivery.error
    [(rcpt, raw)] = handler.messages
    assert sorted(rcpt) == ["ap@acme.example", "dana@acme.example"]  # each once
    assert delivery.recipients == rcpt
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == f"Invoice {invoice.number} from Northwind IT"
    assert "accounts@northwind.example" in message["From"]
    assert message["Message-ID"] == delivery.message_id
    parts = {part.get_content_type(): part for part in message.iter_attachments()}
    assert parts["application/pdf"].get_content() == made["pdf"]
    assert parts["application/pdf"].get_filename() == f"{exports.filename(invoice)}.pdf"
    assert parts["application/xml"].get_content() == made["xml"]
    assert made["pdf"].startswith(b"%PDF") and made["xml"].startswith(b"<?xml")

    tasks.run_once(now=NOW + dt.timedelta(hours=1))  # running again sends nothing twice
    assert len(handler.messages) == 1


def test_refused_recipients_fail_at_once_and_a_resend_keeps_history(inbox, invoice, billing):
    handler, _ = inbox
    handler.refuse = {"dana@acme.example", "ap@acme.example"}
    first = invoice_send(invoice=invoice, actor=billing, now=NOW)
    tasks.run_once(now=NOW)
    first.refresh_from_db()
    assert first.state == DeliveryState.FAILED and first.attempts == 1
    assert "550" in first.error and "No such mailbox" in first.error

    handler.refuse = set()
    again = invoice_send(invoice=invoice, actor=billing, now=NOW)
    tasks.run_once(now=NOW)
    again.refresh_from_db()
    assert again.state == DeliveryState.SENT
    states = InvoiceDelivery.objects.filter(invoice=invoice).values_list("state", flat=True)
    assert list(states) == ["failed", "sent"]


def test_server_down_is_retried_then_failed(invoice, billing):
    with smtp_settings(free_port()):  # nothing listens there
        delivery = invoice_send(invoice=invoice, actor=billing, now=NOW)
        tasks.run_once(now=NOW)
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.QUEUED and delivery.attempts == 1
        assert "Connection" in delivery.error or "refused" in delivery.error
        for minutes in (6, 12):  # the queue retries five minutes after each failure
            tasks.run_once(now=NOW + dt.timedelta(minutes=minutes))
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.FAILED
        assert delivery.attempts == tasks.MAX_ATTEMPTS
