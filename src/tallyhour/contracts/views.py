"""Contract and rate pages for billing and admin users: list, detail, create a contract, record
a prepay purchase, add a rate. Every write goes through `contracts.services`."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tallyhour.accounts.models import User
from tallyhour.accounts.requests import PageRequest
from tallyhour.accounts.selectors import staff_users
from tallyhour.contracts import selectors, services
from tallyhour.contracts.models import Contract, ContractKind
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.htmx import done, error_page, error_response, safe_next
from tallyhour.crm.models import Client
from tallyhour.crm.selectors import org_today
from tallyhour.timetracking.models import ChargeType

CONTRACTS_PER_PAGE = 50
RATES_PER_PAGE = 50
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Which optional fields belong to which kind; the others keep their defaults.
KIND_FIELDS = {
    ContractKind.PREPAY: ("prepay_fallback_to_payg",),
    ContractKind.RETAINER: ("retainer_fee", "included_hours", "overage_multiplier", "rollover"),
}


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ContractFilterForm(_Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.order_by("name"), required=False, empty_label="All clients"
    )
    kind = forms.ChoiceField(choices=[("", "All kinds"), *ContractKind.choices], required=False)


class ContractForm(_Form):
    client = forms.ModelChoiceField(queryset=Client.objects.filter(is_active=True).order_by("name"))
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ContractKind.choices, initial=ContractKind.TIME_AND_MATERIALS)
    starts_on = forms.DateField(widget=DATE_INPUT, label="Starts on")
    ends_on = forms.DateField(
        widget=DATE_INPUT, required=False, label="Ends on", help_text="Empty: open-ended."
    )
    is_default = forms.BooleanField(
        required=False,
        label="Client's default",
        help_text="Applies to the client's tickets that name no contract.",
    )
    prepay_fallback_to_payg = forms.BooleanField(
        required=False,
        initial=True,
        label="When the hours run out, bill pay-as-you-go",
        help_text="Unticked: the balance goes negative instead.",
    )
    retainer_fee = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        label="Monthly fee",
    )
    included_hours = forms.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        label="Included hours a month",
    )
    overage_multiplier = forms.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        initial=Decimal("1.00"),
        label="Overage multiplier",
        help_text="Hours beyond the included ones cost the rate times this.",
    )
    rollover = forms.BooleanField(
        required=False,
        label="Roll unused hours over",
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            key: data[key]
            for key in ("client", "name", "kind", "starts_on", "ends_on", "is_default")
        }
        chosen = KIND_FIELDS.get(data["kind"], ())
        if "prepay_fallback_to_payg" in chosen:
            kwargs["prepay_fallback_to_payg"] = data["prepay_fallback_to_payg"]
        if "retainer_fee" in chosen:
            kwargs["retainer_fee"] = data.get("retainer_fee") or Decimal("0")
            included = data.get("included_hours") or Decimal("0")
            kwargs["retainer_included_minutes"] = int(included * 60)
            kwargs["overage_multiplier"] = data.get("overage_multiplier") or Decimal("1")
            kwargs["rollover"] = data["rollover"]
        return kwargs


class PurchaseForm(_Form):
    hours = forms.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"))
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), label="Amount paid"
    )
    purchased_on = forms.DateField(widget=DATE_INPUT, required=False, label="Bought on")
    expires_on = forms.DateField(
        widget=DATE_INPUT, required=False, label="Expires on", help_text="Empty: never."
    )
    note = forms.CharField(max_length=300, required=False)


def _agents() -> Any:
    return staff_users().order_by("first_name", "last_name", "username")


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class RateForm(_Form):
    hourly_rate = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), label="Hourly rate"
    )
    valid_from = forms.DateField(widget=DATE_INPUT, label="Valid from")
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.select_related("client").order_by("client__name", "name"),
        required=False,
        empty_label="—",
    )
    client = forms.ModelChoiceField(
        queryset=Client.objects.order_by("name"), required=False, empty_label="—"
    )
    agent = AgentChoiceField(queryset=User.objects.none(), required=False, empty_label="—")
    charge_type = forms.ModelChoiceField(
        queryset=ChargeType.objects.order_by("name"),
        required=False,
        empty_label="Every charge type",
        label="Charge type",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agent = self.fields["agent"]
        assert isinstance(agent, forms.ModelChoiceField)
        agent.queryset = _agents()


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
def contract_list(request: PageRequest) -> HttpResponse:
    try:
        contracts = selectors.contracts_visible_to(request.user)
    except DomainError as exc:
        return error_page(request, exc)
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
def contract_detail(request: PageRequest, contract_id: int) -> HttpResponse:
    try:
        contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
        rates = list(selectors.rates_visible_to(request.user).filter(contract=contract))
    except DomainError as exc:
        return error_page(request, exc)
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
def contract_new(request: PageRequest) -> HttpResponse:
    try:
        selectors.contracts_visible_to(request.user)
    except DomainError as exc:
        return error_page(request, exc)
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
    form = PurchaseForm(request.POST)
    try:
        contract = selectors.contract_get(actor=request.user, contract_id=contract_id)
        if not form.is_valid():
            raise InvalidInput(
                f"Check the purchase: {_errors_text(form)}", fields=dict(form.errors)
            )
        services.prepay_purchase(contract=contract, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(request, f"Added {form.cleaned_data['hours']} prepaid hours.", back)


@login_required
@require_http_methods(["GET", "POST"])
def rate_list(request: PageRequest) -> HttpResponse:
    """Every rate, newest first, and the form to add one (also posted from a contract page)."""
    try:
        rates = selectors.rates_visible_to(request.user)
    except DomainError as exc:
        return error_page(request, exc)
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
            messages = _errors_text(form)
            return error_response(
                request, InvalidInput(messages or "Check the rate."), back_to=back
            )
    page = Paginator(rates, RATES_PER_PAGE).get_page(request.GET.get("page"))
    status = 422 if form.errors else 200
    return render(request, "contracts/rate_list.html", {"form": form, "page": page}, status=status)
