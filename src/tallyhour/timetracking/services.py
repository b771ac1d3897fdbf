"""Writes for time entries (timers are in timers.py, billing's claims in claims.py). Each
service is one transaction and one audit row."""

import datetime as dt
import logging
from typing import Any, cast

from django.db import connection, transaction

from tallyhour.accounts import sql as accounts_sql
from tallyhour.accounts.models import Agent, User
from tallyhour.accounts.services import agent_get_or_create
from tallyhour.core import dates
from tallyhour.core.audit import Audited, audit_record, snapshot
from tallyhour.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    full_clean_or_invalid,
)
from tallyhour.core.events import event_emit
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.locks import closed_day, lock_date_check
from tallyhour.timetracking.models import (
    EDITABLE_STATES,
    ChargeType,
    EntrySource,
    EntryState,
    TimeEntry,
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
    """The user's agent profile for a write, read once per user object; logging time (or
    leave) is what creates it. Pages that only read must not call this: they show someone
    without a profile the defaults instead (timesheets' `profile_of`).

    One write asks for it up to four times (charge type, lock date, week, overlaps); it is
    kept on the user object like any loaded one-to-one, with its default charge type."""
    agent = cast(Agent | None, _PROFILE.get_cached_value(user, default=None))
    if agent is None:
        agent = unique_row(Agent.objects.select_related("default_charge_type").filter(user=user))
        if agent is None:
            agent = agent_get_or_create(user=user)
        user.agent = agent
    return agent


def resolve_charge_type(
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


def check_may_log_for(actor: User, agent: User) -> None:
    """Agents log their own time; admins anyone's."""
    if actor.pk != agent.pk and not actor.is_admin_role:
        raise Forbidden("You can only log and change your own time.")


def check_day_open(agent: User, started_at: dt.datetime, moving: TimeEntry | None = None) -> None:
    """New or moved time may not land on a day a submitted or approved week covers.

    An entry the approver returned (rejected) may still be corrected within its own week.
    """
    tz = dates.zone(agent_profile(agent).timezone)
    day = dates.local_date(started_at, tz)
    if (
        moving is not None
        and moving.state == EntryState.REJECTED
        and dates.week_start(dates.local_date(moving.started_at, tz)) == dates.week_start(day)
    ):
        return
    closed = closed_day(agent.pk, day)
    if closed is not None:
        week_start, state = closed
        raise Conflict(
            f"{day:%a %d %b} is in the {state} timesheet of the week of {week_start:%d %b}; "
            "recall or reopen it first.",
            fields={"started_at": f"week {state}"},
            code="week_locked",
        )


def lock_agent(agent: User) -> None:
    """Serialise one agent's time writes (entries, timers, submissions) behind a row lock.

    Overlap and week checks read before they write; without the lock two parallel requests
    could both pass them. Always take it before locking entries or timers, so the lock order
    is the same everywhere and PostgreSQL never sees a deadlock.
    """
    if connection.vendor == "postgresql":
        accounts_sql.user_lock(agent.pk)
        return
    # Only the lock is wanted: one column, no ordering, no model to build.
    list(User.objects.select_for_update().filter(pk=agent.pk).values_list("pk", flat=True))


def _check_overlap(
    agent: User, started_at: dt.datetime, ended_at: dt.datetime, exclude_id: int | None = None
) -> None:
    profile = agent_profile(agent)
    if profile.allow_overlaps:
        return
    # No entry is longer than a day, so one that overlaps began at most a day before the
    # span: `since` keeps the index range to that day, not the agent's whole history.
    since = started_at - dt.timedelta(seconds=MAX_ENTRY_SECONDS)
    clashes = (
        TimeEntry.objects.filter(
            agent_id=agent.pk,
            started_at__gt=since,
            started_at__lt=ended_at,
            ended_at__gt=started_at,
        )
        .exclude(pk=exclude_id or 0)  # 0 for a new span: no entry has that id
        .values_list("pk", "started_at", "ended_at", "ticket_id")
        .order_by("pk")[:1]
    )
    for pk, clash_start, clash_end, ticket_id in clashes:
        start, end = (t.astimezone(dates.zone(profile.timezone)) for t in (clash_start, clash_end))
        # The entry as people know it, read only when refusing (the check runs on every write).
        what = f" on #{ticket_id} {Ticket.objects.get(pk=ticket_id).summary}" if ticket_id else ""
        raise Conflict(
            f"This time overlaps your time entry {pk}{what}, {start:%a %d %b %H:%M}–{end:%H:%M}. "
            "Change the time or that entry.",
            fields={"started_at": f"overlaps entry {pk}"},
            code="overlap",
        )


def entry_span(
    started_at: dt.datetime, ended_at: dt.datetime | None, duration_minutes: int | None
) -> tuple[dt.datetime, dt.datetime, int]:
    """(start, end, seconds) in whole UTC seconds from an end or a duration, or InvalidInput."""
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


def draft_entry(
    *,
    agent: User,
    span: tuple[dt.datetime, dt.datetime, int],
    ticket: Ticket | None,
    charge: ChargeType,
    note: str,
    source: str,
    is_billable: bool | None = None,
    needs_review: bool = False,
    nonbillable_seconds: int = 0,
) -> TimeEntry:
    """A new draft entry over `span` (start, end, seconds), not saved yet: billable as the
    charge type says unless `is_billable` decides, for all of its time or none — except a
    `nonbillable_seconds` part the author stated (Halo's `nonbilltime`), kept as a write-off
    with its reason so worked time stays whole."""
    start, end, seconds = span
    billable, billable_seconds = _billable_defaults(charge, is_billable, seconds)
    write_off_reason = ""
    if billable and nonbillable_seconds:
        if not 0 < nonbillable_seconds < seconds:
            raise InvalidInput(
                "The non-billable part must be less than the time worked.",
                fields={"nonbilltime": "out of range"},
            )
        billable_seconds = seconds - nonbillable_seconds
        write_off_reason = "Stated as not billable when logged"
    return TimeEntry(
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
        write_off_reason=write_off_reason,
    )


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
    nonbillable_seconds: int = 0,
) -> TimeEntry:
    check_may_log_for(actor, agent)
    start, end, seconds = entry_span(started_at, ended_at, duration_minutes)
    charge = resolve_charge_type(agent=agent, ticket=ticket, charge_type=charge_type)
    lock_agent(agent)
    return time_entry_insert(
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
        nonbillable_seconds=nonbillable_seconds,
    )


def time_entry_insert(
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
    days_checked: bool = False,
    nonbillable_seconds: int = 0,
) -> TimeEntry:
    """Check and write a new entry; the caller holds the agent's lock in its transaction.
    `days_checked`: the caller asked about the lock date and closed days itself (a timer's
    stop, which keeps time that ran into a closed day there, flagged, rather than lose it)."""
    start, end, _ = span
    if not days_checked:
        lock_date_check(
            actor=actor,
            zone=lambda: dates.zone(agent_profile(agent).timezone),
            started_at=[start],
            reason=reason,
        )
        check_day_open(agent, start)
    if check_overlap:
        _check_overlap(agent, start, end)
    entry = draft_entry(
        agent=agent,
        span=span,
        ticket=ticket,
        charge=charge,
        note=note,
        source=source,
        is_billable=is_billable,
        needs_review=needs_review,
        nonbillable_seconds=nonbillable_seconds,
    )
    # The check constraints (span, seconds, state) hold by construction (`entry_span`,
    # `_billable_defaults`) and the database enforces them; the agent, ticket and charge type
    # were read in this request. Only the fields' own rules are left to check.
    full_clean_or_invalid(
        entry,
        exclude=["submission", "invoice_line", "agent", "ticket", "charge_type"],
        validate_constraints=False,
    )
    entry.save()
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
    check_may_log_for(actor, entry.agent)
    _check_editable(entry)
    change = Audited(entry, ENTRY_FIELDS)
    lock_date_check(
        actor=actor,
        zone=lambda: dates.zone(agent_profile(entry.agent).timezone),
        started_at=[entry.started_at],
        reason=reason,
    )

    started = changes.get("started_at", entry.started_at)
    if "duration_minutes" in changes:
        # Both given is as ambiguous here as on create, so the same error applies.
        start, end, seconds = entry_span(
            started, changes.get("ended_at"), changes["duration_minutes"]
        )
    else:
        start, end, seconds = entry_span(started, changes.get("ended_at", entry.ended_at), None)
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
        check_day_open(entry.agent, start, moving=entry)
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
    change.record(actor=actor, action="time_entry.update", reason=reason)
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User, reason: str = "") -> None:
    lock_agent(entry.agent)
    entry = _lock_entry(entry)
    check_may_log_for(actor, entry.agent)
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


@transaction.atomic
def time_entry_confirm(
    *,
    entry: TimeEntry,
    actor: User,
    worked_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> TimeEntry:
    """A person confirms (and may shorten or lengthen) a capped entry so it can be billed."""
    from tallyhour.accounts.permissions import can_approve

    lock_agent(entry.agent)
    entry = _lock_entry(entry)
    if actor.pk != entry.agent_id and not can_approve(actor, entry.agent):
        raise Forbidden("Only the agent or their approver confirms this time.")
    if not entry.needs_review:
        raise Conflict(f"Time entry {entry.pk} does not need review.", code="not_flagged")
    if entry.invoice_line_id is not None:
        raise Conflict(f"Time entry {entry.pk} is invoiced and cannot change.", code="invoiced")
    change = Audited(entry, [*ENTRY_FIELDS, "needs_review"])
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
    change.record(actor=actor, action="time_entry.confirm")
    return entry
