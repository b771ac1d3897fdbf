import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tallyhour.accounts.models import User
from tallyhour.accounts.services import api_token_create
from tallyhour.core import dates
from tallyhour.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API bearer token for USERNAME and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument(
            "--scopes",
            default="",
            help="Comma-separated: read,time,approve,billing,admin (default: all of the role).",
        )
        parser.add_argument(
            "--expires-days", type=int, default=None, help="Days until the token stops working."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        scopes = [s for s in options["scopes"].split(",") if s.strip()] or None
        expires_at = None
        if options["expires_days"] is not None:
            if options["expires_days"] <= 0:
                raise CommandError("--expires-days must be a positive number of days.")
            expires_at = dates.now() + dt.timedelta(days=options["expires_days"])
        try:
            _, raw = api_token_create(
                user=user, name=options["name"], scopes=scopes, expires_at=expires_at
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
