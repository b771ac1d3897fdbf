"""API: payments, emailing invoices and reminders, and issuing a run's drafts in bulk."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.billing.bulk import invoice_run_issue
from tallyhour.billing.delivery import invoice_send
from tallyhour.billing.models import DeliveryKind, Invoice, Payment
from tallyhour.billing.payments import payment_delete, payment_record
from tallyhour.billing.selectors import invoice_get, runs_visible_to
from tallyhour.core.apikit.concurrency import (
    check_if_match,
    if_match_locked,
    lock_row,
)
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import Day, ObjectId, Page, Paging, Text, error_responses
from tallyhour.core.apikit.schemas import paginate as paginate_queryset
from tallyhour.core.errors import NotFound
from tallyhour.core.idempotency import idempotency_header

router = Router(tags=["billing"])


class PaymentIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    received_on: Day = Field(..., description="The day the money arrived.")
    reference: Text = Field("", max_length=100, description="Bank reference, cheque number…")
    method: Text = Field("", max_length=40, description="Bank transfer, card, …")


class PaymentOut(Schema):
    id: int
    invoice_id: int
    amount: Decimal
    received_on: dt.date
    reference: str
    method: str
    recorded_by_id: int | None
    recorded_at: dt.datetime


class DeliveryOut(Schema):
    id: int
    invoice_id: int
    kind: str = Field(..., description="invoice (an invoice or credit note) or reminder.")
    state: str = Field(..., description="queued, sent or failed.")
    recipients: list[str]
    error: str = Field(..., description="Why the last attempt failed (the SMTP answer).")
    attempts: int
    requested_by_id: int | None = Field(..., description="null for scheduled reminders.")
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    message_id: str


class SendIn(Schema):
    kind: DeliveryKind = Field(DeliveryKind.INVOICE, description="invoice or reminder.")


class RunIssueIn(Schema):
    invoice_ids: list[ObjectId] | None = Field(
        None, max_length=10_000, description="Drafts of the run to issue; omitted: all drafts."
    )
    send: bool = Field(False, description="Also email each issued invoice to its client.")


class PaymentDeleteIn(Schema):
    reason: Text = Field("", max_length=2_000, description="Why it was a mistake (audited).")


class IssueOutcomeOut(Schema):
    invoice_id: int
    ok: bool
    number: str | None
    delivery_id: int | None
    error: str


class RunIssueOut(Schema):
    issued: int
    failed: int
    results: list[IssueOutcomeOut]


def _invoice_to_change(request: AuthedRequest, invoice_id: int) -> Invoice:
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    check_if_match(request, invoice)
    return invoice


@router.get(
    "/invoices/{invoice_id}/payments",
    response={200: Page[PaymentOut], **error_responses(403, 404, 422)},
    summary="List an invoice's payments",
)
def list_payments(
    request: AuthedRequest, invoice_id: ObjectId, paging: Query[Paging]
) -> dict[str, Any]:
    """Money recorded against the invoice, oldest first; `amount_paid` on the invoice is
    their sum."""
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    return paginate_queryset(invoice.payments.order_by("received_on", "pk"), paging)


@router.post(
    "/invoices/{invoice_id}/payments",
    response={201: PaymentOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Record a payment",
    openapi_extra=examples(
        body={
            "part payment": {"amount": "250.00", "received_on": "2026-12-10"},
            "with reference": {
                "amount": "1200.00",
                "received_on": "2026-12-12",
                "reference": "BACS 88231",
                "method": "Bank transfer",
            },
        }
    ),
)
def record_payment(
    request: AuthedRequest,
    invoice_id: ObjectId,
    payload: PaymentIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Record money received against an issued invoice, in full or in part; the invoice is
    `paid` once the payments reach its total. More than the balance due is refused (422 on
    `amount`). Checks `If-Match` against the invoice's `ETag`; honours `Idempotency-Key`."""
    invoice = _invoice_to_change(request, invoice_id)

    def record() -> Payment:
        with if_match_locked(request, lambda: lock_row(invoice)):
            return payment_record(
                invoice=invoice,
                amount=payload.amount,
                received_on=payload.received_on,
                reference=payload.reference,
                method=payload.method,
                actor=request.auth,
            )

    return created(request, payload=payload, schema=PaymentOut, create=record)


@router.delete(
    "/invoices/{invoice_id}/payments/{payment_id}",
    response={204: None, **error_responses(403, 404, 412, 422)},
    summary="Remove a payment recorded by mistake",
)
def delete_payment(
    request: AuthedRequest,
    invoice_id: ObjectId,
    payment_id: ObjectId,
    why: Query[PaymentDeleteIn],
) -> Any:
    """Take back a mistaken payment (audited, with an optional `reason`); a paid invoice is
    issued and unpaid again. Checks `If-Match` against the invoice's `ETag`."""
    invoice = _invoice_to_change(request, invoice_id)
    with if_match_locked(request, lambda: lock_row(invoice)):
        payment_delete(
            invoice=invoice, payment_id=payment_id, actor=request.auth, reason=why.reason
        )
    return Status(204, None)


@router.get(
    "/invoices/{invoice_id}/deliveries",
    response={200: Page[DeliveryOut], **error_responses(403, 404, 422)},
    summary="List an invoice's emails",
)
def list_invoice_deliveries(
    request: AuthedRequest, invoice_id: ObjectId, paging: Query[Paging]
) -> dict[str, Any]:
    """Every email of the invoice and its reminders, oldest first: queued, sent (with the
    Message-ID) or failed (with the reason). A resend is a new delivery; history is kept."""
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    return paginate_queryset(invoice.deliveries.order_by("queued_at", "pk"), paging)


@router.post(
    "/invoices/{invoice_id}/send",
    response={202: DeliveryOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Email an invoice (or a reminder)",
    openapi_extra=examples(body={"send": {}, "remind": {"kind": "reminder"}}),
)
def send_invoice(
    request: AuthedRequest,
    invoice_id: ObjectId,
    payload: SendIn,
) -> Any:
    """Queue an email of an issued invoice or credit note (or a payment reminder) to the
    client's billing contacts, with the PDF and the e-invoice XML attached. Answers 202 with
    the queued delivery; follow it in `deliveries`. Sending again is a resend. 422 when
    nobody receives the client's invoices. Checks `If-Match`."""
    invoice = _invoice_to_change(request, invoice_id)
    with if_match_locked(request, lambda: lock_row(invoice)):
        delivery = invoice_send(invoice=invoice, actor=request.auth, kind=payload.kind)
    return Status(202, delivery)


@router.post(
    "/invoice-runs/{run_id}/issue",
    response={200: RunIssueOut, **error_responses(403, 404, 422)},
    summary="Issue a run's drafts",
    openapi_extra=examples(
        body={"issue all": {}, "issue and send two": {"invoice_ids": [41, 42], "send": True}}
    ),
)
def issue_run(request: AuthedRequest, run_id: ObjectId, payload: RunIssueIn) -> dict[str, Any]:
    """Issue the drafts of a run (all, or `invoice_ids`), each in its own transaction, and
    with `send` queue each one's email. One that fails is reported in `results` with its
    reason; the others are issued anyway."""
    run = runs_visible_to(request.auth).filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"Invoice run {run_id} not found.")
    outcomes = invoice_run_issue(
        run=run, actor=request.auth, invoice_ids=payload.invoice_ids, send=payload.send
    )
    issued = sum(1 for outcome in outcomes if outcome.ok)
    return {"issued": issued, "failed": len(outcomes) - issued, "results": outcomes}
