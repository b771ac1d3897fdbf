"""Capture rules: timers that run while a ticket is worked, and an action's time logged.

Organisation settings (see Organisation.capture_mode):
- on_open: opening a ticket the agent works — assigned to them, or unassigned in one of
  their teams' queues — starts (or resumes) their timer for it. The page sends a POST once
  it has loaded; viewing anyone else's ticket starts and pauses nothing, and no GET does;
- on_action: pressing an action button on the ticket starts it; off: only by hand;
- starting another ticket's timer pauses the running one (one running timer per agent);
- on hold or resolved pauses the ticket's timers; closing stops the closer's timer and logs
  what it counted on the closing action;
- an action logs the timer's time (as offered, or as edited) and restarts it from zero.

Servicedesk sends its signals (`servicedesk.signals`) from inside its services; `connect()`
(called from this app's `ready()`) hooks these rules to them.
"""

import datetime as dt
from typing import Any

from django.db import transaction

from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.core import dates
from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.servicedesk import signals
from tallyhour.servicedesk.models import Action, ActionKind, Ticket, TicketStatus
from tallyhour.servicedesk.services import action_create
from tallyhour.timetracking.models import ChargeType, EntrySource, TimeEntry, Timer
from tallyhour.timetracking.services import MAX_ENTRY_SECONDS, lock_agent, time_entry_create
from tallyhour.timetracking.timers import (
    timer_start_for_ticket,
    timer_stop,
    timer_take_for_action,
    timers_pause_on_ticket,
)

# Refusals of time on a day that is closed (a submitted week, the lock date).
CLOSED_DAY_CODES = ("week_locked", "locked_period")

# Statuses in which nobody is working the ticket, so its timers stop counting.
PAUSING_STATUSES = (TicketStatus.ON_HOLD, TicketStatus.RESOLVED)
# Opening or acting on a ticket in these statuses starts capture.
WORKABLE_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS)


def _clock(now: dt.datetime | None) -> dt.datetime:
    return (now or dates.now()).replace(microsecond=0)


def _capturing(mode: str) -> bool:
    return Organisation.current().capture_mode == mode


def captures_on_open(*, ticket: Ticket, actor: User) -> bool:
    """Whether opening `ticket` starts the actor's timer: capture on_open, a workable status,
    and the ticket is theirs (assigned to them, or unassigned in one of their teams)."""
    if not _capturing("on_open") or ticket.status not in WORKABLE_STATUSES:
        return False
    if ticket.assignee_id is not None:
        return bool(ticket.assignee_id == actor.pk)
    if ticket.team_id is None:
        return False
    return Agent.objects.filter(user_id=actor.pk, teams=ticket.team_id).exists()


