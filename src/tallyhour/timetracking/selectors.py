"""Reads for time entries and timers, restricted to what the actor may see."""

import datetime as dt
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import approved_agent_ids, can_admin, can_bill
from tallyhour.core.errors import NotFound
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


def timer_get(*, actor: User, timer_id: int) -> Timer:
    # With what a pause, resume or stop reads (a ticket timer's stop logs to the ticket's
    # charge type).
    timer = unique_row(
        Timer.objects.select_related("agent", "ticket__charge_type", "charge_type").filter(
            pk=timer_id
        )
    )
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
