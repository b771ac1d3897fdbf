"""API: invoice runs and invoices (billing and admin users only)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.billing import exports
from tallyhour.billing.invoices import (
    invoice_credit,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_purchase_order_set,
    invoice_void,
)
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceState
from tallyhour.billing.payments import payment_record_balance
from tallyhour.billing.pricing import ClientPlan as ClientPreview
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.billing.selectors import invoice_get, invoices_visible_to, runs_visible_to
from tallyhour.core.apikit.concurrency import (
    check_if_match,
    if_match_locked,
    lock_row,
    set_entity_tag,
)
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import (
    Day,
    ObjectId,
    Page,
    Paging,
    Text,
    error_responses,
    paginate,
)
from tallyhour.core.errors import NotFound
from tallyhour.core.idempotency import idempotency_header
from tallyhour.core.money import hours

router = Router(tags=["billing"])


class ClientPreviewOut(Schema):
    client_id: int
    client_name: str
    currency: str
    hours: Decimal = Field(..., description="Billable hours, 2 places.")
    subtotal: Decimal = Field(..., description="Before tax, in the client's currency.")
    entries: int = Field(..., description="Time entries that would be (or were) billed.")
    prepay_hours: Decimal = Field(..., description="Hours drawn from prepaid blocks.")
    overage_hours: Decimal = Field(..., description="Retainer hours beyond the allowance.")
    fees: Decimal = Field(..., description="Retainer fees included in the subtotal.")
    warnings: list[str] = Field(..., description="Capped timers, missing rates, overdrawn prepay.")

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

    @staticmethod
    def resolve_prepay_hours(preview: ClientPreview) -> Decimal:
        return hours(preview.prepay_seconds)

    @staticmethod
    def resolve_overage_hours(preview: ClientPreview) -> Decimal:
        return hours(preview.overage_seconds)

    @staticmethod
    def resolve_fees(preview: ClientPreview) -> Decimal:
        return preview.fee_total


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
    kind: str = Field(
        ..., description="time, prepay, retainer_included, overage, covered, fee, manual."
    )
    description: str
    ticket_id: int | None
    charge_type_id: int | None
    billed_seconds: int
    hours: Decimal = Field(..., alias="quantity", description="Billed hours, 4 places.")
    multiplier: Decimal = Field(..., description="Out-of-hours, weekend or holiday multiplier.")
    rate: Decimal = Field(..., description="Per hour, after multipliers.")
    amount: Decimal = Field(..., description="rate × billed time, rounded half-up per line.")
    entries: int = Field(..., description="Time entries billed on this line.")

    @staticmethod
    def resolve_entries(line: InvoiceLine) -> int:
        # invoice_get() annotates the count; fall back to a query for other callers.
        return getattr(line, "entry_count", None) or line.entries.count()


class InvoiceOut(Schema):
    id: int
    number: str | None = Field(..., description="Assigned when issued; gapless per year.")
    kind: str = Field(..., description="invoice or credit_note.")
    credits_id: int | None = Field(..., description="The invoice a credit note corrects.")
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
    tax_note: str
    purchase_order: str = Field(..., description="The buyer's reference (BT-13).")
    amount_paid: Decimal = Field(..., description="Sum of the payments recorded.")
    paid_at: dt.datetime | None
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


class InvoicePatch(Schema):
    purchase_order: Text = Field(..., max_length=64, description="Empty clears it.")


class CreditIn(Schema):
    reason: Text = Field(..., max_length=2_000)
    release_time: bool = Field(True, description="Free the billed time for the next run.")


class ManualLineIn(Schema):
    description: Text = Field(..., min_length=1, max_length=300)
    quantity: Decimal = Field(..., max_digits=12, decimal_places=4)
    unit_price: Decimal = Field(..., max_digits=12, decimal_places=4)


class RunOut(Schema):
    id: int
    state: str
    cut_off: dt.date
    clients_total: int
    clients_done: int
    invoice_count: int
    entry_count: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str


@router.post(
    "/invoice-runs",
    response={200: InvoiceRunOut, 201: InvoiceRunOut, **error_responses(403, 409, 422)},
    summary="Run invoicing (or preview it)",
    openapi_extra=examples(
        body={
            "preview": {"cut_off": "2026-11-30"},
            "commit two clients": {"cut_off": "2026-11-30", "client_ids": [3, 8], "commit": True},
        }
    ),
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
    client. A dry run (200) unless `commit` is true (201). Rerunning bills nothing twice, and
    a committed run repeated with its `Idempotency-Key` answers the first run."""
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
def get_invoice(request: AuthedRequest, invoice_id: ObjectId, response: HttpResponse) -> Invoice:
    """One invoice with its lines (hours × rate = amount) and totals. Its `ETag` can be sent
    in `If-Match` on any change (issue, void, lines, credit, paid) to refuse it (412) if the
    invoice changed meanwhile."""
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    set_entity_tag(response, invoice)
    return invoice


