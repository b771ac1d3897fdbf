"""Time on the service desk's pages: `{% load ticket_time %}`.

The ticket and project pages belong to servicedesk, which sits below timetracking; they show
the agent's timer, the time offered for an action and the time logged through these tags.
"""

from dataclasses import dataclass
from typing import Any

from django import template

from tallyhour.accounts.models import Organisation
from tallyhour.core import dates
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import Timer
from tallyhour.timetracking.selectors import (
    ProjectSummary,
    project_summary,
    time_on_ticket,
    timer_for_ticket,
)

register = template.Library()

CAPTURE_HELP = {
    "on_open": "Opening this page starts your timer for the ticket.",
    "on_action": "Your timer starts when you press Note, Reply or Change status.",
    "off": "Timers start only when you press Start.",
}


@dataclass(frozen=True)
class TicketCapture:
    """The signed-in agent's time on one ticket, as its page shows it."""

    timer: Timer | None
    offered: str  # the timer's time as h:mm, prefilled as an action's time
    mode: str  # the organisation's capture mode
    help: str
    logged: tuple[int, int]  # worked seconds: (billable, non-billable)


def _minutes_text(seconds: int) -> str:
    minutes = seconds // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.simple_tag(takes_context=True)
def ticket_capture(context: dict[str, Any], ticket: Ticket) -> TicketCapture:
    """`{% ticket_capture ticket as capture %}`: read once, used by every panel of the page."""
    timer = timer_for_ticket(context["request"].user, ticket.pk)
    mode = Organisation.current().capture_mode
    return TicketCapture(
        timer=timer,
        offered=_minutes_text(timer.elapsed_seconds(dates.now())) if timer else "",
        mode=mode,
        help=CAPTURE_HELP.get(mode, ""),
        logged=time_on_ticket(ticket),
    )


@register.simple_tag(takes_context=True)
def project_time(context: dict[str, Any], project: Ticket) -> ProjectSummary:
    """`{% project_time project as summary %}`: budget against time logged, per task."""
    return project_summary(actor=context["request"].user, project=project)
