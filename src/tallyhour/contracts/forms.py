"""Forms of the contract pages: the list's filter, a contract, a prepay purchase, a rate."""

from decimal import Decimal
from typing import Any

from django import forms

from tallyhour.accounts.models import User
from tallyhour.accounts.selectors import staff_users
from tallyhour.contracts.models import Contract, ContractKind
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import ChargeType

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Which optional fields belong to which kind; the others keep their defaults.
KIND_FIELDS = {
    ContractKind.PREPAY: ("prepay_fallback_to_payg",),
    ContractKind.RETAINER: ("retainer_fee", "included_hours", "overage_multiplier", "rollover"),
}


class AgentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ContractFilterForm(_Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.order_by("name"), required=False, empty_label="All clients"
    )
    kind = forms.ChoiceField(choices=[("", "All kinds"), *ContractKind.choices], required=False)


def _retainer_term(
    max_digits: int, label: str, minimum: Decimal = Decimal("0"), **kwargs: Any
) -> forms.DecimalField:
    """An optional two-place figure of a retainer's terms (other kinds leave it empty)."""
    return forms.DecimalField(
        max_digits=max_digits,
        decimal_places=2,
        min_value=minimum,
        required=False,
        label=label,
        **kwargs,
    )


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
    retainer_fee = _retainer_term(12, "Monthly fee")
    included_hours = _retainer_term(7, "Included hours a month")
    overage_multiplier = _retainer_term(
        4,
        "Overage multiplier",
        Decimal("0.01"),
        initial=Decimal("1.00"),
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
