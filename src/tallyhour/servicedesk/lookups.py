"""Tickets named by id in an API request (422 naming the field)."""

from django.db.models import Model

from tallyhour.core.apikit.lookups import one_or_invalid
from tallyhour.servicedesk.models import Ticket
from tallyhour.servicedesk.selectors import ticket_charge_types


def ticket_from(pk: int | None, field: str = "ticket_id") -> Ticket | None:
    return one_or_invalid(lambda: Ticket.objects.select_related("charge_type"), pk, field, "ticket")


def ticket_charge_type_from(pk: int | None, field: str = "charge_type_id") -> Model | None:
    """An active charge type for a ticket or an action on it."""
    return one_or_invalid(ticket_charge_types, pk, field, "active charge type")
