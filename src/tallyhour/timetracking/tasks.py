"""Background jobs for time capture."""

import datetime as dt

from tallyhour.core.tasks import register_periodic
from tallyhour.timetracking.forgotten import timers_cap_forgotten

CAPTURE_GUARD_EVERY = dt.timedelta(minutes=5)


def capture_guard(now: dt.datetime | None = None) -> int:
    """Cap every forgotten timer; answers how many were capped."""
    return len(timers_cap_forgotten(now=now))


def register() -> None:
    register_periodic("captureguard", CAPTURE_GUARD_EVERY, capture_guard)
