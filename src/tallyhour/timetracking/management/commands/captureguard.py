"""`tallyhour captureguard`: stop forgotten timers (the worker also runs this every 5 minutes)."""

from typing import Any

from django.core.management.base import BaseCommand

from tallyhour.timetracking.tasks import capture_guard


class Command(BaseCommand):
    help = (
        "Stop timers running past the organisation's max_timer_hours or the agent's workday "
        "end plus the grace period; the time is logged capped, flagged for review, and the "
        "agent is told."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        capped = capture_guard()
        self.stdout.write(f"Capped {capped} forgotten timer(s).")
