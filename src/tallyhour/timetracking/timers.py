"""Writes for timers: start, pause, resume, stop, the capture rules that follow ticket work,
and the guard that caps forgotten timers. Each service is one transaction and one audit row."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from tallyhour.accounts.models import Organisation, User
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking import sql
from tallyhour.timetracking.locks import closed_day
from tallyhour.timetracking.models import ChargeType, EntrySource, TimeEntry, Timer, TimerState
from tallyhour.timetracking.selectors import unique_row
from tallyhour.timetracking.services import (
    MAX_ENTRY_SECONDS,
    agent_profile,
    check_may_log_for,
    entry_span,
    lock_agent,
    resolve_charge_type,
    time_entry_insert,
)

log = logging.getLogger(__name__)

TIMER_FIELDS = ["agent", "ticket", "charge_type", "state", "accumulated_seconds", "running_since"]


def running_locked_orm(agent_id: int) -> list[Timer]:
    """`sql.running_timers_locked` in the ORM: the agent's running timers, locked."""
    return list(
        Timer.objects.select_for_update().filter(agent_id=agent_id, state=TimerState.RUNNING)
    )


def _pause_running(agent: User, now: dt.datetime) -> None:
    if connection.vendor == "postgresql":
        running = sql.running_timers_locked(agent.pk)
    else:
        running = running_locked_orm(agent.pk)
    for timer in running:
        timer.accumulated_seconds = timer.elapsed_seconds(now)
        timer.state, timer.running_since = TimerState.PAUSED, None
        timer.save(update_fields=["accumulated_seconds", "state", "running_since"])


def _delete(timer: Timer) -> None:
    if connection.vendor == "postgresql":
        sql.timer_delete(timer)
    else:
        timer.delete()


def _timer_clock(now: dt.datetime | None) -> dt.datetime:
    # Timer instants are whole seconds, so elapsed time and the logged entry agree exactly.
    return (now or dates.now()).replace(microsecond=0)


