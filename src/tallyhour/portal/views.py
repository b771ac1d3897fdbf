"""Client portal pages: a contact's tickets, prepaid hours, retainer, invoices and statement.

Every view is wrapped in `contact_page`, which turns the signed-in user into their `Contact`
(staff get a 404: the portal is not a way to look at a client "as" someone) and reads only
through `portal.selectors`, the module that scopes everything to the contact's client.
"""

import datetime as dt
import io
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import login
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tallyhour.accounts.requests import PageRequest
from tallyhour.billing import documents, exports
from tallyhour.core import csvsafe
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.htmx import error_page
from tallyhour.core.money import hours
from tallyhour.crm import services as crm_services
from tallyhour.crm.models import Contact
from tallyhour.portal import selectors
from tallyhour.portal.forms import AcceptForm, ContactPasswordResetForm, PortalAuthenticationForm

TICKETS_PER_PAGE = 25
BACKEND = "tallyhour.accounts.backends.UserBackend"

PortalView = Callable[..., HttpResponse]


def _error(request: HttpRequest, error: DomainError, contact: Contact | None) -> HttpResponse:
    """Errors inside the portal, in the portal's layout (unknown ids are 404, see selectors)."""
    context = {"error": error, "contact": contact}
    return render(request, "portal/not_found.html", context, status=error.status)


def contact_page(view: PortalView) -> PortalView:
    """Signed-in contacts only: anonymous visitors go to the portal sign-in, staff get 404."""

    @wraps(view)
    def wrapper(request: PageRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('portal:login')}?{query}")
        try:
            contact = selectors.portal_contact(request.user)
        except DomainError as exc:
            return error_page(request, exc)
        try:
            return view(request, contact, *args, **kwargs)
        except DomainError as exc:
            return _error(request, exc, contact)

    return wrapper


# --- signing in -----------------------------------------------------------------------------


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm
    next_page = "portal:home"


class PortalLogoutView(LogoutView):
    next_page = "portal:login"


# Django's reset views with the portal's templates. The "sent" page reads the same whether or
# not the address belongs to a contact, so the form tells nobody who has an account.
class PortalPasswordResetView(PasswordResetView):
    form_class = ContactPasswordResetForm
    template_name = "portal/password_reset.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_sent")


class PortalPasswordResetSentView(PasswordResetDoneView):
    template_name = "portal/password_reset_sent.html"


