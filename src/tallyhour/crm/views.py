"""Client pages: the list, one client's page (contracts, prepay, retainer, invoices, tickets,
contacts, sites) and the create/edit forms for billing and admin users."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tallyhour.accounts.permissions import can_bill, require_billing
from tallyhour.accounts.requests import PageRequest
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.htmx import done, render_page
from tallyhour.core.pageerrors import back_on_error, errors_as_page, form_errors_from
from tallyhour.crm import selectors, services
from tallyhour.crm.forms import ClientFilterForm, ClientForm, ContactInviteForm, SiteForm
from tallyhour.crm.panels import client_rows_decorate

CLIENTS_PER_PAGE = 50
ACTIVE_FILTER: dict[str, bool | None] = {"yes": True, "no": False, "all": None}


CONTACT_CHANGES: dict[str, dict[str, bool]] = {
    "invoices_on": {"can_see_invoices": True},
    "invoices_off": {"can_see_invoices": False},
    "access_on": {"is_active": True},
    "access_off": {"is_active": False},
    "billing_on": {"receives_invoices": True},
    "billing_off": {"receives_invoices": False},
}


@login_required
@require_GET
def client_list(request: PageRequest) -> HttpResponse:
    """Every staff user may look clients up; money columns are for billing and admin users."""
    form = ClientFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    active = ACTIVE_FILTER.get(data.get("active") or "yes")
    clients = selectors.clients_filtered(
        actor=request.user, query=(data.get("q") or "").strip(), active=active
    )
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Contract and prepay columns come from the apps above crm (see crm/panels.py).
    client_rows_decorate(actor=request.user, clients=rows, today=selectors.org_today())
    show_money = can_bill(request.user)
    query = "&".join(
        f"{key}={value}"
        for key, value in (("q", data.get("q")), ("active", data.get("active")))
        if value
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query,
        "show_money": show_money,
        "can_edit": can_bill(request.user),
    }
    return render_page(request, "crm/client_list.html", "crm/partials/client_table.html", context)


@login_required
@require_GET
@errors_as_page
def client_detail(request: PageRequest, client_id: int) -> HttpResponse:
    overview = selectors.client_overview(actor=request.user, client_id=client_id)
    context = {
        "o": overview,
        "client": overview["client"],
        "can_edit": can_bill(request.user),
        "invite_form": ContactInviteForm(),
        "site_form": SiteForm(),
    }
    return render(request, "crm/client_detail.html", context)


def _accept_url(request: PageRequest) -> str:
    return request.build_absolute_uri(reverse("portal:accept", args=["TOKEN"]))


def _contacts_back(client_id: int) -> str:
    return reverse("crm:client_detail", args=[client_id]) + "#contacts"


@login_required
@require_POST
def contact_invite(request: PageRequest, client_id: int) -> HttpResponse:
    """Invite a contact to the portal from the client page (billing and admin users)."""
    back_on_error(request, _contacts_back(client_id))
    form = ContactInviteForm(request.POST)
    client = selectors.client_get(actor=request.user, client_id=client_id)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        raise InvalidInput(errors)
    contact = services.contact_invite(
        client=client,
        actor=request.user,
        accept_url=_accept_url(request),
        **form.cleaned_data,
    )
    return done(request, f"Invitation sent to {contact.email}.", _contacts_back(client_id))


@login_required
@require_POST
def contact_change(request: PageRequest, client_id: int, contact_id: int) -> HttpResponse:
    """Grant or take away invoices, switch access on or off, or send the invitation again."""
    back_on_error(request, _contacts_back(client_id))
    change = request.POST.get("change", "")
    contact = selectors.contact_get(actor=request.user, client_id=client_id, contact_id=contact_id)
    if change == "reinvite":
        services.contact_reinvite(
            contact=contact, actor=request.user, accept_url=_accept_url(request)
        )
        message = f"Invitation sent again to {contact.email}."
    elif change in CONTACT_CHANGES:
        services.contact_update(contact=contact, actor=request.user, **CONTACT_CHANGES[change])
        message = f"{contact.name} updated."
    else:
        raise InvalidInput("Unknown change.", fields={"change": "unknown"})
    return done(request, message, _contacts_back(client_id))


@login_required
@require_http_methods(["GET", "POST"])
@errors_as_page
def client_new(request: PageRequest) -> HttpResponse:
    require_billing(request.user, "Only billing and admin users create clients.")
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            client = services.client_create(
                name=data.pop("name"),
                currency=data.pop("currency"),
                tax_rate=data.pop("tax_rate"),
                actor=request.user,
                **data,
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            return done(
                request,
                f"Client {client.name} created.",
                reverse("crm:client_detail", args=[client.pk]),
            )
    status = 422 if form.errors else 200
    return render(request, "crm/client_form.html", {"form": form, "client": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@errors_as_page
def client_edit(request: PageRequest, client_id: int) -> HttpResponse:
    require_billing(request.user, "Only billing and admin users change clients.")
    client = selectors.client_get(actor=request.user, client_id=client_id)
    initial = {name: getattr(client, name) for name in ClientForm.base_fields}
    form = ClientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_update(client=client, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            return done(request, "Client saved.", reverse("crm:client_detail", args=[client.pk]))
    status = 422 if form.errors else 200
    return render(request, "crm/client_form.html", {"form": form, "client": client}, status=status)


def _sites_back(client_id: int) -> str:
    return reverse("crm:client_detail", args=[client_id]) + "#sites"


def _form_problem(form: SiteForm) -> InvalidInput:
    errors = "; ".join(f"{name}: {e}" for name, errs in form.errors.items() for e in errs)
    return InvalidInput(errors, fields=dict.fromkeys(form.errors, "invalid"))


@login_required
@require_POST
def site_add(request: PageRequest, client_id: int) -> HttpResponse:
    """Add a site from the client page (billing and admin users)."""
    back_on_error(request, _sites_back(client_id))
    client = selectors.client_get(actor=request.user, client_id=client_id)
    form = SiteForm(request.POST)
    if not form.is_valid():
        raise _form_problem(form)
    site = services.site_create(client=client, actor=request.user, **form.cleaned_data)
    return done(request, f"Site {site.name} added.", _sites_back(client_id))


SITE_CHANGES: dict[str, dict[str, bool]] = {
    "deactivate": {"is_active": False},
    "activate": {"is_active": True},
}


@login_required
@require_POST
def site_change(request: PageRequest, client_id: int, site_id: int) -> HttpResponse:
    """Rename a site (with its address), or deactivate or reactivate it."""
    back_on_error(request, _sites_back(client_id))
    site = selectors.site_get(actor=request.user, client_id=client_id, site_id=site_id)
    change = request.POST.get("change", "rename")
    if change in SITE_CHANGES:
        changes: dict[str, Any] = dict(SITE_CHANGES[change])
    elif change == "rename":
        form = SiteForm(request.POST)
        if not form.is_valid():
            raise _form_problem(form)
        changes = dict(form.cleaned_data)
    else:
        raise InvalidInput("Unknown change.", fields={"change": "unknown"})
    site = services.site_update(site=site, actor=request.user, **changes)
    return done(request, f"Site {site.name} saved.", _sites_back(client_id))
