"""`tallyhour seed`: a large, deterministic MSP for benchmarks (see bench/README.md)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tallyhour.core import dates
from tallyhour.core.seed import SEED_PASSWORD, SeedOptions, seed


class Command(BaseCommand):
    help = "Generate a large, realistic MSP (same --seed and --end: same rows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agents", type=int, default=250)
        parser.add_argument("--clients", type=int, default=1000)
        parser.add_argument("--years", type=float, default=2.0)
        parser.add_argument("--days", type=int, help="History length in days (wins over --years).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--end", type=dt.date.fromisoformat, help="Day the data ends before (default: today)."
        )
        parser.add_argument(
            "--uninvoiced-days",
            type=int,
            default=45,
            help="Approved time newer than this waits for the next invoice run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["agents"] < 1 or options["clients"] < 1:
            raise CommandError("Give at least one agent and one client.")
        days = options["days"] or round(options["years"] * 365)
        end = options["end"] or dates.now().date()
        try:
            report = seed(
                SeedOptions(
                    agents=options["agents"],
                    clients=options["clients"],
                    days=days,
                    seed=options["seed"],
                    end=end,
                    uninvoiced_days=options["uninvoiced_days"],
                )
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for table, count in sorted(report.rows.items()):
            self.stdout.write(f"{table:32} {count:>10,}")
        rate = report.entries / report.seconds if report.seconds else 0
        self.stdout.write(
            f"seeded {report.entries:,} time entries in {report.seconds:.1f} s "
            f"({rate:,.0f} entries/s); users sign in with password {SEED_PASSWORD!r}"
        )
