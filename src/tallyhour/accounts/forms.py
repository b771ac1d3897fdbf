"""Page forms of accounts: the invoicing settings (the fields of
`services.organisation_update_invoicing`)."""

from typing import Any

from django import forms

from tallyhour.accounts.models import Organisation

# The model's choices, for the form's select.
HOURS_PLACES = list(Organisation._meta.get_field("invoice_hours_places").choices or [])


class InvoicingSettingsForm(forms.Form):
    logo = forms.FileField(
        required=False, help_text="PNG or JPEG, at most 300 KB; printed top left."
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")
    brand_colour = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="Headings and table headers of the documents.",
    )
    locale = forms.CharField(
        max_length=16, help_text="Number and date format, e.g. en_GB, de_DE, fr_FR."
    )
    payment_terms_days = forms.IntegerField(
        min_value=0, max_value=365, label="Payment terms (days)"
    )
    invoice_hours_places = forms.TypedChoiceField(
        coerce=int,
        choices=HOURS_PLACES,
        label="Billed hours rounded to",
    )
    zero_value_statements = forms.BooleanField(
        required=False, help_text="Draft a 0.00 statement when a client's time is all covered."
    )
    overdue_reminder_days = forms.IntegerField(
        min_value=0, max_value=365, help_text="Days after the due date; 0: no reminders."
    )
    bank_details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    payment_instructions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
