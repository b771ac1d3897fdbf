"""Approved time made directly (approval itself is tested in tests/timesheets)."""

import datetime as dt

from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.factories import TimeEntryFactory


def approved(
    agent, ticket, start: dt.datetime, seconds: int, charge_type=None, **kwargs
) -> TimeEntry:
    charge_type = charge_type or ticket.charge_type
    kwargs.setdefault("state", EntryState.APPROVED)
    return TimeEntryFactory(
        agent=agent,
        ticket=ticket,
        charge_type=charge_type,
        started_at=start,
        ended_at=start + dt.timedelta(seconds=seconds),
        **kwargs,
    )
