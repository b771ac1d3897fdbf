"""`tallyhour utilisation --period 2026-11`: the utilisation table on the terminal (or CSV)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tallyhour.accounts.models import Organisation, Role, User
from tallyhour.core import csvsafe, dates
from tallyhour.core.errors import DomainError
from tallyhour.core.money import hours
from tallyhour.reports.periods import parse_period
from tallyhour.reports.selectors.utilisation import (
    UtilisationRow,
    combined_row,
    team_rows,
    utilisation_for,
)

COLUMNS = [
    ("Agent", 22),
    ("Avail h", 8),
    ("Logged h", 9),
    ("Bill h", 8),
    ("Non-b h", 8),
    ("Util", 6),
    ("Logged", 7),
    ("Target", 7),
    ("Headroom", 9),
    ("Billed h", 9),
    # After the others, so that scripts reading the columns above keep their positions.
    ("To date h", 9),
    ("Util to date", 12),
    ("", 14),
]


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _cells(row: UtilisationRow) -> list[str]:
    # The band judges utilisation to date (the "Util to date" column).
    note = "OVER CAPACITY" if row.over_capacity else {"under": "under target"}.get(row.band, "")
    return [
        row.name,
        str(hours(row.available_seconds)),
        str(hours(row.logged_seconds)),
        str(hours(row.billable_seconds)),
        str(hours(row.non_billable_seconds)),
        _pct(row.utilisation),
        _pct(row.logged_ratio),
        _pct(row.target_utilisation),
        str(hours(row.headroom_seconds)),
        str(hours(row.billed_seconds)),
        str(hours(row.available_so_far_seconds)),
        _pct(row.utilisation_to_date),
        note,
    ]


class Command(BaseCommand):
    help = "Print utilisation per agent (and team) for a period; running timers count up to now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period",
            default="this_month",
            help="2026-11, 2026-W47, 2026-Q4, 2026, 2026-11-16, 2026-11-01..2026-11-30 or "
            "this_week / last_month / … (default: this_month).",
        )
        parser.add_argument("--team", type=int, help="Only this team's members (team id).")
        parser.add_argument("--teams", action="store_true", help="Print per team, not agent.")
        parser.add_argument("--csv", action="store_true", help="Write CSV instead of a table.")
        parser.add_argument(
            "--as-user", help="Whose view to print (default: everyone, as an administrator)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = dates.local_date(dates.now(), dates.zone(Organisation.current().timezone))
        try:
            start, end = parse_period(options["period"], today)
            actor = self._actor(options["as_user"])
            rows = utilisation_for(actor=actor, start=start, end=end, team_id=options["team"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["teams"]:
            rows = team_rows(rows)
        if options["csv"]:
            writer = csvsafe.writer(self.stdout)
            writer.writerow([name.strip() or "note" for name, _ in COLUMNS])
            writer.writerows(_cells(row) for row in rows)
            return
        self.stdout.write(f"Utilisation {start:%a %d %b %Y} – {end:%a %d %b %Y}")
        self.stdout.write(self._line([name for name, _ in COLUMNS]))
        for row in rows:
            self.stdout.write(self._line(_cells(row)))
        if len(rows) > 1:
            self.stdout.write(self._line(_cells(combined_row(rows, name="All"))))
        if not rows:
            self.stdout.write("No agents.")

    @staticmethod
    def _line(cells: list[str]) -> str:
        parts = []
        for (_, width), cell in zip(COLUMNS, cells, strict=True):
            text = cell if len(cell) <= width else cell[: width - 1] + "…"
            parts.append(text.ljust(width) if width in (22, 14) else text.rjust(width))
        return " ".join(parts).rstrip()

    @staticmethod
    def _actor(username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            return user
        # The command runs with shell access to the server: it sees every agent.
        return User(username="cli", role=Role.ADMIN)
