"""`tallyhour invoice_run`: bill approved time up to a cut-off (a dry run unless --commit)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tallyhour.accounts.models import User
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core.errors import DomainError
from tallyhour.core.money import hours


class Command(BaseCommand):
    help = "Turn approved, uninvoiced billable time into draft invoices (dry run by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cut-off", required=True, help="Last day of billed work, YYYY-MM-DD.")
        parser.add_argument("--client", type=int, action="append", default=[], dest="clients")
        parser.add_argument("--as", dest="username", required=True, help="Billing user.")
        parser.add_argument("--commit", action="store_true", help="Write the drafts.")
        parser.add_argument("--idempotency-key", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cut_off = dt.date.fromisoformat(options["cut_off"])
        except ValueError as exc:
            raise CommandError("--cut-off must look like 2026-11-30.") from exc
        actor = User.objects.filter(username=options["username"]).first()
        if actor is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            result = invoice_run_execute(
                cut_off=cut_off,
                actor=actor,
                client_ids=options["clients"],
                commit=options["commit"],
                idempotency_key=options["idempotency_key"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for plan in result.previews:
            self.stdout.write(
                f"{plan.client.name}: {hours(plan.seconds)} h, {plan.subtotal} "
                f"{plan.client.currency}, prepay {hours(plan.prepay_seconds)} h, "
                f"overage {hours(plan.overage_seconds)} h"
            )
            for warning in plan.warnings:
                self.stdout.write(f"  warning: {warning}")
        if result.run is None:
            self.stdout.write("Dry run: nothing written. Add --commit to create the drafts.")
        else:
            self.stdout.write(
                f"Run {result.run.pk}: {result.run.invoice_count} draft invoices, "
                f"{result.run.entry_count} entries."
            )
