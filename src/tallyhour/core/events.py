"""Domain events: how a lower layer tells higher ones that something happened.

Services call `event_emit` inside their transaction; apps above them (webhooks today) connect a
receiver to `event_emitted` in their `AppConfig.ready`. The emitter imports nothing above it.
"""

import datetime as dt
from typing import Any

from django.dispatch import Signal

# Sent with `name` (e.g. "time_entry.created"), `data` (the public shape) and `now`.
event_emitted = Signal()


def event_emit(name: str, data: dict[str, Any], *, now: dt.datetime | None = None) -> None:
    """Tell every receiver, synchronously and inside the caller's transaction."""
    event_emitted.send(sender=None, name=name, data=data, now=now)
