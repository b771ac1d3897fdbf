"""Charge type pages under Settings: the list (billing and admin users) and the create and
edit forms (admins)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tallyhour.accounts.permissions import can_admin, require_billing
from tallyhour.accounts.requests import PageRequest
from tallyhour.core.errors import DomainError, Forbidden
from tallyhour.core.htmx import done
from tallyhour.core.pageerrors import errors_as_page, form_errors_from
from tallyhour.timetracking.charge_type_forms import ChargeTypeForm
from tallyhour.timetracking.charge_types import charge_type_create, charge_type_update
from tallyhour.timetracking.selectors import charge_type_get, charge_types_visible_to


def _require_admin(request: PageRequest) -> None:
    if not can_admin(request.user):
        raise Forbidden("Only admins change charge types.")


@login_required
@require_GET
@errors_as_page
def charge_type_list(request: PageRequest) -> HttpResponse:
    require_billing(request.user, "Charge types are for billing and admin users.")
    context = {
        "charge_types": charge_types_visible_to(request.user),
        "can_edit": can_admin(request.user),
    }
    return render(request, "timetracking/charge_type_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@errors_as_page
def charge_type_new(request: PageRequest) -> HttpResponse:
    _require_admin(request)
    form = ChargeTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            charge_type = charge_type_create(name=data.pop("name"), actor=request.user, **data)
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            return done(
                request,
                f"Charge type {charge_type.name} created.",
                reverse("charge_types:list"),
            )
    status = 422 if form.errors else 200
    context = {"form": form, "charge_type": None}
    return render(request, "timetracking/charge_type_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@errors_as_page
def charge_type_edit(request: PageRequest, charge_type_id: int) -> HttpResponse:
    _require_admin(request)
    charge_type = charge_type_get(actor=request.user, charge_type_id=charge_type_id)
    initial = {name: getattr(charge_type, name) for name in ChargeTypeForm.base_fields}
    form = ChargeTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            charge_type = charge_type_update(
                charge_type=charge_type, actor=request.user, changes=form.cleaned_data
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            return done(
                request, f"Charge type {charge_type.name} saved.", reverse("charge_types:list")
            )
    status = 422 if form.errors else 200
    context = {"form": form, "charge_type": charge_type}
    return render(request, "timetracking/charge_type_form.html", context, status=status)
