"""The list filters Halo documents for Tickets, honoured or refused — never ignored.

A filter we silently skipped would return every ticket, and scripts act on what they get
(close all, bill all); so an unknown value of a known filter is a 422 naming it.
"""

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from tallyhour.accounts.selectors import teams_visible_to
from tallyhour.core.errors import InvalidInput
from tallyhour.halo import conventions as halo
from tallyhour.halo.translate import status_from
from tallyhour.servicedesk.models import Ticket, TicketStatus
from tallyhour.servicedesk.selectors import tickets_with_closed_at
from tallyhour.timetracking.selectors import tickets_with_worked_seconds

# `datesearch` names and `order` names: Halo's field → our column.
DATE_FIELDS = {
    "dateoccured": "halo_occurred",  # Halo's own spelling
    "dateoccurred": "halo_occurred",
    "datecleared": "halo_closed",
    "datecreated": "created_at",
    "lastactiondate": "updated_at",
    "lastupdate": "updated_at",
}
ORDER_FIELDS = {
    "id": "id",
    "dateoccured": "halo_occurred",
    "dateoccurred": "halo_occurred",
    "datecleared": "halo_closed",
    "datecreated": "created_at",
    "lastactiondate": "updated_at",
    "summary": "summary",
    "status": "status",
    "status_id": "status",
    "priority": "priority",
    "priority_id": "priority",
    "client_name": "client__name",
    "client_id": "client_id",
    "agent_id": "assignee_id",
    "tickettype_id": "ticket_type_id",
}
# Halo's ticket areas: service requests, projects, opportunities (we have none of the last).
DOMAINS = {"reqs", "prjs", "opps"}


def with_time_taken(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Each ticket's logged seconds, for `timetaken` on a whole page."""
    return tickets_with_worked_seconds(tickets, "halo_worked_seconds")


def _teams(request: halo.HaloRequest, raw: str) -> list[int]:
    wanted = [part.strip() for part in raw.split(",") if part.strip()]
    ids = [int(w) for w in wanted if w.isascii() and w.isdigit()]
    if any(i >= 2**63 for i in ids):
        raise InvalidInput("team is out of range.", fields={"team": "out of range"})
    names = [w.lower() for w in wanted if not (w.isascii() and w.isdigit())]
    found = {t.name.lower(): t.pk for t in teams_visible_to(request.user)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise InvalidInput(f"Unknown team {unknown[0]!r}.", fields={"team": "unknown"})
    return ids + [found[n] for n in names]


def tickets_filtered(request: halo.HaloRequest, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    get = request.GET
    tickets = tickets.annotate(halo_occurred=Coalesce("occurred_at", "created_at"))
    tickets = tickets_with_closed_at(tickets, "halo_closed")
    closed_only, open_only = halo.flag(request, "closed_only"), halo.flag(request, "open_only")
    if closed_only and open_only:
        raise InvalidInput(
            "closed_only and open_only exclude each other.", fields={"closed_only": "conflict"}
        )
    if closed_only:
        tickets = tickets.filter(status=TicketStatus.CLOSED)
    if open_only:
        tickets = tickets.exclude(status=TicketStatus.CLOSED)
    if (status := status_from(get.get("status_id"))) is not None:
        tickets = tickets.filter(status=status)
    for name, column in (
        ("client_id", "client_id"),
        ("client_ids", "client_id"),
        ("site_id", "site_id"),
        ("tickettype_id", "ticket_type_id"),
        ("requesttype_id", "ticket_type_id"),
        ("user_id", "contact_id"),
        ("priority_id", "priority"),
    ):
        if (ids := halo.int_list_param(request, name)) is not None:
            tickets = tickets.filter(**{f"{column}__in": ids})
    agents = halo.int_list_param(request, "agent_id")
    if (more := halo.int_list_param(request, "agent")) is not None:
        agents = (agents or []) + more
    if agents is not None:
        # Agent 0 is Halo's "unassigned".
        unassigned = Q(assignee__isnull=True) if 0 in agents else Q(pk__in=[])
        tickets = tickets.filter(Q(assignee_id__in=[a for a in agents if a]) | unassigned)
    if team := get.get("team") or get.get("team_id"):
        tickets = tickets.filter(team_id__in=_teams(request, team))
    if domain := get.get("domain"):
        if domain.lower() not in DOMAINS:
            raise InvalidInput("domain is reqs, prjs or opps.", fields={"domain": "unknown"})
        if domain.lower() == "opps":
            tickets = tickets.none()  # no opportunities are kept here
        elif domain.lower() == "prjs":
            tickets = tickets.filter(ticket_type__is_project=True)
        else:
            tickets = tickets.exclude(ticket_type__is_project=True)
    tickets = _dated(request, tickets)
    if search := get.get("search"):
        text = Q(summary__icontains=search) | Q(details__icontains=search)
        is_id = search.isascii() and search.isdigit() and len(search) <= 18
        tickets = tickets.filter(text | Q(pk=int(search)) if is_id else text)
    return _ordered(request, tickets)


def _dated(request: halo.HaloRequest, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`datesearch` picks the date that `startdate`/`enddate` bound (dateoccurred by default)."""
    field = (request.GET.get("datesearch") or "dateoccured").lower()
    if field not in DATE_FIELDS:
        raise InvalidInput(
            f"datesearch must be one of {', '.join(DATE_FIELDS)}.",
            fields={"datesearch": "unsupported"},
        )
    column = DATE_FIELDS[field]
    if start := halo.date_param(request, "startdate"):
        tickets = tickets.filter(**{f"{column}__gte": start})
    if end := halo.date_param(request, "enddate"):
        tickets = tickets.filter(**{f"{column}__lte": end})
    return tickets


def _ordered(request: halo.HaloRequest, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    name = (request.GET.get("order") or "").lower()
    if not name:
        return tickets.order_by("-id")
    if name not in ORDER_FIELDS:
        raise InvalidInput(
            f"order must be one of {', '.join(ORDER_FIELDS)}.", fields={"order": "unsupported"}
        )
    column = F(ORDER_FIELDS[name])
    descending = halo.flag(request, "orderdesc")
    ordering = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return tickets.order_by(ordering, "-id" if descending else "id")
