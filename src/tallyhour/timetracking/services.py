"""Writes for time entries and timers. Each service is one transaction and one audit row."""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet

from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    full_clean_or_invalid,
)
from tallyhour.core.events import event_emit
from tallyhour.core.notices import notice_send
from tallyhour.core.prepared import Prepared, delete, insert
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.locks import closed_week, lock_date_check
from tallyhour.timetracking.models import (
    EDITABLE_STATES,
    ChargeType,
    EntrySource,
    EntryState,
    TimeEntry,
    Timer,
    TimerState,
)
from tallyhour.timetracking.selectors import unique_row

log = logging.getLogger(__name__)

ENTRY_FIELDS = [
    "agent",
    "ticket",
    "charge_type",
    "started_at",
    "ended_at",
    "worked_seconds",
    "is_billable",
    "billable_seconds",
    "note",
    "source",
    "state",
    "invoice_line",
]
MAX_ENTRY_SECONDS = 24 * 3600


_PROFILE = User.agent.related  # the one-to-one a loaded user object keeps its profile in


def agent_profile(user: User) -> Agent:
    """The user's agent profile (created on first use), read once per user object.

    One write asks for it up to four times (charge type, lock date, week, overlaps); it is
    kept on the user object like any loaded one-to-one, with its default charge type."""
    agent = cast(Agent | None, _PROFILE.get_cached_value(user, default=None))
    if agent is None:
        agent = unique_row(Agent.objects.select_related("default_charge_type").filter(user=user))
        if agent is None:
            agent, _ = Agent.objects.get_or_create(user=user)
        user.agent = agent
    return agent


def _resolve_charge_type(
    *, agent: User, ticket: Ticket | None, charge_type: ChargeType | None
) -> ChargeType:
    """Explicit choice, else the ticket's, else the agent's default."""
    if charge_type is not None:
        return charge_type
    if ticket is not None and ticket.charge_type_id:
        return ticket.charge_type  # type: ignore[return-value]
    if ticket is not None and ticket.ticket_type_id:
        type_default = ticket.ticket_type.default_charge_type  # type: ignore[union-attr]
        if type_default is not None:
            return type_default
    default = agent_profile(agent).default_charge_type
    if default is not None:
        return default
    raise InvalidInput(
        "Choose a charge type: neither the ticket nor the agent has a default.",
        fields={"charge_type_id": "required"},
    )


def _check_may_log_for(actor: User, agent: User) -> None:
    if actor.pk != agent.pk and not actor.is_admin_role:
        raise Forbidden("You can only log and change your own time.")


def _check_week_open(agent: User, started_at: dt.datetime, moving: TimeEntry | None = None) -> None:
    """New or moved time may not land in a week that is already submitted or approved.

    An entry the approver returned (rejected) may still be corrected within its own week.
    """
    tz = dates.zone(agent_profile(agent).timezone)
    monday = dates.week_start(dates.local_date(started_at, tz))
    if (
        moving is not None
        and moving.state == EntryState.REJECTED
        and dates.week_start(dates.local_date(moving.started_at, tz)) == monday
    ):
        return
    closed = closed_week(agent.pk, monday)
    if closed is not None:
        week_start, state = closed
        raise Conflict(
            f"The week of {week_start:%Y-%m-%d} is {state}; recall or reopen it first.",
            fields={"started_at": f"week {state}"},
            code="week_locked",
        )


def lock_agent(agent: User) -> None:
    """Serialise one agent's time writes (entries, timers, submissions) behind a row lock.

    Overlap and week checks read before they write; without the lock two parallel requests
    could both pass them. Always take it before locking entries or timers, so the lock order
    is the same everywhere and PostgreSQL never sees a deadlock.
    """
    _agent_lock(agent.pk)


# Only the lock is wanted: one column, no ordering, no model to build.
_agent_lock = Prepared(
    lambda pk: User.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True), int
)


def _overlaps(
    agent_id: int, since: dt.datetime, start: dt.datetime, end: dt.datetime
) -> QuerySet[Any]:
    return (
        TimeEntry.objects.filter(
            agent_id=agent_id, started_at__gt=since, started_at__lt=end, ended_at__gt=start
        )
        .values_list("pk", "started_at", "ended_at")
        .order_by("pk")
    )


