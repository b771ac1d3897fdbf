"""API: invoice runs and invoices (billing and admin users only)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Header, Query, Router, Schema, Status

from tallyhour.api.auth import AuthedRequest
from tallyhour.api.schemas import Day, ObjectId, Page, Paging, Text, error_responses, paginate
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceState
from tallyhour.billing.selectors import invoice_get, invoices_visible_to
from tallyhour.billing.services import (
    ClientPreview,
    invoice_issue,
    invoice_run_execute,
    invoice_void,
)
from tallyhour.core.money import hours

router = Router(tags=["billing"])


class ClientPreviewOut(Schema):
    client_id: int
    client_name: str
    currency: str
    hours: Decimal = Field(..., description="Billable hours, 2 places.")
    subtotal: Decimal = Field(..., description="Before tax, in the client's currency.")
    entries: int = Field(..., description="Time entries that would be (or were) billed.")

    @staticmethod
    def resolve_client_id(preview: ClientPreview) -> int:
        return preview.client.pk

    @staticmethod
    def resolve_client_name(preview: ClientPreview) -> str:
        return preview.client.name

    @staticmethod
    def resolve_currency(preview: ClientPreview) -> str:
        return preview.client.currency

    @staticmethod
    def resolve_hours(preview: ClientPreview) -> Decimal:
        return hours(preview.seconds)


class InvoiceRunIn(Schema):
    cut_off: Day = Field(..., description="Bill work up to and including this day.")
    client_ids: list[ObjectId] = Field(
        default_factory=list, max_length=10_000, description="Empty bills every client."
    )
    commit: bool = Field(False, description="false (default) previews without writing.")


class InvoiceRunOut(Schema):
    run_id: int | None = Field(..., description="null on a dry run.")
    committed: bool
    cut_off: dt.date
    clients: list[ClientPreviewOut] = Field(
        ..., description="What the run bills per client (empty when an Idempotency-Key repeats)."
    )
    invoice_ids: list[int] = Field(..., description="Draft invoices the run created.")


class InvoiceLineOut(Schema):
    id: int
    description: str
    ticket_id: int | None
    charge_type_id: int | None
    billed_seconds: int
    hours: Decimal = Field(..., alias="quantity", description="Billed hours, 4 places.")
    rate: Decimal = Field(..., description="Per hour.")
    amount: Decimal = Field(..., description="rate × billed time, rounded half-up per line.")
    entries: int = Field(..., description="Time entries billed on this line.")

    @staticmethod
    def resolve_entries(line: InvoiceLine) -> int:
        # invoice_get() annotates the count; fall back to a query for other callers.
        return getattr(line, "entry_count", None) or line.entries.count()


class InvoiceOut(Schema):
    id: int
    number: str | None = Field(..., description="Assigned when issued; gapless per year.")
    state: InvoiceState
    client_id: int
    client_name: str
    currency: str
    tax_rate: Decimal
    subtotal: Decimal
    tax_amount: Decimal
    total: Decimal
    period_end: dt.date
    issue_date: dt.date | None
    due_date: dt.date | None
    run_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_client_name(invoice: Invoice) -> str:
        return invoice.buyer_name or invoice.client.name


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]


class InvoiceFilters(Paging):
    state: InvoiceState | None = None
    client_id: ObjectId | None = None


class VoidIn(Schema):
    reason: Text = Field(..., max_length=2_000)


@router.post(
    "/invoice-runs",
    response={200: InvoiceRunOut, 201: InvoiceRunOut, **error_responses(403, 409, 422)},
    summary="Run invoicing (or preview it)",
)
def run_invoices(
    request: AuthedRequest,
    payload: InvoiceRunIn,
    idempotency_key: Annotated[
        Text | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=100,
            description="Repeat a committed run safely: the same key returns the first run.",
        ),
    ] = None,
) -> Status:
    """Turn approved, uninvoiced billable time up to `cut_off` into one draft invoice per
    client. A dry run (200) unless `commit` is true (201). Rerunning bills nothing twice."""
    result = invoice_run_execute(
        cut_off=payload.cut_off,
        client_ids=payload.client_ids,
        commit=payload.commit,
        idempotency_key=idempotency_key,
        actor=request.auth,
    )
    body = {
        "run_id": result.run.pk if result.run else None,
        "committed": result.run is not None,
        "cut_off": result.run.cut_off if result.run else payload.cut_off,
        "clients": result.previews,
        "invoice_ids": [invoice.pk for invoice in result.invoices],
    }
    return Status(201 if result.run else 200, body)


@router.get(
    "/invoices",
    response={200: Page[InvoiceOut], **error_responses(403, 422)},
    summary="List invoices",
)
def list_invoices(request: AuthedRequest, filters: Query[InvoiceFilters]) -> dict[str, Any]:
    """Invoices, newest first, optionally by state and client; paged."""
    invoices = invoices_visible_to(request.auth)
    if filters.state is not None:
        invoices = invoices.filter(state=filters.state)
    if filters.client_id is not None:
        invoices = invoices.filter(client_id=filters.client_id)
    return paginate(invoices, filters)


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceDetailOut, **error_responses(403, 404)},
    summary="Get an invoice",
)
def get_invoice(request: AuthedRequest, invoice_id: ObjectId) -> Invoice:
    """One invoice with its lines (hours × rate = amount) and totals."""
    return invoice_get(actor=request.auth, invoice_id=invoice_id)


@router.post(
    "/invoices/{invoice_id}/issue",
    response={200: InvoiceDetailOut, **error_responses(403, 404, 409)},
    summary="Issue an invoice",
)
def issue_invoice(request: AuthedRequest, invoice_id: ObjectId) -> Invoice:
    """Give a draft its gapless number and freeze it, with seller and buyer snapshots."""
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    invoice_issue(invoice=invoice, actor=request.auth)
    return invoice_get(actor=request.auth, invoice_id=invoice_id)


@router.post(
    "/invoices/{invoice_id}/void",
    response={200: InvoiceDetailOut, **error_responses(403, 404, 409, 422)},
    summary="Void a draft invoice",
)
def void_invoice(request: AuthedRequest, invoice_id: ObjectId, payload: VoidIn) -> Invoice:
    """Void a draft (a reason is required) and release its time for the next run. Issued
    invoices are corrected by credit notes instead (409)."""
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    invoice_void(invoice=invoice, actor=request.auth, reason=payload.reason)
    return invoice_get(actor=request.auth, invoice_id=invoice_id)
