"""Billing pages: preview and commit an invoice run, list invoices, issue or void them."""

import datetime as dt
import secrets
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tallyhour.accounts.models import Organisation
from tallyhour.accounts.requests import PageRequest
from tallyhour.billing import documents, exports, payments, runs, selectors
from tallyhour.billing import invoices as invoicing
from tallyhour.billing.forms import ManualLineForm, RunForm, VoidForm
from tallyhour.billing.models import InvoiceState
from tallyhour.billing.pricing import ClientPlan
from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput, NotFound
from tallyhour.core.htmx import done, render_page
from tallyhour.core.pageerrors import back_on_error, errors_as_page, form_call
from tallyhour.timetracking.models import TimeEntry

INVOICES_PER_PAGE = 50


def _org_today() -> dt.date:
    return dates.local_date(dates.now(), dates.zone(Organisation.current().timezone))


def _totals_by_currency(previews: list[ClientPlan]) -> list[dict[str, Any]]:
    """Grand totals per currency: amounts in different currencies are never added up."""
    totals: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"clients": 0, "entries": 0, "seconds": 0, "subtotal": Decimal("0")}
    )
    for preview in previews:
        row = totals[preview.client.currency]
        row["clients"] += 1
        row["entries"] += preview.entries
        row["seconds"] += preview.seconds
        row["subtotal"] += preview.subtotal
    return [{"currency": code, **row} for code, row in sorted(totals.items())]


@login_required
@require_GET
@errors_as_page
def run_page(request: PageRequest) -> HttpResponse:
    """The invoice-run form; with a cut-off it shows what a run would bill (a dry run)."""
    selectors.check_billing(request.user)
    bound = "cut_off" in request.GET
    form = RunForm(request.GET if bound else None, initial={"cut_off": _org_today()})
    previews: list[ClientPlan] | None = None
    status = 200
    if bound and form.is_valid():
        result, status = form_call(
            form,
            runs.invoice_run_execute,
            cut_off=form.cleaned_data["cut_off"],
            actor=request.user,
            client_ids=form.client_ids,
            commit=False,
        )
        previews = result.previews if result is not None else None
    elif bound:
        status = 422
    context = {
        "form": form,
        "previews": previews,
        "totals": _totals_by_currency(previews or []),
        # One key per preview: a double-clicked Commit returns the first run, not a second one.
        "idempotency_key": "web-" + secrets.token_hex(16),
        "runs": selectors.runs_visible_to(request.user)[:8],
    }
    return render(request, "billing/run.html", context, status=status)


@login_required
@require_POST
def run_commit(request: PageRequest) -> HttpResponse:
    back = reverse("billing:run")
    form = RunForm(request.POST)
    back_on_error(request, back)
    if not form.is_valid():
        raise InvalidInput("Choose a valid cut-off date.")
    result = runs.invoice_run_execute(
        cut_off=form.cleaned_data["cut_off"],
        actor=request.user,
        client_ids=form.client_ids,
        commit=True,
        idempotency_key=(request.POST.get("idempotency_key") or "")[:100] or None,
    )
    run = result.run
    assert run is not None
    count = len(result.invoices)
    message = (
        f"Invoice run {run.pk} created {count} draft invoice{'s' if count != 1 else ''}."
        if count
        else f"Invoice run {run.pk} found nothing left to bill."
    )
    return done(request, message, reverse("billing:run_detail", args=[run.pk]))


