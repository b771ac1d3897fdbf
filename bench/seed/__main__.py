"""`python bench/seed …` (or `python -m bench.seed …`): seed the database of DATABASE_URL /
SQLITE_PATH, as the app's settings choose it. Same `--seed` and `--end`: same rows."""

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallyhour.settings")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/seed",
        description="Generate a large, realistic MSP (same --seed and --end: same rows).",
    )
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
    opts = parser.parse_args(argv)
    if opts.agents < 1 or opts.clients < 1:
        parser.error("give at least one agent and one client")
    return opts


def main(argv: list[str] | None = None) -> None:
    opts = arguments(argv)
    django.setup()
    from bench.seed.options import SEED_PASSWORD, SeedOptions
    from bench.seed.seeder import seed
    from tallyhour.core import dates

    try:
        report = seed(
            SeedOptions(
                agents=opts.agents,
                clients=opts.clients,
                days=opts.days or round(opts.years * 365),
                seed=opts.seed,
                end=opts.end or dates.now().date(),
                uninvoiced_days=opts.uninvoiced_days,
            )
        )
    except ValueError as exc:
        raise SystemExit(f"seed: {exc}") from exc
    for table, count in sorted(report.rows.items()):
        print(f"{table:32} {count:>10,}")
    rate = report.entries / report.seconds if report.seconds else 0
    print(
        f"seeded {report.entries:,} time entries in {report.seconds:.1f} s "
        f"({rate:,.0f} entries/s); users sign in with password {SEED_PASSWORD!r}"
    )


if __name__ == "__main__":
    main()
