"""Which time is locked, in one place: the organisation's lock date, and closed periods.

Closed periods (a submitted or approved week) belong to timesheets, which sits above
timetracking: it registers how to find them here from its `AppConfig.ready`, and every time
write asks through `closed_week`.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import can_admin
from tallyhour.core import dates
from tallyhour.core.errors import Conflict

# (agent id, Monday) -> (week start, state) of a closed week, or None.
ClosedWeekFinder = Callable[[int, dt.date], tuple[dt.date, str] | None]

_closed_week_finders: list[ClosedWeekFinder] = []


def closed_week_finder_register(finder: ClosedWeekFinder) -> None:
    """Add a way to find a closed week (registering the same one twice is harmless)."""
    if finder not in _closed_week_finders:
        _closed_week_finders.append(finder)


def closed_week(agent_id: int, monday: dt.date) -> tuple[dt.date, str] | None:
    """The agent's week starting `monday` as (week start, state) when it is closed."""
    for finder in _closed_week_finders:
        found = finder(agent_id, monday)
        if found is not None:
            return found
    return None


def lock_date_check(
    *,
    actor: User,
    zone: Callable[[], ZoneInfo],
    started_at: Iterable[dt.datetime],
    reason: str,
    field: str | None = "started_at",
) -> None:
    """Refuse time on or before the organisation's lock date, unless an admin gives a reason.

    `zone` gives the agent's time zone (whose local day counts); it is only asked for when
    a lock date is set. `field` names the input the error points at, if any.
    """
    lock_date = Organisation.current().lock_date
    if lock_date is None or (can_admin(actor) and reason):
        return
    tz = zone()
    if any(dates.local_date(instant, tz) <= lock_date for instant in started_at):
        raise Conflict(
            f"The period up to {lock_date:%Y-%m-%d} is locked; only an admin giving a reason "
            "may change it.",
            fields={field: "locked period"} if field else None,
            code="locked_period",
        )
