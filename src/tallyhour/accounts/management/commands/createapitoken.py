from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tallyhour.accounts.models import User
from tallyhour.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API bearer token for USERNAME and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        _, raw = api_token_create(user=user, name=options["name"])
        self.stdout.write(raw)
