"""Settings pages: the organisation's settings at a glance with the way to every place an admin
configures something (Django admin, webhooks, API applications and tokens), and the invoicing
settings (branding, bank details, locale, terms)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tallyhour.accounts import services
from tallyhour.accounts.forms import InvoicingSettingsForm
from tallyhour.accounts.models import Organisation
from tallyhour.accounts.permissions import can_admin
from tallyhour.accounts.requests import PageRequest
from tallyhour.accounts.selectors import organisation_logo_uri
from tallyhour.core.errors import DomainError, Forbidden
from tallyhour.core.pageerrors import errors_as_page, form_errors_from


@login_required
@require_GET
@errors_as_page
def settings_overview(request: PageRequest) -> HttpResponse:
    if not can_admin(request.user):
        raise Forbidden("Settings are for admins.")
    context = {"organisation": Organisation.current()}
    return render(request, "accounts/settings_overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@errors_as_page
def settings_invoicing(request: PageRequest) -> HttpResponse:
    if not can_admin(request.user):
        raise Forbidden("Invoicing settings are for admins.")
    org = Organisation.current()
    status = 200
    if request.method == "POST":
        form = InvoicingSettingsForm(request.POST, request.FILES)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            upload, remove = changes.pop("logo"), changes.pop("remove_logo")
            # One byte past the limit is enough for the service to refuse a large file.
            logo = upload.read(services.LOGO_MAX_BYTES + 1) if upload else None
            try:
                services.organisation_update_invoicing(
                    actor=request.user, changes=changes, logo=logo, remove_logo=remove
                )
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, "Invoicing settings saved.")
                return redirect("settings_invoicing")
        status = 422
    else:
        initial = {name: getattr(org, name) for name in services.INVOICING_FIELDS}
        form = InvoicingSettingsForm(initial=initial)
    context = {"organisation": org, "form": form, "logo_uri": organisation_logo_uri(org)}
    return render(request, "accounts/settings_invoicing.html", context, status=status)
