"""Forms of the client portal: sign-in, password reset, accepting an invitation."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from tallyhour.crm.models import Contact


class PortalAuthenticationForm(AuthenticationForm):
    """Email and password; only client contacts sign in here (staff use /login/)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget.attrs.update({"autocomplete": "email"})

    def clean_username(self) -> str:
        return (self.cleaned_data.get("username") or "").strip().lower()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not getattr(user, "is_contact", False):
            raise forms.ValidationError(
                "This sign-in is for client contacts. Staff sign in on the main sign-in page.",
                code="not_contact",
            )


class ContactPasswordResetForm(PasswordResetForm):
    """Mails a reset link to active portal contacts only; staff reset theirs elsewhere."""

    def get_users(self, email: str) -> Any:
        return (
            user
            for user in super().get_users(email)
            if user.is_contact and Contact.objects.filter(user=user, is_active=True).exists()
        )


class AcceptForm(forms.Form):
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
