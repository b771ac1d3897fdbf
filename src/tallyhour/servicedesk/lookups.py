"""Tickets and what a ticket names (its site, end user, charge type), by id in an API request
(422 naming the field)."""

from django.db.models import Model

from tallyhour.accounts.models import User
from tallyhour.core.apikit.lookups import one_or_invalid
from tallyhour.crm.models import Contact, Site
from tallyhour.crm.selectors import contacts_visible_to, sites_visible_to
from tallyhour.servicedesk.models import Ticket
from tallyhour.servicedesk.selectors import ticket_charge_types


def ticket_from(pk: int | None, field: str = "ticket_id") -> Ticket | None:
    return one_or_invalid(lambda: Ticket.objects.select_related("charge_type"), pk, field, "ticket")


def ticket_charge_type_from(pk: int | None, field: str = "charge_type_id") -> Model | None:
    """An active charge type for a ticket or an action on it."""
    return one_or_invalid(ticket_charge_types, pk, field, "active charge type")


def ticket_site_from(actor: User, pk: int | None, field: str = "site_id") -> Site | None:
    """A site the actor may see; whether it is the ticket's client's is the service's rule."""
    return one_or_invalid(lambda: sites_visible_to(actor), pk, field, "site")


def ticket_end_user_from(actor: User, pk: int | None, field: str = "contact_id") -> Contact | None:
    return one_or_invalid(lambda: contacts_visible_to(actor), pk, field, "end user")
