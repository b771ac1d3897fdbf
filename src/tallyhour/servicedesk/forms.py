"""Ticket forms: the searchable ticket picker other apps share, and the service desk's own
page forms (the ticket list's filters, a new ticket, "Assign or change", an action).

The picker is a text input plus a hidden input holding the chosen ticket's id. With htmx,
typing searches tickets on the server and a pick re-renders the picker around the choice;
without JavaScript the text input simply takes a ticket number ("123" or "#123 ...")."""

import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from tallyhour.accounts.models import Role, Team, User
from tallyhour.core.errors import DomainError
from tallyhour.core.forms import BILLABLE_CHOICES, parse_duration
from tallyhour.crm.models import Client, Contact, Site
from tallyhour.servicedesk import selectors
from tallyhour.servicedesk.models import (
    ActionKind,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketType,
)

SEARCH_SUFFIX = "_q"
_NUMBER = re.compile(r"^#?\s*(\d{1,18})\b")


def ticket_number(text: str) -> str | None:
    """The ticket number a person typed or the picker shows ("123", "#123 Printer ...")."""
    match = _NUMBER.match((text or "").strip())
    return match[1] if match else None


def ticket_label(ticket: Ticket) -> str:
    return f"#{ticket.pk} {ticket.summary}"


class TicketPicker(forms.Widget):
    """A searchable ticket input (see the module's docstring). Set `known` to a ticket the
    form already holds so rendering it needs no query."""

    template_name = "servicedesk/widgets/ticket_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.known: Ticket | None = None

    def value_from_datadict(
        self, data: Any, files: MultiValueDict[str, Any], name: str
    ) -> str | None:
        # The typed text decides when there is one (it may name another ticket than the
        # hidden id, e.g. without JavaScript); API-style posts send only the id.
        search = name + SEARCH_SUFFIX
        if search not in data:
            value = data.get(name)
            return None if value is None else str(value)
        text = (data.get(search) or "").strip()
        if not text:
            return ""
        return ticket_number(text) or text

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + SEARCH_SUFFIX not in data

    def id_for_label(self, id_: str) -> str:
        return f"{id_}{SEARCH_SUFFIX}" if id_ else id_

    def ticket_for(self, value: Any) -> Ticket | None:
        if isinstance(value, Ticket):
            return value
        number = ticket_number(str(value or ""))
        if number is None:
            return None
        if self.known is not None and str(self.known.pk) == number:
            return self.known
        return Ticket.objects.select_related("client").filter(pk=int(number)).first()

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        ticket = self.ticket_for(value)
        widget = context["widget"]
        widget["ticket"] = ticket
        widget["search_name"] = name + SEARCH_SUFFIX
        # Unresolved text stays in the input so the person can correct it.
        widget["text"] = ticket_label(ticket) if ticket else str(value or "")
        widget["ticket_id"] = ticket.pk if ticket else ""
        return context


class TicketField(forms.Field):
    """A ticket chosen with the picker (or typed by number); empty means no ticket."""

    widget = TicketPicker
    default_error_messages = {
        "missing": "This ticket no longer exists.",
        "unknown": "Type a ticket number (e.g. 123) or pick a ticket from the list.",
    }

    def to_python(self, value: Any) -> Ticket | None:
        if isinstance(value, Ticket):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        number = ticket_number(text)
        if number is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        ticket = Ticket.objects.filter(pk=int(number)).select_related("client").first()
        if ticket is None:
            raise forms.ValidationError(self.error_messages["missing"], code="missing")
        return ticket

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Compare ids as typed, without looking the ticket up.
        def number(value: Any) -> str:
            if isinstance(value, Ticket):
                return str(value.pk)
            return ticket_number(str(value or "")) or str(value or "").strip()

        return number(initial) != number(data)

    def know(self, ticket: Ticket | None) -> None:
        """A ticket the form already holds (an entry's), shown without a query."""
        assert isinstance(self.widget, TicketPicker)
        self.widget.known = ticket


# --- the service desk's page forms ------------------------------------------------------------

SCOPES = [("mine", "Assigned to me"), ("team", "My team's"), ("", "All tickets")]
STATUS_FILTERS = [("open", "Open (not resolved)"), ("", "Any status"), *TicketStatus.choices]
PRIORITY_FILTERS = [("", "Any priority"), *TicketPriority.choices]


def _staff() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.CONTACT)
        .order_by("first_name", "last_name", "username")
    )


def _set_querysets(form: forms.Form, querysets: dict[str, QuerySet[Any]]) -> None:
    for name, queryset in querysets.items():
        field = form.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset


def _priority_field() -> forms.TypedChoiceField:
    # Not required: a post that leaves it out keeps the ticket's priority.
    return forms.TypedChoiceField(
        choices=TicketPriority.choices,
        coerce=int,
        empty_value=None,
        required=False,
        initial=TicketPriority.MEDIUM,
    )


