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
from tallyhour.timetracking.capture import captures_on_open
from tallyhour.timetracking.models import Timer, TimerState
from tallyhour.timetracking.selectors import (
    ProjectSummary,
    project_summary,
    time_on_ticket,
    timer_for_ticket,
)

register = template.Library()

CAPTURE_HELP = {
    "on_open": "Opening a ticket assigned to you, or an unassigned one in your team's queue, "
    "starts your timer for it. Viewing anyone else's ticket changes nothing.",
    "on_action": "Your timer starts when you press Note, Reply or Change status.",
    "off": "Timers start only when you press Start.",
}


@dataclass(frozen=True)
class TicketCapture:
    """The signed-in agent's time on one ticket, as its page shows it."""

    timer: Timer | None
    offered: str  # the timer's time as h:mm, prefilled as an action's time
    mode: str  # the organisation's capture mode
    starts_on_open: bool  # the page asks to start the timer (see capture.captures_on_open)
    help: str
    logged: tuple[int, int]  # worked seconds: (billable, non-billable)


@register.simple_tag(takes_context=True)
def ticket_capture(context: dict[str, Any], ticket: Ticket) -> TicketCapture:
    """`{% ticket_capture ticket as capture %}`: read once, used by every panel of the page."""
    user = context["request"].user
    timer = timer_for_ticket(user, ticket.pk)
    mode = Organisation.current().capture_mode
    running = timer is not None and timer.state == TimerState.RUNNING
    return TicketCapture(
        timer=timer,
        offered=dates.duration_text(timer.elapsed_seconds(dates.now())) if timer else "",
        mode=mode,
        starts_on_open=not running and captures_on_open(ticket=ticket, actor=user),
        help=CAPTURE_HELP.get(mode, ""),
        logged=time_on_ticket(ticket),
    )


@register.simple_tag(takes_context=True)
def project_time(context: dict[str, Any], project: Ticket) -> ProjectSummary:
    """`{% project_time project as summary %}`: budget against time logged, per task."""
    return project_summary(actor=context["request"].user, project=project)
