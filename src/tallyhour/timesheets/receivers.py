"""Timesheets' answers to ticket work (connected in TimesheetsConfig.ready)."""

import datetime as dt
from typing import Any

from tallyhour.accounts.models import User
from tallyhour.servicedesk import signals
from tallyhour.servicedesk.models import Ticket, TicketStatus
from tallyhour.timesheets.services import submissions_submit_closed_ticket


def _on_status_changed(
    *, ticket: Ticket, actor: User, new_status: str, now: dt.datetime, **_: Any
) -> None:
    if new_status == TicketStatus.CLOSED:
        # Per-ticket submission mode sends the ticket's time for approval on close.
        submissions_submit_closed_ticket(ticket=ticket, actor=actor, now=now)


def connect() -> None:
    # After timetracking's receiver (its app is installed first): timers pause, then submit.
    signals.ticket_status_changed.connect(_on_status_changed, dispatch_uid="timesheets.tickets")