class PortalPasswordResetConfirmView(PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PortalPasswordResetCompleteView(PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: the contact chooses a password and is signed in to the portal."""
    try:
        contact = crm_services.contact_for_invitation(token)
    except DomainError as exc:
        return render(request, "portal/accept.html", {"error": exc}, status=404)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = crm_services.contact_accept_invitation(
                token=token, password=form.cleaned_data["password1"]
            )
        except InvalidInput as exc:
            form.add_error("password1", exc.message)
        except DomainError as exc:
            return render(request, "portal/accept.html", {"error": exc}, status=exc.status)
        else:
            assert contact.user is not None
            login(request, contact.user, backend=BACKEND)
            return redirect("portal:home")
    status = 422 if form.errors else 200
    return render(request, "portal/accept.html", {"form": form, "contact": contact}, status=status)


# --- pages ----------------------------------------------------------------------------------


@require_GET
@contact_page
def home(request: PageRequest, contact: Contact) -> HttpResponse:
    today = selectors.org_today()
    prepay = selectors.prepay_for(contact)
    context = {
        "contact": contact,
        "open_tickets": list(selectors.tickets_for(contact, open_only=True)[:10]),
        "prepay": prepay,
        "prepay_balance": sum(ledger.balance_seconds for ledger in prepay),
        "retainers": selectors.retainers_for(contact, today),
        "invoices": (list(selectors.invoices_for(contact)[:5]) if contact.can_see_invoices else []),
    }
    return render(request, "portal/home.html", context)


@require_GET
@contact_page
def ticket_list(request: PageRequest, contact: Contact) -> HttpResponse:
    show = "all" if request.GET.get("show") == "all" else "open"
    tickets = selectors.tickets_for(contact, open_only=show == "open")
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"contact": contact, "page": page, "show": show}
    return render(request, "portal/tickets.html", context)


@require_GET
@contact_page
def ticket_detail(request: PageRequest, contact: Contact, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for(contact, ticket_id)
    context = {
        "contact": contact,
        "ticket": ticket,
        "actions": selectors.actions_for(contact, ticket),
    }
    return render(request, "portal/ticket.html", context)


@require_GET
@contact_page
def balance(request: PageRequest, contact: Contact) -> HttpResponse:
    today = selectors.org_today()
    context = {
        "contact": contact,
        "today": today,
        "prepay": selectors.prepay_with_rows_for(contact),
        "retainers": selectors.retainers_for(contact, today),
    }
    return render(request, "portal/balance.html", context)


@never_cache
@require_GET
@contact_page
def invoice_list(request: PageRequest, contact: Contact) -> HttpResponse:
    invoices = selectors.invoices_for(contact)
    return render(request, "portal/invoices.html", {"contact": contact, "invoices": invoices})


@never_cache
@require_GET
@contact_page
def invoice_detail(request: PageRequest, contact: Contact, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_for(contact, invoice_id)
    zone = selectors.client_zone(contact.client)
    context = {
        "contact": contact,
        "invoice": invoice,
        "doc": documents.build(invoice),
        "line_times": selectors.invoice_times_for(contact, invoice, zone),
        "zone_name": zone.key,
    }
    return render(request, "portal/invoice.html", context)


@never_cache
@require_GET
@contact_page
def invoice_line(
    request: PageRequest, contact: Contact, invoice_id: int, line_id: int
) -> HttpResponse:
    """One line's entries: a page of its own to link to, or just the table for htmx."""
    invoice, times = selectors.invoice_line_for(contact, invoice_id, line_id)
    context = {"contact": contact, "invoice": invoice, "times": times}
    if request.htmx:
        return render(request, "portal/partials/line_entries.html", context)
    return render(request, "portal/invoice_line.html", context)


@never_cache
@require_GET
@contact_page
def invoice_pdf(request: PageRequest, contact: Contact, invoice_id: int) -> HttpResponse:
    """The invoice as issued, without the time-entry appendix (its notes are internal)."""
    invoice = selectors.invoice_for(contact, invoice_id)
    response = HttpResponse(exports.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(invoice)}.pdf"'
    return response


def _month(request: HttpRequest) -> dt.date:
    value = (request.GET.get("month") or "").strip()
    if not value:
        return selectors.org_today().replace(day=1)
    try:
        month = dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        raise InvalidInput("Month as YYYY-MM, e.g. 2026-11.", fields={"month": "invalid"}) from None
    if not 2000 <= month.year <= 2100:
        raise InvalidInput("Month out of range.", fields={"month": "invalid"})
    return month


def _shift(month: dt.date, by: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + by
    return dt.date(index // 12, index % 12 + 1, 1)


@never_cache
@require_GET
@contact_page
def statement(request: PageRequest, contact: Contact) -> HttpResponse:
    month = _month(request)
    context = {
        "contact": contact,
        "statement": selectors.statement_for(contact, month),
        "month_value": f"{month:%Y-%m}",
        "previous": f"{_shift(month, -1):%Y-%m}",
        "next": f"{_shift(month, 1):%Y-%m}",
    }
    return render(request, "portal/statement.html", context)


@never_cache
@require_GET
@contact_page
def statement_csv(request: PageRequest, contact: Contact) -> HttpResponse:
    result = selectors.statement_for(contact, _month(request))
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(["month", "ticket", "summary", "billed_hours"])
    month = f"{result.month:%Y-%m}"
    for row in result.rows:
        writer.writerow([month, row.ticket_id, row.summary, hours(row.billed_seconds)])
    writer.writerow([month, "", "Total", hours(result.total_seconds)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="statement-{month}.csv"'
    return response
