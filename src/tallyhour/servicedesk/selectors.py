"""Reads for tickets, actions and projects, restricted to what the actor may see."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from tallyhour.accounts.models import Agent, User
from tallyhour.core.errors import NotFound
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus, TicketType
from tallyhour.timetracking.models import TimeEntry

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD)


def tickets_visible_to(actor: User) -> QuerySet[Ticket]:
    """Every staff user works every client's tickets (portal users will see only their own)."""
    return Ticket.objects.select_related(
        "client", "assignee", "ticket_type", "charge_type", "project"
    ).order_by("-id")


def ticket_get(*, actor: User, ticket_id: int) -> Ticket:
    ticket = tickets_visible_to(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} not found.")
    return ticket


def tickets_filtered(
    actor: User,
    *,
    scope: str = "",
    client_id: int | None = None,
    status: str = "",
    search: str = "",
    assignee_id: int | None = None,
) -> QuerySet[Ticket]:
    """The ticket list: scope `mine` (assigned to me), `team` (assigned to my teams' agents),
    `open` or everything; then client, status, assignee and free-text search."""
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
    search = search.strip()
    if search:
        text = Q(summary__icontains=search) | Q(client__name__icontains=search)
        if search.lstrip("#").isdigit():
            text |= Q(pk=int(search.lstrip("#")))
        tickets = tickets.filter(text)
    return tickets


def actions_visible_to(actor: User) -> QuerySet[Action]:
    """Actions on the tickets the actor may see."""
    return Action.objects.filter(ticket__in=tickets_visible_to(actor))


def actions_for(*, actor: User, ticket: Ticket) -> QuerySet[Action]:
    return (
        Action.objects.filter(ticket=ticket)
        .select_related("agent", "time_entry", "time_entry__charge_type")
        .order_by("created_at", "id")
    )


def ticket_types_active() -> QuerySet[TicketType]:
    return TicketType.objects.filter(is_active=True).select_related("default_charge_type")


def projects_open() -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(ticket_type__is_project=True)
        .exclude(status=TicketStatus.CLOSED)
        .select_related("client")
        .order_by("client__name", "-id")
    )


def time_on_ticket(ticket: Ticket) -> tuple[int, int]:
    """Worked seconds on a ticket: (billable, non-billable)."""
    totals = TimeEntry.objects.filter(ticket=ticket).aggregate(
        billable=Coalesce(Sum("worked_seconds", filter=Q(is_billable=True)), 0),
        other=Coalesce(Sum("worked_seconds", filter=Q(is_billable=False)), 0),
    )
    return totals["billable"], totals["other"]


@dataclass
class TaskLine:
    """One row of a project's budget table."""

    ticket: Ticket
    budget_seconds: int | None
    billable_seconds: int
    non_billable_seconds: int

    @property
    def actual_seconds(self) -> int:
        return self.billable_seconds + self.non_billable_seconds

    @property
    def remaining_seconds(self) -> int | None:
        if self.budget_seconds is None:
            return None
        return self.budget_seconds - self.actual_seconds

    @property
    def over_budget(self) -> bool:
        return self.budget_seconds is not None and self.actual_seconds > self.budget_seconds


@dataclass
class ProjectSummary:
    """Budget against actual for a project: its own time, then each task's."""

    project: Ticket
    own: TaskLine
    tasks: list[TaskLine] = field(default_factory=list)

    @property
    def total(self) -> TaskLine:
        lines = [self.own, *self.tasks]
        budgets = [line.budget_seconds for line in self.tasks if line.budget_seconds is not None]
        own_budget = self.own.budget_seconds
        return TaskLine(
            ticket=self.project,
            budget_seconds=own_budget if own_budget is not None else (sum(budgets) or None),
            billable_seconds=sum(line.billable_seconds for line in lines),
            non_billable_seconds=sum(line.non_billable_seconds for line in lines),
        )


def _budget_seconds(hours: Decimal | None) -> int | None:
    return None if hours is None else int(hours * 3600)


def project_summary(*, actor: User, project: Ticket) -> ProjectSummary:
    """Time logged on a project and on each of its tasks (rolled up), in two queries."""
    tasks = list(Ticket.objects.filter(project=project).select_related("assignee").order_by("id"))
    ids = [project.pk, *(t.pk for t in tasks)]
    sums = {
        row["ticket_id"]: row
        for row in TimeEntry.objects.filter(ticket_id__in=ids)
        .values("ticket_id")
        .annotate(
            billable=Coalesce(Sum("worked_seconds", filter=Q(is_billable=True)), 0),
            other=Coalesce(Sum("worked_seconds", filter=Q(is_billable=False)), 0),
        )
        .order_by()
    }

    def line(ticket: Ticket) -> TaskLine:
        row: Any = sums.get(ticket.pk, {})
        return TaskLine(
            ticket=ticket,
            budget_seconds=_budget_seconds(ticket.budget_hours),
            billable_seconds=row.get("billable", 0),
            non_billable_seconds=row.get("other", 0),
        )

    return ProjectSummary(project=project, own=line(project), tasks=[line(t) for t in tasks])


PICKER_LIMIT = 20


def tickets_for_picker(actor: User, *, search: str = "", limit: int = PICKER_LIMIT) -> list[Ticket]:
    """Open tickets for the ticket picker: the actor's own first, then the newest; searched
    by number, summary and client name."""
    tickets = (
        tickets_visible_to(actor)
        .exclude(status=TicketStatus.CLOSED)
        .annotate(theirs=Case(When(assignee=actor, then=0), default=1))
    )
    search = search.strip()
    if search:
        text = Q(summary__icontains=search) | Q(client__name__icontains=search)
        if search.lstrip("#").isdigit() and len(search) < 18:
            text |= Q(pk=int(search.lstrip("#")))
        tickets = tickets.filter(text)
    return list(tickets.order_by("theirs", "-id")[:limit])