@transaction.atomic
def ticket_open(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Timer | None:
    """The agent opened the ticket to work it: under the on_open rule its timer runs."""
    if not captures_on_open(ticket=ticket, actor=actor):
        return None
    return timer_start_for_ticket(agent=actor, actor=actor, ticket=ticket, now=_clock(now))


@transaction.atomic
def ticket_work(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Timer | None:
    """The agent pressed an action button: unless capture is off, the ticket's timer runs."""
    if _capturing("off") or ticket.status == TicketStatus.CLOSED:
        return None
    return timer_start_for_ticket(agent=actor, actor=actor, ticket=ticket, now=_clock(now))


def _next_for_timer(new_status: str | None, stop_timer: bool) -> str:
    if stop_timer or new_status == TicketStatus.CLOSED:
        return "stop"
    if new_status in PAUSING_STATUSES:
        return "pause"
    return "restart"


def action_prepare(*, actor: User, time_seconds: int | None) -> None:
    """Check an action's time and take the agent's lock before the ticket's."""
    if time_seconds is not None and not 0 <= time_seconds <= MAX_ENTRY_SECONDS:
        raise InvalidInput(
            "Time on an action must be between 0 and 24 hours.",
            fields={"time_minutes": "out of range"},
        )
    lock_agent(actor)


def action_time_log(
    *,
    ticket: Ticket,
    actor: User,
    time_seconds: int | None,
    new_status: str | None,
    charge_type: ChargeType | None,
    is_billable: bool | None,
    note: str,
    now: dt.datetime,
    stop_timer: bool = False,
    span: tuple[dt.datetime, dt.datetime] | None = None,
    capture: bool = True,
    nonbillable_seconds: int = 0,
) -> tuple[int, TimeEntry | None]:
    """Log an action's time: what the timer counted (`time_seconds` None) or the time given.

    Either way the timer starts again from zero, pauses (on hold, resolved) or stops (closed,
    or `stop_timer`). An integration that states its time (`capture` False, `span` when it
    says when the work happened) leaves the agent's timers alone: it logs what it sent and
    nothing else, so an API call never turns a timer's seconds into an entry.
    """
    if capture:
        taken = timer_take_for_action(
            agent=actor,
            actor=actor,
            ticket=ticket,
            then=_next_for_timer(new_status, stop_timer),
            now=now,
        )
        seconds = taken.seconds if time_seconds is None else time_seconds
    else:
        seconds = time_seconds or 0
    if span is not None:
        start, end = span
        seconds = int((end - start).total_seconds())
    else:
        # The action's time ends now, where the work it measured ended.
        start, end = now - dt.timedelta(seconds=seconds), now
    if seconds < 1:
        return max(seconds, 0), None
    # Like every other path it is refused when it overlaps another entry (unless the agent may
    # overlap) or falls on a submitted week or before the lock date: the message names why.
    entry = time_entry_create(
        agent=actor,
        actor=actor,
        started_at=start,
        ended_at=end,
        ticket=ticket,
        charge_type=charge_type,
        is_billable=is_billable,
        note=note,
        source=EntrySource.ACTION,
        nonbillable_seconds=nonbillable_seconds,
    )
    return seconds, entry


@transaction.atomic
def timer_stop_as_action(
    *,
    timer: Timer,
    actor: User,
    note: str,
    seconds: int | None = None,
    client_visible: bool = False,
    now: dt.datetime | None = None,
) -> Action | None:
    """The stop dialog's "log it as a note on the ticket": the timer's time (or `seconds`)
    becomes a note action on its ticket, and the timer stops.

    Like `timer_stop`, a timer that counted less than the organisation's threshold with
    nothing typed is discarded (None); otherwise the note is what the client and approver
    read, so it is required.
    """
    if timer.ticket is None:
        raise InvalidInput(
            "This timer is not on a ticket: log it as a time entry.",
            fields={"log_as": "no ticket"},
        )
    now = _clock(now)
    note = note.strip()
    if not note:
        short = timer.elapsed_seconds(now) < Organisation.current().timer_discard_seconds
        if seconds is None and short:
            timer_stop(timer=timer, actor=actor, discard=True, now=now)
            return None
        raise InvalidInput(
            "Say what you did: it becomes the note on the ticket.", fields={"note": "required"}
        )
    try:
        return action_create(
            ticket=timer.ticket,
            actor=actor,
            kind=ActionKind.NOTE,
            body=note,
            time_seconds=seconds,
            client_visible=client_visible,
            stop_timer=True,
            now=now,
        )
    except Conflict as exc:
        if exc.code not in CLOSED_DAY_CODES:
            raise
        # An action's time is one span; an entry can be split at the closed day's end.
        raise Conflict(
            "Part of this time falls on a day that is submitted or locked. Log it as a time "
            "entry: it is split there and flagged for review, nothing is lost.",
            fields={"log_as": "closed day"},
            code=exc.code,
        ) from exc


# --- receivers of servicedesk's signals ---------------------------------------------------------


def _on_ticket_opened(*, ticket: Ticket, actor: User, now: dt.datetime, **_: Any) -> None:
    ticket_open(ticket=ticket, actor=actor, now=now)


def _on_ticket_worked(
    *, ticket: Ticket, actor: User, kind: str, now: dt.datetime, **_: Any
) -> None:
    if kind:
        ticket_work(ticket=ticket, actor=actor, now=now)
    else:
        timer_start_for_ticket(agent=actor, actor=actor, ticket=ticket)


def _on_action_preparing(*, actor: User, time_seconds: int | None, **_: Any) -> None:
    action_prepare(actor=actor, time_seconds=time_seconds)


def _on_action_time_logging(**kwargs: Any) -> tuple[int, TimeEntry | None]:
    kwargs.pop("signal")
    kwargs.pop("sender")
    return action_time_log(**kwargs)


def _on_status_changed(
    *, ticket: Ticket, actor: User, new_status: str, now: dt.datetime, **_: Any
) -> None:
    if new_status in (*PAUSING_STATUSES, TicketStatus.CLOSED):
        timers_pause_on_ticket(ticket=ticket, actor=actor, now=now)


def connect() -> None:
    """Hook the capture rules to ticket work (from TimetrackingConfig.ready)."""
    uid = "timetracking.capture"
    signals.ticket_opened.connect(_on_ticket_opened, dispatch_uid=uid)
    signals.ticket_worked.connect(_on_ticket_worked, dispatch_uid=uid)
    signals.action_preparing.connect(_on_action_preparing, dispatch_uid=uid)
    signals.action_time_logging.connect(_on_action_time_logging, dispatch_uid=uid)
    signals.ticket_status_changed.connect(_on_status_changed, dispatch_uid=uid)
