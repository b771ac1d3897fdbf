"""Service-desk pages: the ticket list, a ticket with its timer and timeline, new tickets and
projects. Viewing a ticket changes nothing: with capture on_open, the page of a ticket the
agent works sends a POST once it has loaded (`ticket_open`), which starts its timer.

The timer and time panels come from timetracking's `ticket_time` template tags; the buttons
reach its capture rules through servicedesk's signals.
"""

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tallyhour.accounts.models import Role, Team, User
from tallyhour.accounts.requests import PageRequest
from tallyhour.core import dates
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.forms import BILLABLE_CHOICES, parse_duration
from tallyhour.core.htmx import done, render_page
from tallyhour.core.pageerrors import back_on_error, errors_as_page
from tallyhour.crm.models import Client
from tallyhour.servicedesk import selectors, services
from tallyhour.servicedesk.forms import SEARCH_SUFFIX, TicketPicker
from tallyhour.servicedesk.holds import capture_held, capture_release
from tallyhour.servicedesk.models import ActionKind, Ticket, TicketStatus, TicketType

TICKETS_PER_PAGE = 25
SCOPES = [("mine", "Assigned to me"), ("team", "My team's"), ("", "All tickets")]
STATUS_FILTERS = [("open", "Open (not resolved)"), ("", "Any status"), *TicketStatus.choices]


def _staff() -> Any:
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.CONTACT)
        .order_by("first_name", "last_name", "username")
    )


class TicketFilterForm(forms.Form):
    """The ticket list's filters. A filter the query leaves out takes its default (`DEFAULTS`:
    my open tickets), so the list opens on the work in hand and an empty value means "all"."""

    DEFAULTS = {"scope": "mine", "status": "open"}

    scope = forms.ChoiceField(choices=SCOPES, required=False, label="Show")
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, empty_label="All clients"
    )
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(self, query: QueryDict, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__({**self.DEFAULTS, **query.dict()}, **kwargs)
        client_field = self.fields["client"]
        assert isinstance(client_field, forms.ModelChoiceField)
        client_field.queryset = Client.objects.order_by("name")
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Summary, client or #id"}
        )


class TicketForm(forms.Form):
    """A new ticket: client, summary, type, assignee; tasks name their project."""

    client = forms.ModelChoiceField(queryset=Client.objects.none())
    summary = forms.CharField(max_length=200)
    details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    ticket_type = forms.ModelChoiceField(
        queryset=TicketType.objects.none(), required=False, label="Type", empty_label="—"
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Unassigned"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        help_text="Whose queue holds it while nobody is assigned.",
    )
    charge_type = forms.ModelChoiceField(
        queryset=selectors.ticket_charge_types().none(),
        required=False,
        empty_label="The type's default",
        help_text="Wins over each agent's default charge type.",
    )
    project = forms.ModelChoiceField(
        queryset=Ticket.objects.none(),
        required=False,
        empty_label="None",
        help_text="Make this a task of a project; its time rolls up there.",
    )
    budget_hours = forms.DecimalField(
        required=False, min_value=0, max_digits=8, decimal_places=2, label="Budget (hours)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        querysets = {
            "client": Client.objects.filter(is_active=True).order_by("name"),
            "ticket_type": selectors.ticket_types_active(),
            "assignee": _staff(),
            "team": Team.objects.order_by("name"),
            "charge_type": selectors.ticket_charge_types(),
            "project": selectors.projects_open(),
        }
        for name, queryset in querysets.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset


class TicketEditForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Unassigned"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        help_text="Whose queue holds it while nobody is assigned.",
    )
    ticket_type = forms.ModelChoiceField(
        queryset=TicketType.objects.none(), required=False, label="Type", empty_label="—"
    )
    charge_type = forms.ModelChoiceField(
        queryset=selectors.ticket_charge_types().none(),
        required=False,
        empty_label="Agent's default",
    )
    budget_hours = forms.DecimalField(
        required=False, min_value=0, max_digits=8, decimal_places=2, label="Budget (hours)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "edit_%s")
        super().__init__(*args, **kwargs)
        for name, queryset in {
            "assignee": _staff(),
            "team": Team.objects.order_by("name"),
            "ticket_type": selectors.ticket_types_active(),
            "charge_type": selectors.ticket_charge_types(),
        }.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset


VISIBILITY_CHOICES = [
    ("", "Default for the kind"),
    ("yes", "Shown to the client"),
    ("no", "Internal only"),
]


class ActionForm(forms.Form):
    """An action as typed on the ticket page; the time comes prefilled from the timer."""

    kind = forms.ChoiceField(choices=ActionKind.choices, initial=ActionKind.NOTE)
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    new_status = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Unchanged"), *TicketStatus.choices]
    )
    time = forms.CharField(
        required=False,
        max_length=16,
        label="Time",
        help_text="From your timer; edit it if it is wrong (e.g. 0:25, 25m, 0.5h).",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    offered = forms.CharField(required=False, widget=forms.HiddenInput)
    charge_type = forms.ModelChoiceField(
        queryset=selectors.ticket_charge_types().none(),
        required=False,
        empty_label="Ticket's default",
        label="Charge type",
    )
    billable = forms.ChoiceField(required=False, choices=BILLABLE_CHOICES)
    client_visible = forms.ChoiceField(
        required=False,
        label="Client portal",
        choices=VISIBILITY_CHOICES,
        help_text="Whether the client's contacts see this action and its time. By default "
        "replies and status changes are shown, notes are not.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "action_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["charge_type"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.ticket_charge_types()

    def clean_time(self) -> int | None:
        return parse_duration(self.cleaned_data.get("time", ""))

    def time_seconds(self) -> int | None:
        """None (log what the timer counted) unless the person changed the offered time."""
        data = self.cleaned_data
        if (self.data.get("time") or "").strip() == (data.get("offered") or "").strip():
            return None
        minutes = data.get("time")
        return 0 if minutes is None else minutes * 60

    @property
    def is_billable(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("billable") or "")

    @property
    def visible_to_client(self) -> bool | None:
        """None lets the action's kind decide (replies and status changes shown, notes not)."""
        return {"yes": True, "no": False}.get(self.cleaned_data.get("client_visible") or "")


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
    form = TicketForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                client=data["client"],
                summary=data["summary"],
                details=data.get("details", ""),
                ticket_type=data.get("ticket_type"),
                assignee=data.get("assignee"),
                team=data.get("team"),
                charge_type=data.get("charge_type"),
                project=data.get("project"),
                budget_hours=data.get("budget_hours"),
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
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


def _detail_context(request: PageRequest, ticket: Ticket) -> dict[str, Any]:
    # The time offered for the action comes with the timer (`ticket_capture` in the page).
    action_form = ActionForm(initial={"kind": request.GET.get("kind") or ActionKind.NOTE})
    edit_form = TicketEditForm(
        initial={
            "assignee": ticket.assignee_id,
            "team": ticket.team_id,
            "ticket_type": ticket.ticket_type_id,
            "charge_type": ticket.charge_type_id,
            "budget_hours": ticket.budget_hours,
        }
    )
    return {
        "ticket": ticket,
        "actions": selectors.actions_for(actor=request.user, ticket=ticket),
        "action_form": action_form,
        "edit_form": edit_form,
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
    back = _back(ticket_id)
    back_on_error(request, back)
    form = TicketEditForm(request.POST)
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        raise InvalidInput(errors)
    services.ticket_update(ticket=ticket, actor=request.user, changes=dict(form.cleaned_data))
    return done(request, "Ticket updated.", back)


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
