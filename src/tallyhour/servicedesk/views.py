"""Service-desk pages: the ticket list, a ticket with its timer and timeline, new tickets and
projects. Viewing a ticket changes nothing: with capture on_open, the page of a ticket the
agent works sends a POST once it has loaded (`ticket_open`), which starts its timer.

The timer and time panels come from timetracking's `ticket_time` template tags; the buttons
reach its capture rules through servicedesk's signals.
"""

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tallyhour.accounts.requests import PageRequest
from tallyhour.core import dates
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.htmx import done, render_page
from tallyhour.core.pageerrors import back_on_error, errors_as_page
from tallyhour.servicedesk import selectors, services
from tallyhour.servicedesk.forms import (
    SEARCH_SUFFIX,
    ActionForm,
    TicketEditForm,
    TicketFilterForm,
    TicketForm,
    TicketPicker,
    refusal_on_fields,
)
from tallyhour.servicedesk.holds import capture_held, capture_release
from tallyhour.servicedesk.models import ActionKind, Ticket, TicketPriority, TicketStatus

TICKETS_PER_PAGE = 25


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 18 else None


def _query_without_page(request: PageRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@require_GET
def ticket_list(request: PageRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else TicketFilterForm.DEFAULTS
    client = filters.get("client")
    tickets = selectors.tickets_for_list(
        request.user,
        scope=filters.get("scope", ""),
        client_id=client.pk if client else None,
        status=filters.get("status", ""),
        priority=filters.get("priority"),
        search=filters.get("q", ""),
    )
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": _query_without_page(request),
        "showing_all": not filters.get("scope") and not filters.get("status"),
        "all_query": urlencode({"scope": "", "status": ""}),
    }
    return render_page(
        request, "servicedesk/ticket_list.html", "servicedesk/partials/ticket_table.html", context
    )


@login_required
def ticket_new(request: PageRequest) -> HttpResponse:
    initial: dict[str, Any] = {"assignee": request.user.pk}
    project_id = _int(request.GET.get("project"))
    project = selectors.projects_open().filter(pk=project_id).first() if project_id else None
    if project is not None:
        initial.update(project=project.pk, client=project.client_id)
    form = TicketForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                client=data["client"],
                summary=data["summary"],
                details=data.get("details", ""),
                priority=data.get("priority") or TicketPriority.MEDIUM,
                site=data.get("site"),
                contact=data.get("contact"),
                ticket_type=data.get("ticket_type"),
                assignee=data.get("assignee"),
                team=data.get("team"),
                charge_type=data.get("charge_type"),
                project=data.get("project"),
                budget_hours=data.get("budget_hours"),
                actor=request.user,
            )
        except DomainError as exc:
            refusal_on_fields(form, exc)
        else:
            return done(
                request,
                f"Ticket #{ticket.pk} created.",
                reverse("servicedesk:ticket_detail", args=[ticket.pk]),
            )
    return render_page(
        request,
        "servicedesk/ticket_new.html",
        "servicedesk/ticket_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


def _custom_field_rows(ticket: Ticket) -> list[tuple[str, str]]:
    """The ticket's custom fields by name, as text (integrations send flags and numbers)."""
    shown = {True: "Yes", False: "No", None: "–"}
    return [
        (name, shown[value] if value is None or isinstance(value, bool) else str(value))
        for name, value in sorted(ticket.custom_fields.items(), key=lambda item: item[0].lower())
    ]


def _detail_context(
    request: PageRequest, ticket: Ticket, edit_form: TicketEditForm | None = None
) -> dict[str, Any]:
    # The time offered for the action comes with the timer (`ticket_capture` in the page).
    action_form = ActionForm(initial={"kind": request.GET.get("kind") or ActionKind.NOTE})
    if edit_form is None:
        edit_form = TicketEditForm(ticket=ticket, actor=request.user)
    return {
        "ticket": ticket,
        "actions": selectors.actions_for(actor=request.user, ticket=ticket),
        "action_form": action_form,
        "edit_form": edit_form,
        "custom_fields": _custom_field_rows(ticket),
        "statuses": TicketStatus.choices,
    }


@login_required
@require_GET
@errors_as_page
def ticket_detail(request: PageRequest, ticket_id: int) -> HttpResponse:
    """The ticket's page (htmx: its timer panel). A GET never starts or pauses a timer."""
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    context = _detail_context(request, ticket)
    context["capture_held"] = capture_held(request, ticket.pk)
    return render_page(
        request,
        "servicedesk/ticket_detail.html",
        "servicedesk/partials/ticket_work.html",
        context,
    )


@login_required
@require_POST
def ticket_open(request: PageRequest, ticket_id: int) -> HttpResponse:
    """The ticket's page loaded in the agent's browser: the capture rules may start its timer
    (on_open, a ticket the agent works, not held since they stopped it). Answers the timer
    panel, and the page header's timer out of band."""
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    if not capture_held(request, ticket.pk):
        services.ticket_open(ticket=ticket, actor=request.user)
    return render(
        request,
        "servicedesk/partials/ticket_work.html",
        {"ticket": ticket, "capture_held": True, "header_oob": True},
    )


def _back(ticket_id: int, anchor: str = "") -> str:
    return reverse("servicedesk:ticket_detail", args=[ticket_id]) + anchor


@login_required
@require_POST
def ticket_work(request: PageRequest, ticket_id: int) -> HttpResponse:
    """Start (or resume) the timer for this ticket: the Start button, and in on_action mode
    the Note / Reply / Change status buttons (which then open the form for that kind)."""
    kind = request.POST.get("kind", "")
    back = _back(ticket_id, f"?kind={kind}#compose" if kind in ActionKind.values else "")
    back_on_error(request, back)
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    services.ticket_work(ticket=ticket, actor=request.user, kind=kind)
    capture_release(request, ticket.pk)
    return redirect(back)


@login_required
@require_POST
def action_add(request: PageRequest, ticket_id: int) -> HttpResponse:
    back = _back(ticket_id, "#timeline")
    back_on_error(request, _back(ticket_id, "#compose"))
    form = ActionForm(request.POST)
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        raise InvalidInput(errors)
    data = form.cleaned_data
    action = services.action_create(
        ticket=ticket,
        actor=request.user,
        kind=data["kind"],
        body=data.get("body", ""),
        new_status=data.get("new_status") or None,
        time_seconds=form.time_seconds(),
        charge_type=data.get("charge_type"),
        is_billable=form.is_billable,
        client_visible=form.visible_to_client,
    )
    logged = action.time_entry.worked_seconds if action.time_entry else 0
    message = f"{action.get_kind_display()} added"
    message += f", {dates.duration_text(logged)} logged." if logged else "."
    return done(request, message, back)


@login_required
@require_POST
def ticket_edit(request: PageRequest, ticket_id: int) -> HttpResponse:
    """ "Assign or change": saved, or the ticket's page again with the form's errors on it."""
    back = _back(ticket_id)
    back_on_error(request, back)
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    form = TicketEditForm(request.POST, ticket=ticket, actor=request.user)
    if form.is_valid():
        try:
            services.ticket_update(ticket=ticket, actor=request.user, changes=form.changes())
        except InvalidInput as exc:
            refusal_on_fields(form, exc)
        else:
            return done(request, "Ticket updated.", back)
    context = _detail_context(request, ticket, edit_form=form)
    context["capture_held"] = capture_held(request, ticket.pk)
    return render(request, "servicedesk/ticket_detail.html", context, status=422)


@login_required
@require_GET
@errors_as_page
def project_detail(request: PageRequest, ticket_id: int) -> HttpResponse:
    project = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    # The time against the budget comes from timetracking (`project_time` in the page).
    return render_page(
        request, "servicedesk/project.html", "servicedesk/project.html", {"project": project}
    )


# --- the ticket picker (servicedesk/forms.py) --------------------------------------------------

_PICKER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def _picker_names(request: PageRequest) -> tuple[str, str]:
    """The picker's field name and element id, as its markup sent them."""
    field, element = request.GET.get("field", ""), request.GET.get("id", "")
    if not _PICKER_NAME.match(field) or not _PICKER_NAME.match(element):
        raise InvalidInput("Which ticket picker is this?", fields={"field": "invalid"})
    return field, element


@login_required
@require_GET
def ticket_search(request: PageRequest) -> HttpResponse:
    """The picker's matches for what was typed (htmx, into the picker's results)."""
    field, element = _picker_names(request)
    search = request.GET.get(field + SEARCH_SUFFIX, "")
    context = {
        "tickets": selectors.tickets_for_picker(request.user, search=search),
        "search": search,
        "id": element,
        "pick_query": urlencode({"field": field, "id": element}),
    }
    return render(request, "servicedesk/partials/ticket_picker_results.html", context)


@login_required
@require_GET
def ticket_pick(request: PageRequest) -> HttpResponse:
    """The picker again around the chosen ticket (or none), replacing the one on the page."""
    field, element = _picker_names(request)
    picker = TicketPicker()
    return HttpResponse(picker.render(field, request.GET.get("ticket", ""), {"id": element}))
