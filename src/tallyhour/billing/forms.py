"""Forms of the billing pages: an invoice run, voiding a draft, a manual line."""

from typing import Any

from django import forms

from tallyhour.crm.models import Client


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


class ManualLineForm(forms.Form):
    description = forms.CharField(max_length=300)
    quantity = forms.DecimalField(max_digits=12, decimal_places=4)
    unit_price = forms.DecimalField(max_digits=12, decimal_places=4)