# The first entry of the agent's that a new (or moved) span would overlap, other than `moving`
# (0 for a new span: no entry has that id). No entry is longer than a day, so one that
# overlaps began at most a day before the span: `since` keeps the index range to that day
# instead of the agent's whole history before the span's end.
_first_overlap = Prepared(
    lambda agent_id, since, start, end, moving: _overlaps(agent_id, since, start, end).exclude(
        pk=moving
    )[:1],
    int,
    dt.datetime,
    dt.datetime,
    dt.datetime,
    int,
)


def _check_overlap(
    agent: User, started_at: dt.datetime, ended_at: dt.datetime, exclude_id: int | None = None
) -> None:
    if agent_profile(agent).allow_overlaps:
        return
    since = started_at - dt.timedelta(seconds=MAX_ENTRY_SECONDS)
    clashes = _first_overlap(agent.pk, since, started_at, ended_at, exclude_id or 0)
    for pk, clash_start, clash_end in clashes:
        raise Conflict(
            f"Overlaps time entry {pk} ({clash_start:%Y-%m-%d %H:%M}–{clash_end:%H:%M} UTC).",
            fields={"started_at": f"overlaps entry {pk}"},
            code="overlap",
        )


def _span(
    started_at: dt.datetime, ended_at: dt.datetime | None, duration_minutes: int | None
) -> tuple[dt.datetime, dt.datetime, int]:
    if started_at.tzinfo is None:
        raise InvalidInput("started_at needs a time zone offset.", fields={"started_at": "naive"})
    # Durations are whole seconds: drop sub-second parts so worked_seconds is exactly the span.
    started_at = started_at.replace(microsecond=0)
    if ended_at is None and duration_minutes is None:
        raise InvalidInput("Give ended_at or duration_minutes.", fields={"ended_at": "required"})
    if ended_at is not None and duration_minutes is not None:
        raise InvalidInput(
            "Give ended_at or duration_minutes, not both.", fields={"duration_minutes": "conflict"}
        )
    if duration_minutes is not None:
        if duration_minutes <= 0:
            raise InvalidInput(
                "duration_minutes must be positive.", fields={"duration_minutes": "not positive"}
            )
        ended_at = started_at + dt.timedelta(minutes=duration_minutes)
    assert ended_at is not None
    if ended_at.tzinfo is None:
        raise InvalidInput("ended_at needs a time zone offset.", fields={"ended_at": "naive"})
    ended_at = ended_at.replace(microsecond=0)
    if ended_at <= started_at:
        raise InvalidInput(
            "ended_at must be after started_at.", fields={"ended_at": "before start"}
        )
    seconds = int((ended_at - started_at).total_seconds())
    if seconds > MAX_ENTRY_SECONDS:
        field = "duration_minutes" if duration_minutes is not None else "ended_at"
        raise InvalidInput("An entry cannot be longer than 24 hours.", fields={field: "too long"})
    return started_at.astimezone(dt.UTC), ended_at.astimezone(dt.UTC), seconds


def _billable_defaults(
    charge_type: ChargeType, is_billable: bool | None, seconds: int
) -> tuple[bool, int]:
    billable = charge_type.is_billable if is_billable is None else is_billable
    return billable, (seconds if billable else 0)


def _validate_new_entry(entry: TimeEntry) -> None:
    """Field validation for an entry built by time_entry_create.

    Its check constraints (span, worked and billable seconds, state) hold by construction
    (`_span`, `_billable_defaults`) and the database enforces them; Django would test each
    one with its own query in a savepoint, 15 round trips per entry. The agent, ticket and
    charge type were read in this request, so their existence is not asked again either.
    """
    exclude = ["submission", "invoice_line", "agent", "ticket", "charge_type"]
    try:
        entry.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError:
        # The same failure, reported the usual way (422 naming the field).
        full_clean_or_invalid(entry, exclude=["submission", "invoice_line"])
        raise


@transaction.atomic
def time_entry_create(
    *,
    agent: User,
    actor: User,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    duration_minutes: int | None = None,
    ticket: Ticket | None = None,
    charge_type: ChargeType | None = None,
    is_billable: bool | None = None,
    note: str = "",
    source: str = EntrySource.MANUAL,
    reason: str = "",
    check_overlap: bool = True,
    needs_review: bool = False,
) -> TimeEntry:
    _check_may_log_for(actor, agent)
    start, end, seconds = _span(started_at, ended_at, duration_minutes)
    charge = _resolve_charge_type(agent=agent, ticket=ticket, charge_type=charge_type)
    lock_agent(agent)
    return _entry_insert(
        agent=agent,
        actor=actor,
        span=(start, end, seconds),
        ticket=ticket,
        charge=charge,
        is_billable=is_billable,
        note=note,
        source=source,
        reason=reason,
        check_overlap=check_overlap,
        needs_review=needs_review,
    )


