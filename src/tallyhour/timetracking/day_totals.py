"""A day's total for one row of the week grid, typed by the agent (see below)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from tallyhour.accounts.models import User
from tallyhour.core import dates
from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import (
    ChargeType,
    TimeEntry,
    Timer,
    TimerState,
)
from tallyhour.timetracking.services import (
    MAX_ENTRY_SECONDS,
    agent_profile,
    check_day_open,
    check_may_log_for,
    lock_agent,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)

# --- a day's total for one row of the week grid --------------------------------------------
#
# The week grid shows, per ticket (or per activity: a charge type without a ticket) and day,
# the total of that day's entries, and the agent may type a new total, as in Harvest's and
# Kimai's week timesheets. Entries are spans, not numbers, so a new total becomes:
#   higher: one new manual entry for the difference, in a free slot of that day (from the
#           agent's workday start, else after an entry, else earlier that day) so it overlaps
#           nothing;
#   lower:  that row's draft or rejected entries of the day shortened or removed, newest
#           first; submitted, approved and invoiced entries are never touched, so a total
#           below what they hold is refused.
# Zero clears what is editable. Each step is the ordinary create/update/delete service (its
# checks and its audit row), all in one transaction.


@dataclass
class DayTotalChange:
    """What `day_total_set` did to one grid cell."""

    before_seconds: int
    after_seconds: int
    created: list[TimeEntry] = field(default_factory=list)
    shortened: list[TimeEntry] = field(default_factory=list)
    deleted: int = 0


def _workday_start(agent: User, day: dt.date) -> dt.time:
    workday = agent_profile(agent).workdays.filter(weekday=day.weekday()).first()
    return workday.start if workday is not None else dt.time(9, 0)


def _free_slot(
    agent: User, day: dt.date, seconds: int, tz: Any, now: dt.datetime
) -> dt.datetime | None:
    """Where `seconds` of new time fit on `day` between the agent's other time: the first
    free start from the workday's start on (after an entry), else the latest before it."""
    day_start, day_end = dates.day_range(day, day, tz)
    busy = list(
        TimeEntry.objects.filter(
            agent_id=agent.pk,
            started_at__gt=day_start - dt.timedelta(seconds=MAX_ENTRY_SECONDS),
            started_at__lt=day_end,
            ended_at__gt=day_start,
        ).values_list("started_at", "ended_at")
    )
    # A running timer becomes an entry from its start when stopped (without an overlap check):
    # keep new time clear of it.
    running_since = (
        Timer.objects.filter(agent_id=agent.pk, state=TimerState.RUNNING)
        .values_list("running_since", flat=True)
        .first()
    )
    if running_since is not None and running_since < day_end:
        busy.append((running_since, max(day_end, now)))
    workday_start = dt.datetime.combine(day, _workday_start(agent, day), tzinfo=tz).astimezone(
        dt.UTC
    )
    length = dt.timedelta(seconds=seconds)
    # Starts where the time would touch the workday's start or another entry's edge.
    candidates = {workday_start, workday_start - length, day_start}
    candidates.update(edge for b_start, b_end in busy for edge in (b_end, b_start - length))
    # From the workday's start onwards first; failing that, as close before it as fits.
    ordered = sorted(c for c in candidates if c >= workday_start) + sorted(
        (c for c in candidates if c < workday_start), reverse=True
    )
    for start in ordered:
        end = start + length
        if start < day_start or end > day_end:
            continue
        if all(end <= b_start or start >= b_end for b_start, b_end in busy):
            return start
    return None


@transaction.atomic
def day_total_set(
    *,
    agent: User,
    actor: User,
    day: dt.date,
    ticket: Ticket | None,
    charge_type: ChargeType | None,
    total_seconds: int,
    now: dt.datetime | None = None,
) -> DayTotalChange:
    """Make the agent's time on `ticket` (or, without one, on the activity `charge_type`) on
    their local `day` add up to `total_seconds` (see the comment above for how)."""
    check_may_log_for(actor, agent)
    if ticket is None and charge_type is None:
        raise InvalidInput("Name a ticket or an activity.", fields={"row": "required"})
    if total_seconds < 0:
        raise InvalidInput("A day's time cannot be negative.", fields={"total": "negative"})
    if total_seconds > MAX_ENTRY_SECONDS:
        raise InvalidInput(
            "A day holds at most 24 hours.", fields={"total": "over 24 hours"}, code="too_long"
        )
    now = now or dates.now()
    lock_agent(agent)
    tz = dates.zone(agent_profile(agent).timezone)
    day_start, day_end = dates.day_range(day, day, tz)
    row = TimeEntry.objects.filter(agent_id=agent.pk, started_at__gte=day_start)
    row = row.filter(started_at__lt=day_end)
    if ticket is not None:
        row = row.filter(ticket_id=ticket.pk)
    else:
        row = row.filter(ticket__isnull=True, charge_type_id=charge_type.pk)  # type: ignore[union-attr]
    entries = list(row.select_related("agent", "charge_type").order_by("-started_at", "-id"))
    current = sum(e.worked_seconds for e in entries)
    change = DayTotalChange(before_seconds=current, after_seconds=current)
    if total_seconds == current:
        return change

    if total_seconds > current:
        missing = total_seconds - current
        check_day_open(agent, day_start)  # before looking for room: the likelier refusal
        start = _free_slot(agent, day, missing, tz, now)
        if start is None:
            raise Conflict(
                f"There is no free {dates.duration_text(missing)} on {day:%a %d %b} left to add "
                "this time without overlapping other entries.",
                fields={"total": "no free slot"},
                code="overlap",
            )
        # A ticket row goes on with the charge type its latest entry that day used.
        charge = charge_type or (entries[0].charge_type if entries else None)
        change.created.append(
            time_entry_create(
                agent=agent,
                actor=actor,
                started_at=start,
                ended_at=start + dt.timedelta(seconds=missing),
                ticket=ticket,
                charge_type=charge,
            )
        )
    else:
        editable = [e for e in entries if e.is_editable]
        locked = current - sum(e.worked_seconds for e in editable)
        if total_seconds < locked:
            raise Conflict(
                f"{dates.duration_text(locked)} of this day is submitted, approved or invoiced "
                f"and cannot be lowered; {dates.duration_text(locked)} is the least it can show.",
                fields={"total": f"{dates.duration_text(locked)} locked"},
                code="entry_locked",
            )
        excess = current - total_seconds
        for entry in editable:  # newest first
            if excess <= 0:
                break
            if entry.worked_seconds <= excess:
                excess -= entry.worked_seconds
                time_entry_delete(entry=entry, actor=actor)
                change.deleted += 1
            else:
                kept = entry.worked_seconds - excess
                excess = 0
                change.shortened.append(
                    time_entry_update(
                        entry=entry,
                        actor=actor,
                        changes={"ended_at": entry.started_at + dt.timedelta(seconds=kept)},
                    )
                )
    change.after_seconds = total_seconds
    return change
