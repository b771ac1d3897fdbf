"""Contract and rate pages for billing and admin users: list, detail, create a contract, record
a prepay purchase, add a rate. Every write goes through `contracts.services`."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tallyhour.accounts.requests import PageRequest
from tallyhour.contracts import selectors, services
from tallyhour.contracts.forms import ContractFilterForm, ContractForm, PurchaseForm, RateForm
from tallyhour.contracts.models import ContractKind
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.htmx import done, safe_next
from tallyhour.core.pageerrors import back_on_error, errors_as_page
from tallyhour.crm.selectors import org_today

CONTRACTS_PER_PAGE = 50
RATES_PER_PAGE = 50


def _errors_text(form: forms.Form) -> str:
    return "; ".join(
        f"{name}: {' '.join(str(m) for m in errors)}" for name, errors in form.errors.items()
    )


def _form_error(form: forms.Form, exc: DomainError) -> None:
    """The service's message above the form; the fields it names marked where they are."""
    form.add_error(None, exc.message)
    for name, detail in exc.fields.items():
        name = name.removesuffix("_id")
        if name in form.fields and name not in form.errors:
            form.add_error(name, str(detail).capitalize() + ".")


@login_required
@require_GET
@errors_as_page
def contract_list(request: PageRequest) -> HttpResponse:
    contracts = selectors.contracts_visible_to(request.user)
    form = ContractFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("client"):
        contracts = contracts.filter(client=data["client"])
    if data.get("kind"):
        contracts = contracts.filter(kind=data["kind"])
    page = Paginator(contracts, CONTRACTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    balances = selectors.prepay_balances(sorted({c.client_id for c in rows}))
    today = org_today()
    for contract in rows:
        contract.prepay_seconds = balances.get(contract.pk)  # type: ignore[attr-defined]
        contract.included_seconds = contract.retainer_included_minutes * 60  # type: ignore[attr-defined]
        contract.active_today = contract.starts_on <= today and (  # type: ignore[attr-defined]
            contract.ends_on is None or contract.ends_on >= today
        )
    query = "&".join(
        f"{key}={value}"
        for key, value in (("client", request.GET.get("client")), ("kind", data.get("kind")))
        if value
    )
    context = {"form": form, "page": page, "rows": rows, "query": query}
    return render(request, "contracts/contract_list.html", context)


@login_required
@require_GET
@errors_as_page
def contract_detail(request: PageRequest, contract_id: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
    rates = list(selectors.rates_visible_to(request.user).filter(contract=contract))
    is_prepay = contract.kind == ContractKind.PREPAY
    contract.included_seconds = contract.retainer_included_minutes * 60  # type: ignore[attr-defined]
    context = {
        "contract": contract,
        "rates": rates,
        "today": org_today(),
        "ledger": selectors.prepay_ledger(contract) if is_prepay else None,
        "charges": list(contract.retainer_charges.select_related("invoice_line__invoice"))
        if contract.kind == ContractKind.RETAINER
        else [],
        "purchase_form": PurchaseForm(initial={"purchased_on": org_today()}) if is_prepay else None,
        "rate_form": RateForm(initial={"contract": contract.pk, "valid_from": contract.starts_on}),
    }
    return render(request, "contracts/contract_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@errors_as_page
def contract_new(request: PageRequest) -> HttpResponse:
    selectors.contracts_visible_to(request.user)
    initial: dict[str, Any] = {"starts_on": org_today()}
    if (request.GET.get("client") or "").isdigit():
        initial["client"] = int(request.GET["client"])
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return done(
                request,
                f"Contract {contract.name} created.",
                reverse("contracts:contract_detail", args=[contract.pk]),
            )
    status = 422 if form.errors else 200
    return render(request, "contracts/contract_form.html", {"form": form}, status=status)


@login_required
@require_POST
def prepay_purchase(request: PageRequest, contract_id: int) -> HttpResponse:
    back = reverse("contracts:contract_detail", args=[contract_id])
    back_on_error(request, back)
    form = PurchaseForm(request.POST)
    contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
    if not form.is_valid():
        raise InvalidInput(f"Check the purchase: {_errors_text(form)}", fields=dict(form.errors))
    services.prepay_purchase(contract=contract, actor=request.user, **form.cleaned_data)
    return done(request, f"Added {form.cleaned_data['hours']} prepaid hours.", back)


@login_required
@require_http_methods(["GET", "POST"])
def rate_list(request: PageRequest) -> HttpResponse:
    """Every rate, newest first, and the form to add one (also posted from a contract page)."""
    rates = selectors.rates_visible_to(request.user)
    form = RateForm(request.POST or None, initial={"valid_from": org_today()})
    if request.method == "POST":
        back = safe_next(request, reverse("contracts:rate_list"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                rate = services.rate_create(actor=request.user, **data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                return done(
                    request, f"Rate {rate.hourly_rate}/h for {rate.scope_label} added.", back
                )
        if back != reverse("contracts:rate_list"):
            # Posted from a contract page: say what was wrong there.
            back_on_error(request, back)
            raise InvalidInput(_errors_text(form) or "Check the rate.")
    page = Paginator(rates, RATES_PER_PAGE).get_page(request.GET.get("page"))
    status = 422 if form.errors else 200
    return render(request, "contracts/rate_list.html", {"form": form, "page": page}, status=status)