def _entry_insert(
    *,
    agent: User,
    actor: User,
    span: tuple[dt.datetime, dt.datetime, int],
    ticket: Ticket | None,
    charge: ChargeType,
    note: str,
    source: str,
    is_billable: bool | None = None,
    reason: str = "",
    check_overlap: bool = True,
    needs_review: bool = False,
) -> TimeEntry:
    """Check and write a new entry; the caller holds the agent's lock in its transaction."""
    start, end, seconds = span
    lock_date_check(
        actor=actor,
        zone=lambda: dates.zone(agent_profile(agent).timezone),
        started_at=[start],
        reason=reason,
    )
    _check_week_open(agent, start)
    if check_overlap:
        _check_overlap(agent, start, end)
    billable, billable_seconds = _billable_defaults(charge, is_billable, seconds)
    entry = TimeEntry(
        agent=agent,
        ticket=ticket,
        charge_type=charge,
        started_at=start,
        ended_at=end,
        worked_seconds=seconds,
        is_billable=billable,
        billable_seconds=billable_seconds,
        note=note,
        source=source,
        state=EntryState.DRAFT,
        needs_review=needs_review,
    )
    _validate_new_entry(entry)
    insert(entry)
    audit_record(
        actor=actor,
        action="time_entry.create",
        obj=entry,
        after=snapshot(entry, ENTRY_FIELDS),
        reason=reason,
    )
    event_emit("time_entry.created", entry_event(entry))
    return entry


def entry_event(entry: TimeEntry) -> dict[str, Any]:
    """The public shape of an entry in webhook payloads."""
    return {
        "id": entry.pk,
        "agent_id": entry.agent_id,
        "ticket_id": entry.ticket_id,
        "charge_type_id": entry.charge_type_id,
        "started_at": entry.started_at,
        "ended_at": entry.ended_at,
        "worked_seconds": entry.worked_seconds,
        "billable_seconds": entry.billable_seconds,
        "is_billable": entry.is_billable,
        "source": entry.source,
        "state": entry.state,
        "needs_review": entry.needs_review,
    }


def _lock_entry(entry: TimeEntry) -> TimeEntry:
    return TimeEntry.objects.select_for_update().select_related("agent").get(pk=entry.pk)


def _check_editable(entry: TimeEntry) -> None:
    if entry.invoice_line_id is not None:
        raise Conflict(f"Time entry {entry.pk} is invoiced and cannot change.", code="invoiced")
    if entry.state not in EDITABLE_STATES:
        raise Conflict(
            f"Time entry {entry.pk} is {entry.state} and locked; "
            + (
                "recall the submission to edit it."
                if entry.state == EntryState.SUBMITTED
                else "an approver must reopen it first."
            ),
            code=f"entry_{entry.state}",
        )