@transaction.atomic
def timer_start(
    *,
    agent: User,
    actor: User,
    ticket: Ticket | None = None,
    charge_type: ChargeType | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Timer:
    """Start a timer for the agent; any timer already running is paused first."""
    check_may_log_for(actor, agent)
    # Refuse now what stopping would refuse later: a timer whose time has no charge type could
    # never be stopped. A ticket timer keeps charge_type empty so the ticket (or the ticket
    # chosen at stop) decides.
    resolved = resolve_charge_type(agent=agent, ticket=ticket, charge_type=charge_type)
    if ticket is None:
        charge_type = resolved
    # The partial unique index is the last line of defence; the agent's row lock makes
    # parallel starts queue instead of failing.
    lock_agent(agent)
    # The clock is read once the agent's lock is held, so parallel starts queue in time order
    # and each one pauses the previous timer at the instant it itself starts.
    now = _timer_clock(now)
    _pause_running(agent, now)
    timer = Timer(
        agent=agent,
        ticket=ticket,
        charge_type=charge_type,
        note=note,
        state=TimerState.RUNNING,
        running_since=now,
        first_started_at=now,
    )
    # No savepoint around the insert: on a unique violation the whole service rolls back
    # with the Conflict, so nothing runs in the failed transaction (two round trips saved).
    try:
        if connection.vendor == "postgresql":
            sql.timer_insert(timer)
        else:
            timer.save()
    except IntegrityError as exc:  # another request won the race despite the lock (SQLite)
        raise Conflict(
            "Another timer is already running; try again.", code="timer_running"
        ) from exc
    audit_record(actor=actor, action="timer.start", obj=timer, after=snapshot(timer, TIMER_FIELDS))
    return timer


def timer_locked_orm(timer_id: int) -> Timer | None:
    """`sql.timer_locked` in the ORM: the timer under its row lock, with its ticket, the
    ticket's charge type and its own charge type."""
    return unique_row(
        Timer.objects.select_for_update(of=("self",))
        .select_related("ticket__charge_type", "charge_type")
        .filter(pk=timer_id)
    )


def _lock_timer(timer: Timer) -> Timer:
    """The timer re-read under its row lock, with the ticket and charge type a stop reads."""
    if connection.vendor == "postgresql":
        locked = sql.timer_locked(timer.pk)
    else:
        locked = timer_locked_orm(timer.pk)
    if locked is None:
        raise Conflict("This timer has already been stopped.", code="timer_gone")
    locked.agent = timer.agent  # the same row, locked already by lock_agent
    return locked


@transaction.atomic
def timer_pause(*, timer: Timer, actor: User, now: dt.datetime | None = None) -> Timer:
    check_may_log_for(actor, timer.agent)
    lock_agent(timer.agent)
    timer = _lock_timer(timer)
    now = _timer_clock(now)
    if timer.state == TimerState.RUNNING:
        timer.accumulated_seconds = timer.elapsed_seconds(now)
        timer.state, timer.running_since = TimerState.PAUSED, None
        timer.save(update_fields=["accumulated_seconds", "state", "running_since"])
        audit_record(
            actor=actor, action="timer.pause", obj=timer, after=snapshot(timer, TIMER_FIELDS)
        )
    return timer


@transaction.atomic
def timer_resume(*, timer: Timer, actor: User, now: dt.datetime | None = None) -> Timer:
    check_may_log_for(actor, timer.agent)
    lock_agent(timer.agent)
    timer = _lock_timer(timer)
    now = _timer_clock(now)
    if timer.state == TimerState.PAUSED:
        _pause_running(timer.agent, now)
        timer.state, timer.running_since = TimerState.RUNNING, now
        timer.save(update_fields=["state", "running_since"])
        audit_record(
            actor=actor, action="timer.resume", obj=timer, after=snapshot(timer, TIMER_FIELDS)
        )
    return timer


def _open_from(
    agent: User, start: dt.datetime, end: dt.datetime, lock_date: dt.date | None
) -> dt.datetime:
    """The first instant of [start, end) on a local day new time may go to, else `end`.

    Closed days are those on or before the organisation's lock date and those a submitted or
    approved week covers. A timer spans at most a day or two, so few days are asked about.
    """
    tz = dates.zone(agent_profile(agent).timezone)
    day, last = dates.local_date(start, tz), dates.local_date(end, tz)
    while day <= last:
        locked = lock_date is not None and day <= lock_date
        if not locked and closed_day(agent.pk, day) is None:
            return max(start, dates.local_midnight(day, tz))
        day += dt.timedelta(days=1)
    return end


def _log_timer_time(
    *,
    timer: Timer,
    actor: User,
    ticket: Ticket | None,
    note: str,
    seconds: int,
    now: dt.datetime,
    needs_review: bool,
    lock_date: dt.date | None,
) -> TimeEntry:
    """Log a timer's time as entries ending now; the caller holds the agent's lock.

    A timer is never stuck: time that falls on closed days (lock date, submitted week) is
    split off at the boundary into its own entry, flagged for review, where the approver
    decides on it (a follow-up submission carries it). Overlaps are refused as everywhere.
    """
    agent = timer.agent
    charge = resolve_charge_type(agent=agent, ticket=ticket, charge_type=timer.charge_type)
    start = now - dt.timedelta(seconds=seconds)
    boundary = _open_from(agent, start, now, lock_date)
    parts = []
    if boundary > start:
        parts.append((start, boundary, True))
    if boundary < now:
        parts.append((boundary, now, needs_review))
    entries = [
        time_entry_insert(
            agent=agent,
            actor=actor,
            span=entry_span(part_start, part_end, None),
            ticket=ticket,
            charge=charge,
            note=note,
            source=EntrySource.TIMER,
            needs_review=review,
            days_checked=True,
            reason="timer time on a closed day" if part_end <= boundary else "",
        )
        for part_start, part_end, review in parts
    ]
    return entries[-1]


@transaction.atomic
def timer_stop(
    *,
    timer: Timer,
    actor: User,
    ticket: Ticket | None = None,
    note: str | None = None,
    seconds: int | None = None,
    discard: bool = False,
    now: dt.datetime | None = None,
) -> TimeEntry | None:
    """Stop a timer and log its time as an entry ending now; None when nothing was logged.

    `seconds` logs that instead of what the timer counted (the stop dialog's edited time).
    Nothing is logged when `discard` is asked, nor when the timer counted less than the
    organisation's `timer_discard_seconds` with no note: a stray click leaves no 0:00 entry.
    A forgotten timer (over 24 hours) is logged capped at 24 hours and flagged for review,
    never billed as is.
    """
    check_may_log_for(actor, timer.agent)
    if seconds is not None and not 0 <= seconds <= MAX_ENTRY_SECONDS:
        raise InvalidInput(
            "The time to log must be between 0:00 and 24:00.", fields={"seconds": "out of range"}
        )
    lock_agent(timer.agent)
    timer = _lock_timer(timer)
    now = _timer_clock(now)
    counted = timer.elapsed_seconds(now)
    note = timer.note if note is None else note.strip()
    logged = min(counted if seconds is None else seconds, MAX_ENTRY_SECONDS)
    entry = None
    # Under a second there is nothing to log, and nothing to read (the API's hot path).
    organisation = Organisation.current() if not discard and logged >= 1 else None
    stray = (
        organisation is not None
        and seconds is None
        and not note
        and counted < organisation.timer_discard_seconds
    )
    if organisation is not None and not stray:
        entry = _log_timer_time(
            timer=timer,
            actor=actor,
            ticket=ticket or timer.ticket,
            note=note,
            seconds=logged,
            now=now,
            needs_review=counted > MAX_ENTRY_SECONDS,
            lock_date=organisation.lock_date,
        )
    audit_record(
        actor=actor,
        action="timer.stop" if entry is not None else "timer.discard",
        obj=timer,
        before=snapshot(timer, TIMER_FIELDS),
        after={"entry": entry.pk if entry else None, "seconds": counted},
    )
    _delete(timer)
    return entry


# --- capture: timers that follow ticket work ----------------------------------------------------


def _ticket_timer(agent: User, ticket: Ticket) -> Timer | None:
    """The agent's timer on this ticket (the newest, should an API client have made two)."""
    return (
        Timer.objects.select_for_update()
        .filter(agent=agent, ticket=ticket)
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def timer_start_for_ticket(
    *, agent: User, actor: User, ticket: Ticket, now: dt.datetime | None = None
) -> Timer:
    """Run the agent's timer for `ticket`: resume the one it has, else start one.

    Whatever else was running is paused, so switching tickets never counts time twice.
    """
    check_may_log_for(actor, agent)
    lock_agent(agent)
    existing = _ticket_timer(agent, ticket)
    if existing is None:
        return timer_start(agent=agent, actor=actor, ticket=ticket, now=now)
    if existing.state == TimerState.RUNNING:
        return existing
    return timer_resume(timer=existing, actor=actor, now=now)


@dataclass
class TakenTime:
    """What a ticket's timer had counted when an action took its time."""

    seconds: int
    timer: Timer | None


@transaction.atomic
def timer_take_for_action(
    *, agent: User, actor: User, ticket: Ticket, then: str, now: dt.datetime
) -> TakenTime:
    """Take the time the agent's timer on `ticket` has counted, for an action to log.

    `then` says what the timer does next: `restart` runs it again from zero (starting one
    when the organisation captures work), `pause` leaves it paused at zero (on hold,
    resolved), `stop` removes it (closed). The caller holds the agent's lock already.
    """
    check_may_log_for(actor, agent)
    lock_agent(agent)
    now = now.replace(microsecond=0)
    timer = _ticket_timer(agent, ticket)
    seconds = timer.elapsed_seconds(now) if timer is not None else 0
    before = snapshot(timer, TIMER_FIELDS) if timer is not None else None
    if timer is not None and then == "stop":
        audit_record(
            actor=actor,
            action="timer.stop",
            obj=timer,
            before=before,
            after={"logged_on_action": True, "seconds": seconds},
        )
        _delete(timer)
        return TakenTime(seconds=seconds, timer=None)
    if timer is None:
        capturing = Organisation.current().capture_mode != "off"
        if then == "restart" and capturing:
            timer = timer_start(agent=agent, actor=actor, ticket=ticket, now=now)
        return TakenTime(seconds=0, timer=timer)
    timer.accumulated_seconds = 0
    if then == "restart":
        if timer.state != TimerState.RUNNING:
            _pause_running(agent, now)
        timer.state, timer.running_since = TimerState.RUNNING, now
    else:
        timer.state, timer.running_since = TimerState.PAUSED, None
    timer.save(update_fields=["accumulated_seconds", "state", "running_since"])
    audit_record(
        actor=actor,
        action=f"timer.{then}",
        obj=timer,
        before=before,
        after={**snapshot(timer, TIMER_FIELDS), "taken_seconds": seconds},
    )
    return TakenTime(seconds=seconds, timer=timer)


@transaction.atomic
def timers_pause_on_ticket(*, ticket: Ticket, actor: User, now: dt.datetime) -> int:
    """Pause every agent's running timer on a ticket (it went on hold, was resolved or closed)."""
    now = now.replace(microsecond=0)
    agent_ids = sorted(
        Timer.objects.filter(ticket=ticket, state=TimerState.RUNNING).values_list(
            "agent_id", flat=True
        )
    )
    paused = 0
    for agent in User.objects.filter(pk__in=agent_ids).order_by("pk"):
        lock_agent(agent)
        for timer in Timer.objects.select_for_update().filter(
            agent=agent, ticket=ticket, state=TimerState.RUNNING
        ):
            timer.accumulated_seconds = timer.elapsed_seconds(now)
            timer.state, timer.running_since = TimerState.PAUSED, None
            timer.save(update_fields=["accumulated_seconds", "state", "running_since"])
            audit_record(
                actor=actor,
                action="timer.pause",
                obj=timer,
                after=snapshot(timer, TIMER_FIELDS),
                reason=f"ticket {ticket.pk} is {ticket.status}",
            )
            paused += 1
    return paused
