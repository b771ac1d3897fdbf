"""`tallyhour demo`: load a realistic MSP so every page has something to show.

Running it again on a database that has the demo changes nothing; see `demo.builder` for
what it loads.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from tallyhour.accounts.models import User
from tallyhour.core import dates
from tallyhour.crm.models import Client, Contact
from tallyhour.demo.builder import DemoBuilder
from tallyhour.demo.data import MARKER_USERNAME
from tallyhour.timetracking.models import TimeEntry

QUIET_MAIL = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = "Load a demo MSP (users, clients, tickets, six weeks of time, invoices). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username=MARKER_USERNAME).exists():
            self.stdout.write("The demo MSP is already loaded; nothing changed.")
        else:
            if Client.objects.exists() or TimeEntry.objects.exists():
                raise CommandError(
                    "This database already holds clients or time; the demo only loads into an "
                    "empty database."
                )
            started = time.monotonic()
            # The demo's submissions and rejections would mail every approver and agent.
            with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
                summary = DemoBuilder(seed=options["seed"], now=dates.now()).build()
            self.stdout.write(f"{summary} in {time.monotonic() - started:.1f} s.")
        self.stdout.write(
            "Demo MSP ready: http://127.0.0.1:8000\n"
            "  admin / demo      (admin)\n"
            "  approver / demo   (approver)\n"
            "  billing / demo    (billing)\n"
            "  engineer1..engineer8 / demo (engineers)"
        )
        for contact in Contact.objects.filter(user__isnull=False).select_related("client"):
            self.stdout.write(
                f"  {contact.email} / demo (client portal at /portal/login/, {contact.client.name})"
            )
