"""The guard that caps forgotten timers: a timer left running past the agent's workday (plus
the grace period) or the maximum hours is stopped, logged flagged for review, never billed as
is."""

import datetime as dt
import logging

from django.db import transaction

from tallyhour.accounts.models import Organisation, User
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import DomainError
from tallyhour.core.events import event_emit
from tallyhour.core.notices import notice_send
from tallyhour.timetracking.models import EntrySource, TimeEntry, Timer, TimerState
from tallyhour.timetracking.services import (
    MAX_ENTRY_SECONDS,
    agent_profile,
    entry_event,
    lock_agent,
    time_entry_create,
)
from tallyhour.timetracking.timers import TIMER_FIELDS, _delete, _timer_clock

log = logging.getLogger(__name__)

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
    _delete(locked)
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
