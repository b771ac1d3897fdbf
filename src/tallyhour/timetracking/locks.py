"""Which time is locked, in one place: the organisation's lock date, and closed periods.

Closed periods (the days a submitted or approved week covers) belong to timesheets, which
sits above timetracking: it registers how to find them here from its `AppConfig.ready`, and
every time write asks through `closed_day`.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import can_admin
from tallyhour.core import dates
from tallyhour.core.errors import Conflict

# (agent id, local day) -> (week start, state) of the submission closing that day, or None.
ClosedDayFinder = Callable[[int, dt.date], tuple[dt.date, str] | None]

_closed_day_finders: list[ClosedDayFinder] = []


def closed_day_finder_register(finder: ClosedDayFinder) -> None:
    """Add a way to find a closed day (registering the same one twice is harmless)."""
    if finder not in _closed_day_finders:
        _closed_day_finders.append(finder)


def closed_day(agent_id: int, day: dt.date) -> tuple[dt.date, str] | None:
    """(week start, state) of the submission that closes the agent's local `day`, if any."""
    for finder in _closed_day_finders:
        found = finder(agent_id, day)
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
