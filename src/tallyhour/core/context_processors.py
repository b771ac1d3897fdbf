"""Values every page header needs: the running timer and the count of unread notices."""

from typing import Any

from django.db.models import Count, FilteredRelation, Q
from django.http import HttpRequest

from tallyhour.accounts.models import User
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, Timer, TimerState

_TIMER = "running_timer"


def header(request: HttpRequest) -> dict[str, Any]:
    """One query for the whole header, so every page's query budget pays for it once."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            **{_TIMER: FilteredRelation("timers", condition=Q(timers__state=TimerState.RUNNING))},
            unread_notices=Count("notices", filter=Q(notices__read_at__isnull=True), distinct=True),
        )
        .values(
            "unread_notices",
            f"{_TIMER}__id",
            f"{_TIMER}__accumulated_seconds",
            f"{_TIMER}__running_since",
            f"{_TIMER}__note",
            f"{_TIMER}__ticket_id",
            f"{_TIMER}__ticket__summary",
            f"{_TIMER}__charge_type_id",
            f"{_TIMER}__charge_type__name",
        )
        .first()
    )
    if row is None:
        return {}
    return {"header_timer": _timer_from(row), "unread_notices": row["unread_notices"]}


def _timer_from(row: dict[str, Any]) -> Timer | None:
    """An unsaved Timer (with its ticket and charge type) rebuilt from the header row."""
    if row[f"{_TIMER}__id"] is None:
        return None
    timer = Timer(
        pk=row[f"{_TIMER}__id"],
        state=TimerState.RUNNING,
        accumulated_seconds=row[f"{_TIMER}__accumulated_seconds"],
        running_since=row[f"{_TIMER}__running_since"],
        note=row[f"{_TIMER}__note"],
    )
    if row[f"{_TIMER}__ticket_id"] is not None:
        timer.ticket = Ticket(
            pk=row[f"{_TIMER}__ticket_id"], summary=row[f"{_TIMER}__ticket__summary"]
        )
    if row[f"{_TIMER}__charge_type_id"] is not None:
        timer.charge_type = ChargeType(
            pk=row[f"{_TIMER}__charge_type_id"], name=row[f"{_TIMER}__charge_type__name"]
        )
    return timer
