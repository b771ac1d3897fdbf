"""Reads for tickets, actions and projects, restricted to what the actor may see."""

import datetime as dt
from typing import Any

from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, When

from tallyhour.accounts.models import Agent, User
from tallyhour.core.errors import NotFound
from tallyhour.crm.models import Client, Contact, Site
from tallyhour.crm.selectors import contacts_visible_to, sites_visible_to
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus, TicketType

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD)


def tickets_visible_to(actor: User) -> QuerySet[Ticket]:
    """Every staff user works every client's tickets (portal users will see only their own)."""
    return Ticket.objects.select_related(
        "client", "assignee", "team", "ticket_type", "charge_type", "project", "site", "contact"
    ).order_by("-id")


def ticket_get(*, actor: User, ticket_id: int) -> Ticket:
    ticket = tickets_visible_to(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} not found.")
    return ticket


# Work in hand first: open tickets, then resolved, closed last.
_STATUS_RANK = Case(
    When(status__in=OPEN_STATUSES, then=0),
    When(status=TicketStatus.RESOLVED, then=1),
    default=2,
)


def tickets_filtered(
    actor: User,
    *,
    scope: str = "",
    client_id: int | None = None,
    status: str = "",
    search: str = "",
    assignee_id: int | None = None,
    priority: int | None = None,
) -> QuerySet[Ticket]:
    """The ticket list: scope `mine` (assigned to me), `team` (assigned to my teams' agents)
    or everything; then client, status, assignee, priority and free-text search."""
    tickets = tickets_visible_to(actor)
    if scope == "mine":
        tickets = tickets.filter(assignee=actor)
    elif scope == "team":
        team_ids = Agent.objects.filter(user=actor).values("teams")
        members = Agent.objects.filter(teams__in=team_ids).values("user_id")
        tickets = tickets.filter(assignee__in=members)
    if client_id is not None:
        tickets = tickets.filter(client_id=client_id)
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status:
        tickets = tickets.filter(status=status)
    if assignee_id is not None:
        tickets = tickets.filter(assignee_id=assignee_id)
    if priority is not None:
        tickets = tickets.filter(priority=priority)
    search = search.strip()
    if search:
        text = Q(summary__icontains=search) | Q(client__name__icontains=search)
        if search.lstrip("#").isdigit():
            text |= Q(pk=int(search.lstrip("#")))
        tickets = tickets.filter(text)
    return tickets


def tickets_for_list(actor: User, **filters: Any) -> QuerySet[Ticket]:
    """The ticket list page's tickets (`tickets_filtered`), work in hand first: open tickets,
    then resolved and closed ones, each most recently updated first."""
    return tickets_filtered(actor, **filters).order_by(_STATUS_RANK, "-updated_at", "-id")


def ticket_sites(
    actor: User, *, client: Client | None = None, keep: int | None = None
) -> QuerySet[Site]:
    """The sites a ticket may name: the active ones of `client`, else of every active client,
    by client and name; `keep` is the ticket's own site, listed even once retired."""
    return _current(sites_visible_to(actor), client, keep)


def ticket_end_users(
    actor: User, *, client: Client | None = None, keep: int | None = None
) -> QuerySet[Contact]:
    """The end users a ticket may name, chosen the way `ticket_sites` chooses sites."""
    return _current(contacts_visible_to(actor), client, keep)


def _current(parts: QuerySet[Any], client: Client | None, keep: int | None) -> QuerySet[Any]:
    if client is not None:
        parts = parts.filter(client=client)
        active = Q(is_active=True)
    else:
        active = Q(is_active=True, client__is_active=True)
    if keep is not None:
        active |= Q(pk=keep)
    return parts.filter(active).order_by("client__name", "name", "pk")


def actions_visible_to(actor: User) -> QuerySet[Action]:
    """Actions on the tickets the actor may see."""
    return Action.objects.filter(ticket__in=tickets_visible_to(actor))


def actions_for(*, actor: User, ticket: Ticket) -> QuerySet[Action]:
    return (
        Action.objects.filter(ticket=ticket)
        .select_related("agent", "time_entry", "time_entry__charge_type")
        .order_by("created_at", "id")
    )


def tickets_with_closed_at(tickets: QuerySet[Ticket], name: str) -> QuerySet[Ticket]:
    """Each ticket annotated (as `name`) with when it was last closed, None while open."""
    closing = (
        Action.objects.filter(ticket=OuterRef("pk"), new_status=TicketStatus.CLOSED)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    return tickets.annotate(
        **{name: Case(When(status=TicketStatus.CLOSED, then=Subquery(closing)), default=None)}
    )


def ticket_types_visible_to(actor: User) -> QuerySet[TicketType]:
    """Every ticket type, retired ones too (old tickets still name them)."""
    return TicketType.objects.select_related("default_charge_type").order_by("name", "pk")


def ticket_types_active() -> QuerySet[TicketType]:
    return TicketType.objects.filter(is_active=True).select_related("default_charge_type")


def projects_open() -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(ticket_type__is_project=True)
        .exclude(status=TicketStatus.CLOSED)
        .select_related("client")
        .order_by("client__name", "-id")
    )


def ticket_charge_types() -> QuerySet[Any]:
    """The active charge types a ticket, its type or an action on it may name.

    Read through the ticket's own foreign key: timetracking owns the table and sits above
    servicedesk, which does not import it.
    """
    model = Ticket._meta.get_field("charge_type").related_model
    return model._default_manager.filter(is_active=True)


PICKER_LIMIT = 20


def _matching_every_word(tickets: QuerySet[Ticket], search: str) -> QuerySet[Ticket]:
    """Tickets whose number, summary or client name matches each word typed, so "acme vpn"
    finds Acme's VPN tickets and a picked label ("#12 VPN down") finds ticket 12 again."""
    for word in search.split():
        text = Q(summary__icontains=word) | Q(client__name__icontains=word)
        number = word.lstrip("#")
        if number.isdigit() and len(number) < 18:
            text |= Q(pk=int(number))
        tickets = tickets.filter(text)
    return tickets


def tickets_for_picker(actor: User, *, search: str = "", limit: int = PICKER_LIMIT) -> list[Ticket]:
    """Tickets for the ticket picker, searched by number, summary and client name: the actor's
    own first, open before resolved, most recently updated first. Closed tickets take no time."""
    tickets = _matching_every_word(
        tickets_visible_to(actor).exclude(status=TicketStatus.CLOSED), search
    ).annotate(theirs=Case(When(assignee=actor, then=0), default=1))
    return list(tickets.order_by("theirs", _STATUS_RANK, "-updated_at", "-id")[:limit])


OPEN_TICKETS_SHOWN = 20


def clients_with_open_tickets(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The client list's open-ticket count, as a column of its own query."""
    return clients.annotate(
        open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES))
    )


def client_page_tickets(actor: User, client: Client, today: dt.date) -> dict[str, Any]:
    """The client page's most recently updated open tickets and how many are open."""
    tickets = (
        Ticket.objects.filter(client=client, status__in=OPEN_STATUSES)
        .select_related("assignee")
        .order_by("-updated_at", "-pk")
    )
    return {
        "open_tickets": list(tickets[:OPEN_TICKETS_SHOWN]),
        "open_ticket_count": tickets.count(),
    }