class _UnderTheirClient(ModelChoiceIterator):  # type: ignore[type-arg]
    """Sites or end users grouped under their client's name (one <optgroup> each), for a form
    where the client is chosen alongside them."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list[Any]] = {}
        for obj in self.queryset:  # ordered by client name
            groups.setdefault(obj.client.name, []).append(self.choice(obj))
        yield from groups.items()


class ClientPartField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A site or end user of some client, listed under that client."""

    iterator = _UnderTheirClient


class EndUserField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An end user shown with their address, so two people of one name can be told apart."""

    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Contact)
        return f"{obj.name} ({obj.email})"


class GroupedEndUserField(EndUserField):
    iterator = _UnderTheirClient


# The form field a service's refusal names (services speak the API's field names).
SERVICE_FIELDS = {
    "site_id": "site",
    "user_id": "contact",
    "contact_id": "contact",
    "assignee_id": "assignee",
    "project_id": "project",
    "charge_type_id": "charge_type",
    "ticket_type_id": "ticket_type",
    "priority": "priority",
    "budget_hours": "budget_hours",
    "summary": "summary",
}


def refusal_on_fields(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal next to the field it names, else above the form."""
    named = {SERVICE_FIELDS.get(name, name) for name in exc.fields}
    placed = named & set(form.fields)
    for name in sorted(placed):
        form.add_error(name, exc.message)
    if not placed:
        form.add_error(None, exc.message)


class TicketFilterForm(forms.Form):
    """The ticket list's filters. A filter the query leaves out takes its default (`DEFAULTS`:
    my open tickets), so the list opens on the work in hand and an empty value means "all"."""

    DEFAULTS = {"scope": "mine", "status": "open"}

    scope = forms.ChoiceField(choices=SCOPES, required=False, label="Show")
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, empty_label="All clients"
    )
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    priority = forms.TypedChoiceField(
        choices=PRIORITY_FILTERS, coerce=int, empty_value=None, required=False
    )
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(self, query: QueryDict, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__({**self.DEFAULTS, **query.dict()}, **kwargs)
        _set_querysets(self, {"client": Client.objects.order_by("name")})
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Summary, client or #id"}
        )


class TicketForm(forms.Form):
    """A new ticket: client, summary, priority, the client's site and end user, type,
    assignee; tasks name their project."""

    client = forms.ModelChoiceField(queryset=Client.objects.none())
    summary = forms.CharField(max_length=200)
    details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    priority = _priority_field()
    site = ClientPartField(
        queryset=Site.objects.none(),
        required=False,
        empty_label="No site",
        help_text="Listed under their client; it must be the ticket's client's.",
    )
    contact = GroupedEndUserField(
        queryset=Contact.objects.none(),
        required=False,
        label="End user",
        empty_label="Nobody named",
        help_text="The client's person who raised it, listed under their client.",
    )
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

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        _set_querysets(
            self,
            {
                "client": Client.objects.filter(is_active=True).order_by("name"),
                "site": selectors.ticket_sites(actor),
                "contact": selectors.ticket_end_users(actor),
                "ticket_type": selectors.ticket_types_active(),
                "assignee": _staff(),
                "team": Team.objects.order_by("name"),
                "charge_type": selectors.ticket_charge_types(),
                "project": selectors.projects_open(),
            },
        )


class TicketEditForm(forms.Form):
    """ "Assign or change" on a ticket's page; the site and end user are its client's."""

    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Unassigned"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        help_text="Whose queue holds it while nobody is assigned.",
    )
    priority = _priority_field()
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="—")
    contact = EndUserField(
        queryset=Contact.objects.none(), required=False, label="End user", empty_label="—"
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

    def __init__(self, *args: Any, ticket: Ticket, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "edit_%s")
        kwargs.setdefault(
            "initial",
            {
                "assignee": ticket.assignee_id,
                "team": ticket.team_id,
                "priority": ticket.priority,
                "site": ticket.site_id,
                "contact": ticket.contact_id,
                "ticket_type": ticket.ticket_type_id,
                "charge_type": ticket.charge_type_id,
                "budget_hours": ticket.budget_hours,
            },
        )
        super().__init__(*args, **kwargs)
        _set_querysets(
            self,
            {
                "assignee": _staff(),
                "team": Team.objects.order_by("name"),
                "site": selectors.ticket_sites(actor, client=ticket.client, keep=ticket.site_id),
                "contact": selectors.ticket_end_users(
                    actor, client=ticket.client, keep=ticket.contact_id
                ),
                "ticket_type": selectors.ticket_types_active(),
                "charge_type": selectors.ticket_charge_types(),
            },
        )

    def changes(self) -> dict[str, Any]:
        """The fields the post sent: a partial post leaves the others as they are."""
        sent = {
            name: value
            for name, value in self.cleaned_data.items()
            if not self.fields[name].widget.value_omitted_from_data(
                self.data, self.files, self.add_prefix(name)
            )
        }
        if sent.get("priority", 0) is None:
            del sent["priority"]  # "no priority" is not a choice: keep the ticket's
        return sent


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
        _set_querysets(self, {"charge_type": selectors.ticket_charge_types()})

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
