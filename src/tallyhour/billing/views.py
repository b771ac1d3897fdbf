"""Billing pages: preview and commit an invoice run, list invoices, issue or void them."""

import datetime as dt
import secrets
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tallyhour.accounts.models import Organisation
from tallyhour.accounts.requests import PageRequest
from tallyhour.billing import exports, selectors, services
from tallyhour.billing.models import InvoiceState
from tallyhour.billing.pricing import ClientPlan
from tallyhour.core import dates
from tallyhour.core.errors import DomainError, InvalidInput, NotFound
from tallyhour.core.htmx import done, error_page, error_response, render_page
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import TimeEntry

INVOICES_PER_PAGE = 50


class RunForm(forms.Form):
    cut_off = forms.DateField(
        label="Bill work up to and including",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    clients = forms.ModelMultipleChoiceField(
        queryset=Client.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to bill every client.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @property
    def client_ids(self) -> list[int]:
        return [c.pk for c in self.cleaned_data.get("clients") or []]


class VoidForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Give a reason for voiding."}
    )


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
def run_page(request: PageRequest) -> HttpResponse:
    """The invoice-run form; with a cut-off it shows what a run would bill (a dry run)."""
    try:
        selectors.check_billing(request.user)
    except DomainError as exc:
        return error_page(request, exc)
    bound = "cut_off" in request.GET
    form = RunForm(request.GET if bound else None, initial={"cut_off": _org_today()})
    previews: list[ClientPlan] | None = None
    status = 200
    if bound and form.is_valid():
        try:
            result = services.invoice_run_execute(
                cut_off=form.cleaned_data["cut_off"],
                actor=request.user,
                client_ids=form.client_ids,
                commit=False,
            )
            previews = result.previews
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
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
    if not form.is_valid():
        return error_response(request, InvalidInput("Choose a valid cut-off date."), back_to=back)
    try:
        result = services.invoice_run_execute(
            cut_off=form.cleaned_data["cut_off"],
            actor=request.user,
            client_ids=form.client_ids,
            commit=True,
            idempotency_key=(request.POST.get("idempotency_key") or "")[:100] or None,
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
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
def invoice_list(request: PageRequest) -> HttpResponse:
    try:
        invoices = selectors.invoices_visible_to(request.user)
    except DomainError as exc:
        return error_page(request, exc)
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
def invoice_detail(request: PageRequest, invoice_id: int) -> HttpResponse:
    try:
        invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    except DomainError as exc:
        return error_page(request, exc)
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
    context = {
        "invoice": invoice,
        "lines": lines,
        "organisation": Organisation.current(),
        "void_form": VoidForm(),
    }
    return render(request, "billing/invoice_detail.html", context)


@login_required
@require_POST
def invoice_issue(request: PageRequest, invoice_id: int) -> HttpResponse:
    back = reverse("billing:invoice_detail", args=[invoice_id])
    try:
        invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
        invoice = services.invoice_issue(invoice=invoice, actor=request.user)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(request, f"Issued invoice {invoice.number}.", back)


@login_required
@require_POST
def invoice_void(request: PageRequest, invoice_id: int) -> HttpResponse:
    back = reverse("billing:invoice_detail", args=[invoice_id])
    form = VoidForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
        services.invoice_void(invoice=invoice, actor=request.user, reason=reason)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(request, "Draft voided; its time is free for the next run.", back)


class ManualLineForm(forms.Form):
    description = forms.CharField(max_length=300)
    quantity = forms.DecimalField(max_digits=12, decimal_places=4)
    unit_price = forms.DecimalField(max_digits=12, decimal_places=4)


def _invoice_action(
    request: PageRequest, invoice_id: int, action: Any, message: str
) -> HttpResponse:
    back = reverse("billing:invoice_detail", args=[invoice_id])
    try:
        invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
        result = action(invoice)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
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
        lambda inv: services.invoice_line_remove(invoice=inv, line_id=line_id, actor=request.user),
        "Line removed; its time is free for the next run.",
    )


@login_required
@require_POST
def invoice_line_add(request: PageRequest, invoice_id: int) -> HttpResponse:
    form = ManualLineForm(request.POST)
    if not form.is_valid():
        return error_response(
            request,
            InvalidInput("Give a description, a quantity and a unit price."),
            back_to=reverse("billing:invoice_detail", args=[invoice_id]),
        )
    data = form.cleaned_data
    return _invoice_action(
        request,
        invoice_id,
        lambda inv: services.invoice_line_add(
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
        lambda inv: services.invoice_credit(
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
        lambda inv: services.invoice_mark_paid(invoice=inv, actor=request.user),
        "Marked paid.",
    )


@login_required
@require_GET
def invoice_download(request: PageRequest, invoice_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "xml", "csv"):
        return error_page(request, NotFound(f"No {fmt} download."))
    try:
        invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    except DomainError as exc:
        return error_page(request, exc)
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


CSV_KINDS = {
    "invoices": exports.invoices_csv,
    "lines": exports.lines_csv,
    "accounting": exports.accounting_csv,
}


@login_required
@require_GET
def invoice_list_csv(request: PageRequest, kind: str) -> HttpResponse:
    """Invoices (with the list's filters) as CSV: the list, their lines, or an accounting import."""
    if kind not in CSV_KINDS:
        return error_page(request, NotFound(f"No {kind} export."))
    try:
        invoices = selectors.invoices_visible_to(request.user)
    except DomainError as exc:
        return error_page(request, exc)
    state = request.GET.get("state", "")
    if state in InvoiceState.values:
        invoices = invoices.filter(state=state)
    invoices = invoices.select_related("credits").prefetch_related("lines__charge_type")
    response = HttpResponse(CSV_KINDS[kind](invoices), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


@login_required
@require_GET
def run_detail(request: PageRequest, run_id: int) -> HttpResponse:
    """A run's progress (polled by htmx while it runs) and its summary."""
    try:
        run = selectors.runs_visible_to(request.user).filter(pk=run_id).first()
    except DomainError as exc:
        return error_page(request, exc)
    if run is None:
        return error_page(request, NotFound(f"Invoice run {run_id} not found."))
    context = {"run": run, "invoices": run.invoices.select_related("client").order_by("pk")}
    return render_page(
        request, "billing/run_detail.html", "billing/partials/run_progress.html", context
    )