@transaction.atomic
def time_entry_update(
    *, entry: TimeEntry, actor: User, changes: dict[str, Any], reason: str = ""
) -> TimeEntry:
    """Change an editable entry; `changes` keys are model-level names (ticket, charge_type, …)."""
    lock_agent(entry.agent)
    entry = _lock_entry(entry)
    _check_may_log_for(actor, entry.agent)
    _check_editable(entry)
    before = snapshot(entry, ENTRY_FIELDS)
    lock_date_check(
        actor=actor,
        zone=lambda: dates.zone(agent_profile(entry.agent).timezone),
        started_at=[entry.started_at],
        reason=reason,
    )

    started = changes.get("started_at", entry.started_at)
    if "duration_minutes" in changes:
        # Both given is as ambiguous here as on create, so the same error applies.
        start, end, seconds = _span(started, changes.get("ended_at"), changes["duration_minutes"])
    else:
        start, end, seconds = _span(started, changes.get("ended_at", entry.ended_at), None)
    if "ticket" in changes:
        entry.ticket = changes["ticket"]
    if "charge_type" in changes:
        entry.charge_type = changes["charge_type"]
    if "note" in changes:
        entry.note = changes["note"]
    if start != entry.started_at or end != entry.ended_at:
        lock_date_check(
            actor=actor,
            zone=lambda: dates.zone(agent_profile(entry.agent).timezone),
            started_at=[start],
            reason=reason,
        )
        _check_week_open(entry.agent, start, moving=entry)
        _check_overlap(entry.agent, start, end, exclude_id=entry.pk)
    entry.started_at, entry.ended_at, entry.worked_seconds = start, end, seconds
    billable = changes.get(
        "is_billable", entry.is_billable if "charge_type" not in changes else None
    )
    entry.is_billable, entry.billable_seconds = _billable_defaults(
        entry.charge_type, billable, seconds
    )
    entry.version += 1
    full_clean_or_invalid(entry, exclude=["submission", "invoice_line"])
    entry.save()
    audit_record(
        actor=actor,
        action="time_entry.update",
        obj=entry,
        before=before,
        after=snapshot(entry, ENTRY_FIELDS),
        reason=reason,
    )
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User, reason: str = "") -> None:
    lock_agent(entry.agent)
    entry = _lock_entry(entry)
    _check_may_log_for(actor, entry.agent)
    _check_editable(entry)
    lock_date_check(
        actor=actor,
        zone=lambda: dates.zone(agent_profile(entry.agent).timezone),
        started_at=[entry.started_at],
        reason=reason,
    )
    before = snapshot(entry, ENTRY_FIELDS)
    audit_record(actor=actor, action="time_entry.delete", obj=entry, before=before, reason=reason)
    entry.delete()


# --- timers -----------------------------------------------------------------------------------

TIMER_FIELDS = ["agent", "ticket", "charge_type", "state", "accumulated_seconds", "running_since"]


_running_timers = Prepared(
    lambda agent_id: Timer.objects.select_for_update().filter(
        agent_id=agent_id, state=TimerState.RUNNING
    ),
    int,
)


def _pause_running(agent: User, now: dt.datetime) -> None:
    for timer in _running_timers(agent.pk):
        timer.accumulated_seconds = timer.elapsed_seconds(now)
        timer.state, timer.running_since = TimerState.PAUSED, None
        timer.save(update_fields=["accumulated_seconds", "state", "running_since"])


# Serialise timer changes per agent: the partial unique index is the last line of defence;
# the agent's row lock makes parallel starts queue instead of failing.
_lock_agent = lock_agent


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
    _check_may_log_for(actor, agent)
    # Refuse now what stopping would refuse later: a timer whose time has no charge type could
    # never be stopped. A ticket timer keeps charge_type empty so the ticket (or the ticket
    # chosen at stop) decides.
    resolved = _resolve_charge_type(agent=agent, ticket=ticket, charge_type=charge_type)
    if ticket is None:
        charge_type = resolved
    _lock_agent(agent)
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
        insert(timer)
    except IntegrityError as exc:  # another request won the race despite the lock (SQLite)
        raise Conflict(
            "Another timer is already running; try again.", code="timer_running"
        ) from exc
    audit_record(actor=actor, action="timer.start", obj=timer, after=snapshot(timer, TIMER_FIELDS))
    return timer


_timer_for_update = Prepared(
    lambda pk: Timer.objects.select_for_update().filter(pk=pk).order_by()[:1], int
)


def _lock_timer(timer: Timer) -> Timer:
    locked = next(iter(_timer_for_update(timer.pk)), None)
    if locked is None:
        raise Conflict("This timer has already been stopped.", code="timer_gone")
    # Related rows read earlier in this request are reused, not read again: the agent is
    # row-locked by lock_agent; ticket and charge type are not locked either way.
    for field in _TIMER_RELATIONS:
        if field.is_cached(timer) and field.value_from_object(locked) == field.value_from_object(
            timer
        ):
            field.set_cached_value(locked, field.get_cached_value(timer))
    return locked


_TIMER_RELATIONS = [
    cast(models.ForeignKey[Any, Any], Timer._meta.get_field(name))
    for name in ("agent", "ticket", "charge_type")
]


@transaction.atomic
def timer_pause(*, timer: Timer, actor: User, now: dt.datetime | None = None) -> Timer:
    _check_may_log_for(actor, timer.agent)
    _lock_agent(timer.agent)
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
    _check_may_log_for(actor, timer.agent)
    _lock_agent(timer.agent)
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


