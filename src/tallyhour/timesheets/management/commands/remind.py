"""`tallyhour remind`: nudge agents with overdue timesheets and approvers with a backlog."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tallyhour.core import dates
from tallyhour.timesheets.tasks import remind


class Command(BaseCommand):
    help = "Remind agents whose past week is unsubmitted after the deadline, and approvers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be reminded; send nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        found = remind(send=not options["dry_run"])
        verb = "Would remind" if options["dry_run"] else "Reminded"
        for user, monday in found.agents:
            self.stdout.write(f"{verb} {user.username}: week {dates.format_week(monday)}")
        for user, count in found.approvers:
            self.stdout.write(f"{verb} {user.username}: {count} waiting")
        self.stdout.write(
            f"{verb} {len(found.agents)} agent(s) and {len(found.approvers)} approver(s)."
        )
