from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tallyhour.accounts.models import Role, User
from tallyhour.core.errors import DomainError
from tallyhour.halo.services import api_application_create


class Command(BaseCommand):
    help = (
        "Register a HaloPSA-compatible API application acting as AGENT; prints id and secret once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("agent", help="username the application acts as")
        parser.add_argument("--scopes", default="all")

    def handle(self, *args: Any, **options: Any) -> None:
        agent = User.objects.filter(username=options["agent"]).first()
        if agent is None:
            raise CommandError(f"No user {options['agent']!r}.")
        # The command line is an operator's tool: it acts with admin rights.
        operator = User(role=Role.ADMIN)
        try:
            app, secret = api_application_create(
                name=options["name"], agent=agent, actor=operator, scopes=options["scopes"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"client_id: {app.client_id}\nclient_secret: {secret}")
