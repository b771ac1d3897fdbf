"""`tallyhour worker`: run queued background tasks and periodic jobs (captureguard, …)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tallyhour.core.tasks import periodic_jobs, run_once


class Command(BaseCommand):
    help = "Run background tasks from the database queue, and periodic jobs when due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one cycle and exit.")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between cycles (default 5)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = ", ".join(job.name for job in periodic_jobs()) or "none"
        self.stdout.write(f"Periodic jobs: {names}")
        while True:
            ran = run_once()
            if ran:
                self.stdout.write(f"Ran {ran} task(s).")
            if options["once"]:
                return
            time.sleep(options["interval"])
