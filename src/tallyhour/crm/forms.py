"""Forms of the client pages: the list's filter, a client, a portal invitation."""

from decimal import Decimal
from typing import Any

from django import forms

ACTIVE_CHOICES = [("yes", "Active"), ("no", "Inactive"), ("all", "All")]


class ClientFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    active = forms.ChoiceField(choices=ACTIVE_CHOICES, required=False, label="Show")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Name, email or tax ID"}
        )


class ClientForm(forms.Form):
    """The fields of `crm.services.client_create` / `client_update` (names match the model)."""

    name = forms.CharField(max_length=200)
    currency = forms.CharField(
        max_length=3, min_length=3, initial="GBP", help_text="ISO 4217, e.g. GBP, EUR."
    )
    tax_rate = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("20.00"),
        label="Tax rate (%)",
    )
    reverse_charge = forms.BooleanField(
        required=False, help_text="The customer accounts for the tax (no tax on our invoices)."
    )
    payment_terms_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=365,
        label="Payment terms (days)",
        help_text="Empty: the organisation's default.",
    )
    # A text input (type=email has no style in the shared stylesheet); still validated as email.
    billing_email = forms.EmailField(
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
    )
    tax_id = forms.CharField(required=False, max_length=64, label="Tax ID")
    billing_address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    purchase_order = forms.CharField(
        required=False,
        max_length=64,
        label="Purchase order",
        help_text="Printed on new invoices as the client's reference.",
    )
    timezone = forms.CharField(
        required=False,
        max_length=64,
        label="Time zone",
        help_text="For times on documents, e.g. Europe/Berlin. Empty: the organisation's.",
    )
    locale = forms.CharField(
        required=False,
        max_length=16,
        help_text="Number and date format of documents, e.g. de_DE. Empty: the organisation's.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ContactInviteForm(forms.Form):
    """The fields of `crm.services.contact_invite`."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"})
    )
    can_see_invoices = forms.BooleanField(required=False, label="May see invoices")
    receives_invoices = forms.BooleanField(
        required=False, label="Receives invoices", help_text="Invoices and reminders by email."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "contact_%s")
        super().__init__(*args, **kwargs)


class SiteForm(forms.Form):
    """The fields of `crm.services.site_create` (and a rename through `site_update`)."""

    name = forms.CharField(max_length=200)
    address = forms.CharField(required=False, max_length=2_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "site_%s")
        super().__init__(*args, **kwargs)