def _invoice_to_change(request: AuthedRequest, invoice_id: int) -> Invoice:
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    check_if_match(request, invoice)
    return invoice


def _tagged(request: AuthedRequest, response: HttpResponse, invoice_id: int) -> Invoice:
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    set_entity_tag(response, invoice)
    return invoice


@router.post(
    "/invoices/{invoice_id}/issue",
    response={200: InvoiceDetailOut, **error_responses(403, 404, 409, 412)},
    summary="Issue an invoice",
)
def issue_invoice(request: AuthedRequest, invoice_id: ObjectId, response: HttpResponse) -> Invoice:
    """Give a draft its gapless number and freeze it, with seller and buyer snapshots.
    Checks `If-Match`."""
    invoice = _invoice_to_change(request, invoice_id)
    with if_match_locked(request, lambda: lock_row(invoice)):
        invoice_issue(invoice=invoice, actor=request.auth)
    return _tagged(request, response, invoice_id)


@router.post(
    "/invoices/{invoice_id}/void",
    response={200: InvoiceDetailOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Void a draft invoice",
    openapi_extra=examples(body={"reason": {"reason": "Raised against the wrong client."}}),
)
def void_invoice(
    request: AuthedRequest, invoice_id: ObjectId, payload: VoidIn, response: HttpResponse
) -> Invoice:
    """Void a draft (a reason is required) and release its time for the next run. Issued
    invoices are corrected by credit notes instead (409). Checks `If-Match`."""
    invoice = _invoice_to_change(request, invoice_id)
    with if_match_locked(request, lambda: lock_row(invoice)):
        invoice_void(invoice=invoice, actor=request.auth, reason=payload.reason)
    return _tagged(request, response, invoice_id)


@router.patch(
    "/invoices/{invoice_id}",
    response={200: InvoiceDetailOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Update a draft invoice",
    openapi_extra=examples(body={"reference": {"purchase_order": "PO-4471"}}),
)
def update_invoice(
    request: AuthedRequest, invoice_id: ObjectId, payload: InvoicePatch, response: HttpResponse
) -> Invoice:
    """Set a draft's purchase-order reference (issued invoices never change: 409). Checks
    `If-Match`."""
    invoice = _invoice_to_change(request, invoice_id)
    with if_match_locked(request, lambda: lock_row(invoice)):
        invoice_purchase_order_set(
            invoice=invoice, purchase_order=payload.purchase_order, actor=request.auth
        )
    return _tagged(request, response, invoice_id)


@router.get(
    "/invoice-runs/{run_id}",
    response={200: RunOut, **error_responses(403, 404)},
    summary="Get an invoice run",
)
def get_run(request: AuthedRequest, run_id: ObjectId) -> Any:
    """A run's state and progress (clients done of clients planned) and its summary."""
    run = runs_visible_to(request.auth).filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"Invoice run {run_id} not found.")
    return run


@router.post(
    "/invoices/{invoice_id}/lines",
    response={201: InvoiceDetailOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Add a manual line to a draft",
    openapi_extra=examples(
        body={
            "hardware": {
                "description": "Replacement toner cartridge",
                "quantity": "2",
                "unit_price": "64.50",
            },
            "discount": {"description": "Loyalty discount", "quantity": "1", "unit_price": "-50"},
        }
    ),
)
def add_line(
    request: AuthedRequest,
    invoice_id: ObjectId,
    payload: ManualLineIn,
    response: HttpResponse,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """A manual line (quantity × unit price) on a draft invoice; answers the whole invoice.
    Checks `If-Match` against the invoice's `ETag`; honours `Idempotency-Key`."""
    invoice = _invoice_to_change(request, invoice_id)

    def add() -> Invoice:
        with if_match_locked(request, lambda: lock_row(invoice)):
            invoice_line_add(
                invoice=invoice,
                description=payload.description,
                quantity=payload.quantity,
                unit_price=payload.unit_price,
                actor=request.auth,
            )
        return _tagged(request, response, invoice_id)

    return created(
        request,
        payload=payload,
        schema=InvoiceDetailOut,
        create=add,
    )


@router.delete(
    "/invoices/{invoice_id}/lines/{line_id}",
    response={200: InvoiceDetailOut, **error_responses(403, 404, 409, 412)},
    summary="Remove a line from a draft",
)
def remove_line(
    request: AuthedRequest, invoice_id: ObjectId, line_id: ObjectId, response: HttpResponse
) -> Invoice:
    """Remove a draft's line and release its time (lines sharing its entries go too).
    Checks `If-Match` against the invoice's `ETag`."""
    invoice = _invoice_to_change(request, invoice_id)
    with if_match_locked(request, lambda: lock_row(invoice)):
        invoice_line_remove(invoice=invoice, line_id=line_id, actor=request.auth)
    return _tagged(request, response, invoice_id)


@router.post(
    "/invoices/{invoice_id}/credit",
    response={201: InvoiceDetailOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Credit an issued invoice",
    openapi_extra=examples(
        body={
            "re-bill the time": {"reason": "Wrong rate applied."},
            "write it all off": {"reason": "Goodwill after outage.", "release_time": False},
        }
    ),
)
def credit_invoice(
    request: AuthedRequest,
    invoice_id: ObjectId,
    payload: CreditIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Issue a credit note negating every line of an issued invoice; optionally release its
    time for re-billing. Returns the credit note. Checks `If-Match` against the credited
    invoice's `ETag`; honours `Idempotency-Key`."""
    invoice = _invoice_to_change(request, invoice_id)

    def credit() -> Invoice:
        with if_match_locked(request, lambda: lock_row(invoice)):
            note = invoice_credit(
                invoice=invoice,
                actor=request.auth,
                reason=payload.reason,
                release_time=payload.release_time,
            )
        return invoice_get(actor=request.auth, invoice_id=note.pk)

    return created(
        request,
        payload=payload,
        schema=InvoiceDetailOut,
        create=credit,
    )


@router.post(
    "/invoices/{invoice_id}/paid",
    response={200: InvoiceDetailOut, **error_responses(403, 404, 409, 412)},
    summary="Mark an invoice paid in full",
)
def mark_paid(request: AuthedRequest, invoice_id: ObjectId, response: HttpResponse) -> Invoice:
    """Record a payment of the whole balance, received today (see `payments` for part
    payments, dates and references): `paid` always means money recorded. Checks
    `If-Match`."""
    invoice = _invoice_to_change(request, invoice_id)
    with if_match_locked(request, lambda: lock_row(invoice)):
        payment_record_balance(invoice=invoice, actor=request.auth)
    return _tagged(request, response, invoice_id)


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None, **error_responses(403, 404)},
    summary="Download an invoice as PDF",
)
def invoice_pdf(request: AuthedRequest, invoice_id: ObjectId, entries: bool = False) -> Any:
    """The invoice as a PDF; `entries=true` appends the time entries behind each line."""
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    response = HttpResponse(
        exports.invoice_pdf(invoice, with_entries=entries), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(invoice)}.pdf"'
    return response


@router.get(
    "/invoices/{invoice_id}/ubl",
    response={200: None, **error_responses(403, 404)},
    summary="Download an invoice as an EN 16931 e-invoice",
)
def invoice_ubl(request: AuthedRequest, invoice_id: ObjectId) -> Any:
    """UBL 2.1 XML following EN 16931 (credit notes as type code 381)."""
    invoice = invoice_get(actor=request.auth, invoice_id=invoice_id)
    response = HttpResponse(exports.ubl_invoice(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(invoice)}.xml"'
    return response
