"""Form pieces other apps share for tickets: the searchable ticket picker.

The picker is a text input plus a hidden input holding the chosen ticket's id. With htmx,
typing searches tickets on the server and a pick re-renders the picker around the choice;
without JavaScript the text input simply takes a ticket number ("123" or "#123 ...")."""

import re
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from tallyhour.servicedesk.models import Ticket

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
