"""Forms of the timesheet pages: submitting a week, deciding on submissions, leave."""

from decimal import Decimal

from django import forms

from tallyhour.accounts.models import LeaveKind
from tallyhour.core.forms import parse_duration


class SubmitForm(forms.Form):
    comment = forms.CharField(required=False, max_length=2000)


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
        error_messages={"required": "Give a reason for the rejection."},
    )


class WriteOffForm(forms.Form):
    billable = forms.CharField(max_length=16, label="Bill")
    reason = forms.CharField(max_length=2000, error_messages={"required": "Give a reason."})

    def clean_billable(self) -> int:
        minutes = parse_duration(self.cleaned_data["billable"])
        if minutes is None:
            raise forms.ValidationError("Enter time like 1:30, 90m or 1.5h (0 writes it all off).")
        return minutes * 60


class ReopenForm(forms.Form):
    reason = forms.CharField(max_length=2000, error_messages={"required": "Give a reason."})


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(choices=LeaveKind.choices, label="Kind")
    first_day = forms.DateField(
        label="First day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label="Last day",
        required=False,
        help_text="Empty for one day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        help_text="Empty for whole days",
    )
    note = forms.CharField(required=False, max_length=200)
