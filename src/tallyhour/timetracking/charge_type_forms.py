"""The charge type form of the settings pages (names match the model and the services)."""

from decimal import Decimal
from typing import Any

from django import forms

from tallyhour.timetracking.charge_types import MAX_MULTIPLIER, MAX_ROUNDING_MINUTES
from tallyhour.timetracking.models import RoundingMode, RoundingScope


def _minutes(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=0, max_value=MAX_ROUNDING_MINUTES, initial=0, label=label, help_text=help_text
    )


def _multiplier(label: str, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=MAX_MULTIPLIER,
        max_digits=4,
        decimal_places=2,
        initial=Decimal("1.00"),
        label=label,
        help_text=help_text,
    )


class ChargeTypeForm(forms.Form):
    """The fields of `charge_type_create` / `charge_type_update`."""

    name = forms.CharField(max_length=100)
    is_billable = forms.BooleanField(required=False, initial=True, label="Billable by default")
    hourly_rate = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        initial=Decimal("0.00"),
        label="Default hourly rate",
        help_text="Used when no contract, client or agent rate applies.",
    )
    rounding_increment_minutes = _minutes("Round to (minutes)", "Blocks billed; 0 bills exactly.")
    rounding_mode = forms.ChoiceField(choices=RoundingMode.choices, label="Rounding direction")
    rounding_minimum_minutes = _minutes("Minimum (minutes)", "Bill at least this much; 0: none.")
    rounding_scope = forms.ChoiceField(choices=RoundingScope.choices, label="Rounded")
    multiplier_out_of_hours = _multiplier(
        "Out of hours ×", "Outside the business hours below, or each agent's own workday."
    )
    business_hours_start = forms.TimeField(
        required=False,
        label="Business hours from",
        help_text="Monday to Friday, organisation time. Blank: each agent's workday.",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    business_hours_end = forms.TimeField(
        required=False,
        label="Business hours to",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    multiplier_weekend = _multiplier("Weekend ×", "Saturday and Sunday.")
    multiplier_holiday = _multiplier("Public holiday ×", "The organisation's holiday calendar.")
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="Inactive charge types keep their time and rates but can't be chosen.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name in ("hourly_rate", *(n for n in self.fields if n.startswith("multiplier_"))):
            self.fields[name].widget.attrs["inputmode"] = "decimal"