@transaction.atomic
def timer_stop(
    *,
    timer: Timer,
    actor: User,
    ticket: Ticket | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> TimeEntry | None:
    """Stop a timer and log its time as an entry ending now; under a second logs nothing.

    A forgotten timer (over 24 hours) is logged capped at 24 hours and flagged for review,
    never billed as is.
    """
    _check_may_log_for(actor, timer.agent)
    lock_agent(timer.agent)
    timer = _lock_timer(timer)
    now = _timer_clock(now)
    seconds = timer.elapsed_seconds(now)
    forgotten = seconds > MAX_ENTRY_SECONDS
    logged = min(seconds, MAX_ENTRY_SECONDS)
    target_ticket = ticket or timer.ticket
    entry = None
    if logged >= 1:
        # The one-running-timer index already guarantees timer time never double counts,
        # so its entry is placed to end at the stop time without an overlap check. The
        # agent is locked already: written here, not through time_entry_create's savepoint.
        charge = _resolve_charge_type(
            agent=timer.agent, ticket=target_ticket, charge_type=timer.charge_type
        )
        entry = _entry_insert(
            agent=timer.agent,
            actor=actor,
            span=_span(now - dt.timedelta(seconds=logged), now, None),
            ticket=target_ticket,
            charge=charge,
            note=timer.note if note is None else note,
            source=EntrySource.TIMER,
            check_overlap=False,
            needs_review=forgotten,
        )
    audit_record(
        actor=actor,
        action="timer.stop",
        obj=timer,
        before=snapshot(timer, TIMER_FIELDS),
        after={"entry": entry.pk if entry else None, "seconds": seconds},
    )
    delete(timer)
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
    _check_may_log_for(actor, agent)
    _lock_agent(agent)
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
    _check_may_log_for(actor, agent)
    _lock_agent(agent)
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
        timer.delete()
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


# --- forgotten timers ---------------------------------------------------------------------------


def _workday_deadline(agent: User, running_since: dt.datetime) -> dt.datetime | None:
    """When a timer started at `running_since` counts as forgotten by the workday rule.

    The end of that local day's workday plus the grace period; None when the agent has no
    workday that day or the run began after the deadline (deliberate evening work is capped
    by the hours rule only).
    """
    profile = agent_profile(agent)
    tz = dates.zone(profile.timezone)
    local_start = running_since.astimezone(tz)
    workday = profile.workdays.filter(weekday=local_start.weekday()).first()
    if workday is None:
        return None
    grace = dt.timedelta(minutes=Organisation.current().timer_grace_minutes)
    end = dt.datetime.combine(local_start.date(), workday.end, tzinfo=tz).astimezone(dt.UTC)
    deadline = end + grace
    return deadline if running_since < deadline else None


def forgotten_cap(timer: Timer, now: dt.datetime) -> dt.datetime | None:
    """The instant at which a running timer should have been stopped, if it has passed."""
    if timer.state != TimerState.RUNNING or timer.running_since is None:
        return None
    org = Organisation.current()
    remaining = max(0, org.max_timer_hours * 3600 - timer.accumulated_seconds)
    caps = [timer.running_since + dt.timedelta(seconds=remaining)]
    deadline = _workday_deadline(timer.agent, timer.running_since)
    if deadline is not None:
        caps.append(deadline)
    cap = min(caps)
    return cap if cap <= now else None


@transaction.atomic
def timer_cap_forgotten(*, timer: Timer, now: dt.datetime | None = None) -> TimeEntry | None:
    """Stop one forgotten timer at its cap, log the capped time flagged for review, tell the
    agent. Returns None when the timer is no longer forgotten (stopped, or already capped)."""
    now = _timer_clock(now)
    lock_agent(timer.agent)
    locked = Timer.objects.select_for_update().select_related("agent").filter(pk=timer.pk).first()
    if locked is None:
        return None
    cap = forgotten_cap(locked, now)
    if cap is None:
        return None
    cap = cap.replace(microsecond=0)
    logged = min(locked.elapsed_seconds(cap), MAX_ENTRY_SECONDS)
    entry = None
    if logged >= 1:
        entry = time_entry_create(
            agent=locked.agent,
            actor=locked.agent,
            started_at=cap - dt.timedelta(seconds=logged),
            ended_at=cap,
            ticket=locked.ticket,
            charge_type=locked.charge_type,
            note=locked.note,
            source=EntrySource.TIMER,
            check_overlap=False,
            needs_review=True,
            reason="forgotten timer capped",
        )
    audit_record(
        actor=None,
        action="timer.cap",
        obj=locked,
        before=snapshot(locked, TIMER_FIELDS),
        after={"entry": entry.pk if entry else None, "capped_at": cap.isoformat()},
        reason="forgotten timer",
    )
    event_emit(
        "timer.capped",
        {
            "timer_id": locked.pk,
            "agent_id": locked.agent_id,
            "ticket_id": locked.ticket_id,
            "entry": entry_event(entry) if entry else None,
            "capped_at": cap,
        },
    )
    what = f"#{locked.ticket_id}" if locked.ticket_id else "your activity"
    tz = dates.zone(agent_profile(locked.agent).timezone)
    stopped = cap.astimezone(tz)
    text = (
        f"Your timer on {what} was still running, so it was stopped at "
        f"{stopped:%a %d %b %H:%M}. The time is logged for review and will not be billed "
        "until you confirm it."
    )
    notice_send(user=locked.agent, text=text, url="/", now=now, subject="Timer stopped")
    locked.delete()
    return entry


def timers_cap_forgotten(*, now: dt.datetime | None = None) -> list[TimeEntry]:
    """The periodic capture guard: cap every forgotten timer, each in its own transaction.

    A timer whose time cannot be logged (its week is submitted, the period locked) is
    reported and left running for a person to sort out; the rest are still capped.
    """
    now = _timer_clock(now)
    entries = []
    for timer in Timer.objects.filter(state=TimerState.RUNNING).select_related("agent"):
        if forgotten_cap(timer, now) is None:
            continue
        try:
            entry = timer_cap_forgotten(timer=timer, now=now)
        except DomainError as exc:
            log.warning("could not cap timer %s: %s", timer.pk, exc.message)
            continue
        if entry is not None:
            entries.append(entry)
    return entries


@transaction.atomic
def time_entry_confirm(
    *,
    entry: TimeEntry,
    actor: User,
    worked_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> TimeEntry:
    """A person confirms (and may shorten or lengthen) a capped entry so it can be billed."""
    from tallyhour.accounts.selectors import can_approve

    lock_agent(entry.agent)
    entry = _lock_entry(entry)
    if actor.pk != entry.agent_id and not can_approve(actor, entry.agent):
        raise Forbidden("Only the agent or their approver confirms this time.")
    if not entry.needs_review:
        raise Conflict(f"Time entry {entry.pk} does not need review.", code="not_flagged")
    if entry.invoice_line_id is not None:
        raise Conflict(f"Time entry {entry.pk} is invoiced and cannot change.", code="invoiced")
    before = snapshot(entry, [*ENTRY_FIELDS, "needs_review"])
    if worked_seconds is not None and worked_seconds != entry.worked_seconds:
        if not 1 <= worked_seconds <= MAX_ENTRY_SECONDS:
            raise InvalidInput(
                "Confirmed time must be between one second and 24 hours.",
                fields={"worked_seconds": "out of range"},
            )
        if entry.state not in EDITABLE_STATES and actor.pk == entry.agent_id:
            _check_editable(entry)
        # The capped entry ends where the timer was stopped; the corrected one keeps its start.
        entry.ended_at = entry.started_at + dt.timedelta(seconds=worked_seconds)
        entry.worked_seconds = worked_seconds
        entry.billable_seconds = worked_seconds if entry.is_billable else 0
        entry.version += 1
    entry.needs_review = False
    full_clean_or_invalid(entry, exclude=["submission", "invoice_line"])
    entry.save()
    audit_record(
        actor=actor,
        action="time_entry.confirm",
        obj=entry,
        before=before,
        after=snapshot(entry, [*ENTRY_FIELDS, "needs_review"]),
    )
    return entry


@transaction.atomic
def charge_type_create(
    *, name: str, is_billable: bool, hourly_rate: Decimal, actor: User
) -> ChargeType:
    if not actor.is_admin_role:
        raise Forbidden("Only admins create charge types.")
    charge_type = ChargeType(name=name.strip(), is_billable=is_billable, hourly_rate=hourly_rate)
    full_clean_or_invalid(charge_type)
    charge_type.save()
    audit_record(
        actor=actor,
        action="charge_type.create",
        obj=charge_type,
        after=snapshot(charge_type, ["name", "is_billable", "hourly_rate"]),
    )
    return charge_type
