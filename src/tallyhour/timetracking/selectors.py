"""Reads for time entries and timers, restricted to what the actor may see."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import approved_agent_ids, can_admin, can_bill
from tallyhour.core.errors import NotFound
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking import sql
from tallyhour.timetracking.models import ChargeType, TimeEntry, Timer, TimerState


def time_entries_visible_to(actor: User) -> QuerySet[TimeEntry]:
    entries = TimeEntry.objects.select_related("ticket", "ticket__client", "charge_type", "agent")
    if can_bill(actor):
        return entries
    # Whoever approves an agent's time may see it, whatever their role.
    return entries.filter(Q(agent=actor) | Q(agent__in=approved_agent_ids(actor).values("user_id")))


def time_entry_get(*, actor: User, entry_id: int) -> TimeEntry:
    entry = time_entries_visible_to(actor).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(f"Time entry {entry_id} not found.")
    return entry


def entries_between(agent: User, start: dt.datetime, end: dt.datetime) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end)


def running_timer(agent: User) -> Timer | None:
    return (
        Timer.objects.select_related("ticket", "charge_type")
        .filter(agent=agent, state=TimerState.RUNNING)
        .first()
    )


M = TypeVar("M", bound=Model)


def unique_row(queryset: QuerySet[M]) -> M | None:
    """The row of a primary-key (or other unique) look-up, or None.

    Unlike `.first()` it adds no ORDER BY, which for one row only costs compiling: on the
    timer and entry write paths that was a tenth of the CPU."""
    return next(iter(queryset.order_by()[:1]), None)


def timers_for(agent: User) -> QuerySet[Timer]:
    return Timer.objects.select_related("ticket", "charge_type").filter(agent=agent)


def timer_get(*, actor: User, timer_id: int, related: bool = True) -> Timer:
    """The actor's timer (an admin's: anyone's). With `related`, its agent, ticket and charge
    type too, as a page or an answer shows them; without, the bare row a pause, resume or
    stop starts from (they read it again under its lock, with what they need)."""
    if related:
        timer = unique_row(
            Timer.objects.select_related("agent", "ticket__charge_type", "charge_type").filter(
                pk=timer_id
            )
        )
    elif connection.vendor == "postgresql":
        timer = sql.timer_row(timer_id)  # no queryset built on the API's write path
    else:
        timer = unique_row(Timer.objects.filter(pk=timer_id))
    if timer is None or (timer.agent_id != actor.pk and not can_admin(actor)):
        raise NotFound(f"Timer {timer_id} not found.")
    if timer.agent_id == actor.pk:
        timer.agent = actor  # the same row, with the agent profile the request loaded
    return timer


def active_charge_types() -> QuerySet[ChargeType]:
    return ChargeType.objects.filter(is_active=True)


def charge_types_visible_to(actor: User) -> QuerySet[ChargeType]:
    return ChargeType.objects.order_by("name", "id")


def timer_for_ticket(agent: User, ticket_id: int) -> Timer | None:
    """The agent's timer on a ticket, if any (the newest, should there be two)."""
    return (
        Timer.objects.select_related("ticket", "charge_type")
        .filter(agent=agent, ticket_id=ticket_id)
        .order_by("-created_at", "-id")
        .first()
    )


def entries_needing_review(actor: User) -> QuerySet[TimeEntry]:
    """Capped entries the actor may confirm: their own, and those of agents they approve."""
    return time_entries_visible_to(actor).filter(needs_review=True).order_by("-started_at")


@dataclass(frozen=True)
class HeaderTimer:
    """The running timer as every page header shows it."""

    pk: int
    accumulated_seconds: int
    running_since: dt.datetime
    ticket_id: int | None
    ticket_summary: str
    charge_type_name: str

    def elapsed_seconds(self, now: dt.datetime) -> int:
        return self.accumulated_seconds + max(0, int((now - self.running_since).total_seconds()))


@dataclass(frozen=True)
class PageHeader:
    """What the header of every page needs: the running timer and unread notices."""

    timer: HeaderTimer | None
    unread_notices: int


_RUNNING = "running_timer"


def page_header(user_id: int) -> PageHeader | None:
    """One query for the whole header, so every page's query budget pays for it once."""
    row = (
        User.objects.filter(pk=user_id)
        .annotate(
            **{_RUNNING: FilteredRelation("timers", condition=Q(timers__state=TimerState.RUNNING))},
            unread_notices=Count("notices", filter=Q(notices__read_at__isnull=True), distinct=True),
        )
        .values(
            "unread_notices",
            timer_id=F(f"{_RUNNING}__id"),
            accumulated_seconds=F(f"{_RUNNING}__accumulated_seconds"),
            running_since=F(f"{_RUNNING}__running_since"),
            ticket_id=F(f"{_RUNNING}__ticket_id"),
            ticket_summary=F(f"{_RUNNING}__ticket__summary"),
            charge_type_name=F(f"{_RUNNING}__charge_type__name"),
        )
        .first()
    )
    if row is None:
        return None
    timer = None
    if row["timer_id"] is not None:
        timer = HeaderTimer(
            pk=row["timer_id"],
            accumulated_seconds=row["accumulated_seconds"],
            running_since=row["running_since"],
            ticket_id=row["ticket_id"],
            ticket_summary=row["ticket_summary"] or "",
            charge_type_name=row["charge_type_name"] or "",
        )
    return PageHeader(timer=timer, unread_notices=row["unread_notices"])


# --- time on tickets and projects -------------------------------------------------------------


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


def charge_type_get(*, actor: User, charge_type_id: int) -> ChargeType:
    charge_type = unique_row(charge_types_visible_to(actor).filter(pk=charge_type_id))
    if charge_type is None:
        raise NotFound(
            f"Charge type {charge_type_id} not found.", fields={"charge_type_id": "not found"}
        )
    return charge_type


def tickets_with_worked_seconds(tickets: QuerySet[Ticket], name: str) -> QuerySet[Ticket]:
    """Each ticket annotated with its logged seconds (as `name`), one subquery per page."""
    logged = (
        TimeEntry.objects.filter(ticket=OuterRef("pk"))
        .order_by()
        .values("ticket")
        .annotate(total=Sum("worked_seconds"))
        .values("total")
    )
    return tickets.annotate(**{name: Coalesce(Subquery(logged), 0)})