@login_required
@require_GET
@errors_as_page
def invoice_list(request: PageRequest) -> HttpResponse:
    invoices = selectors.invoices_visible_to(request.user)
    state = request.GET.get("state", "")
    if state in InvoiceState.values:
        invoices = invoices.filter(state=state)
    run = request.GET.get("run", "")
    if run.isdigit():
        invoices = invoices.filter(run_id=int(run))
    page = Paginator(invoices.order_by("-created_at", "-id"), INVOICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = "&".join(f"{k}={v}" for k, v in (("state", state), ("run", run)) if v)
    context = {
        "page": page,
        "state": state,
        "run": run,
        "states": InvoiceState.choices,
        "query": query,
    }
    return render_page(
        request, "billing/invoice_list.html", "billing/partials/invoice_table.html", context
    )


@login_required
@require_GET
@errors_as_page
def invoice_detail(request: PageRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    lines = list(invoice.lines.all())
    # Every entry behind every line in one query (not one per line).
    by_line: dict[int, list[TimeEntry]] = defaultdict(list)
    entries = (
        TimeEntry.objects.filter(invoice_line__invoice=invoice)
        .select_related("agent", "agent__agent")
        .order_by("started_at", "id")
    )
    for entry in entries:
        by_line[entry.invoice_line_id].append(entry)  # type: ignore[index]
    for line in lines:
        line.entry_list = by_line.get(line.pk, [])  # type: ignore[attr-defined]
    org = Organisation.current()
    context = {
        "invoice": invoice,
        "lines": lines,
        "organisation": org,
        "doc": documents.build(invoice, organisation=org),
        "void_form": VoidForm(),
        # Only issued documents have payments (not credit notes) and deliveries.
        "payments": list(selectors.invoice_payments(invoice))
        if invoice.number and not invoice.is_credit_note
        else [],
        "deliveries": selectors.invoice_deliveries_marked(invoice) if invoice.number else [],
        # A payment is usually recorded the day it arrives.
        "today": dates.local_date(dates.now(), dates.zone(org.timezone)),
    }
    return render(request, "billing/invoice_detail.html", context)


@login_required
@require_POST
def invoice_issue(request: PageRequest, invoice_id: int) -> HttpResponse:
    back = reverse("billing:invoice_detail", args=[invoice_id])
    back_on_error(request, back)
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    invoice = invoicing.invoice_issue(invoice=invoice, actor=request.user)
    return done(request, f"Issued invoice {invoice.number}.", back)


@login_required
@require_POST
def invoice_void(request: PageRequest, invoice_id: int) -> HttpResponse:
    back = reverse("billing:invoice_detail", args=[invoice_id])
    form = VoidForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    back_on_error(request, back)
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    invoicing.invoice_void(invoice=invoice, actor=request.user, reason=reason)
    return done(request, "Draft voided; its time is free for the next run.", back)


def _invoice_action(
    request: PageRequest, invoice_id: int, action: Any, message: str
) -> HttpResponse:
    back = reverse("billing:invoice_detail", args=[invoice_id])
    back_on_error(request, back)
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    result = action(invoice)
    target = back
    if getattr(result, "pk", invoice.pk) != invoice.pk and hasattr(result, "number"):
        target = reverse("billing:invoice_detail", args=[result.pk])
    return done(request, message, target)


@login_required
@require_POST
def invoice_line_remove(request: PageRequest, invoice_id: int, line_id: int) -> HttpResponse:
    return _invoice_action(
        request,
        invoice_id,
        lambda inv: invoicing.invoice_line_remove(invoice=inv, line_id=line_id, actor=request.user),
        "Line removed; its time is free for the next run.",
    )


@login_required
@require_POST
def invoice_reference(request: PageRequest, invoice_id: int) -> HttpResponse:
    """The draft's purchase-order reference, printed on the document."""
    detail = reverse("billing:invoice_detail", args=[invoice_id])
    back_on_error(request, detail)
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    invoicing.invoice_purchase_order_set(
        invoice=invoice, purchase_order=request.POST.get("purchase_order", ""), actor=request.user
    )
    return done(request, "Reference saved.", detail)


@login_required
@require_POST
def invoice_line_add(request: PageRequest, invoice_id: int) -> HttpResponse:
    form = ManualLineForm(request.POST)
    if not form.is_valid():
        back_on_error(request, reverse("billing:invoice_detail", args=[invoice_id]))
        raise InvalidInput("Give a description, a quantity and a unit price.")
    data = form.cleaned_data
    return _invoice_action(
        request,
        invoice_id,
        lambda inv: invoicing.invoice_line_add(
            invoice=inv,
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            actor=request.user,
        ),
        "Line added.",
    )


@login_required
@require_POST
def invoice_credit(request: PageRequest, invoice_id: int) -> HttpResponse:
    reason = (request.POST.get("reason") or "")[:2000]
    release = request.POST.get("release_time") == "on"
    return _invoice_action(
        request,
        invoice_id,
        lambda inv: invoicing.invoice_credit(
            invoice=inv, actor=request.user, reason=reason, release_time=release
        ),
        "Credit note issued.",
    )


@login_required
@require_POST
def invoice_paid(request: PageRequest, invoice_id: int) -> HttpResponse:
    return _invoice_action(
        request,
        invoice_id,
        # "Paid in full" records a payment of the balance: paid always means money recorded.
        lambda inv: payments.payment_record_balance(invoice=inv, actor=request.user),
        "Payment of the balance recorded; the invoice is paid.",
    )


@never_cache
@login_required
@require_GET
@errors_as_page
def invoice_download(request: PageRequest, invoice_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "xml", "csv"):
        raise NotFound(f"No {fmt} download.")
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    name = exports.filename(invoice)
    if fmt == "pdf":
        body = exports.invoice_pdf(invoice, with_entries=request.GET.get("entries") == "1")
        response = HttpResponse(body, content_type="application/pdf")
    elif fmt == "xml":
        response = HttpResponse(exports.ubl_invoice(invoice), content_type="application/xml")
    else:
        response = HttpResponse(exports.lines_csv([invoice]), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
def brand_stylesheet(request: HttpRequest) -> HttpResponse:
    """The organisation's brand colour as a stylesheet: the strict CSP allows no inline style,
    so invoice documents on staff and portal pages link this. Anyone may read it (a colour);
    links carry the colour in the query so a change is fetched anew."""
    response = HttpResponse(documents.brand_css(Organisation.current()), content_type="text/css")
    response["Cache-Control"] = "public, max-age=86400"
    return response


CSV_KINDS = {
    "invoices": exports.invoices_csv,
    "lines": exports.lines_csv,
    "accounting": exports.accounting_csv,
}


@never_cache
@login_required
@require_GET
@errors_as_page
def invoice_list_csv(request: PageRequest, kind: str) -> HttpResponse:
    """Invoices (with the list's filters) as CSV: the list, their lines, or an accounting import."""
    if kind not in CSV_KINDS:
        raise NotFound(f"No {kind} export.")
    invoices = selectors.invoices_visible_to(request.user)
    state = request.GET.get("state", "")
    if state in InvoiceState.values:
        invoices = invoices.filter(state=state)
    invoices = invoices.select_related("credits").prefetch_related("lines__charge_type")
    response = HttpResponse(CSV_KINDS[kind](invoices), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


@login_required
@require_GET
@errors_as_page
def run_detail(request: PageRequest, run_id: int) -> HttpResponse:
    """A run's progress (polled by htmx while it runs) and its summary."""
    run = selectors.runs_visible_to(request.user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"Invoice run {run_id} not found.")
    invoices = list(run.invoices.select_related("client").order_by("pk"))
    records = sum(1 for invoice in invoices if invoice.state == InvoiceState.NO_CHARGE)
    context = {"run": run, "invoices": invoices, "records": records}
    return render_page(
        request, "billing/run_detail.html", "billing/partials/run_progress.html", context
    )
