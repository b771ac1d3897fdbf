from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tallyhour.accounts.models import User
from tallyhour.core.errors import DomainError
from tallyhour.halo.services import api_application_create


class Command(BaseCommand):
    help = (
        "Register a HaloPSA-compatible API application acting as AGENT; prints id and secret once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("agent", help="username the application acts as")
        parser.add_argument(
            "--by",
            dest="admin",
            help="username of the admin registering it (default: AGENT, who must be an admin); "
            "its tokens never hold more than this admin may grant",
        )
        parser.add_argument(
            "--act-as-other",
            action="store_true",
            help="confirm that the application acts as AGENT when AGENT is not the admin",
        )
        parser.add_argument(
            "--scopes", help="space-separated native scopes (default: all the admin holds)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agent = User.objects.filter(username=options["agent"]).first()
        if agent is None:
            raise CommandError(f"No user {options['agent']!r}.")
        admin_name = options["admin"] or options["agent"]
        admin = User.objects.filter(username=admin_name).first()
        if admin is None:
            raise CommandError(f"No user {admin_name!r}.")
        scopes = options["scopes"].replace(",", " ").split() if options["scopes"] else None
        try:
            app, secret = api_application_create(
                name=options["name"],
                agent=agent,
                actor=admin,
                scopes=scopes,
                act_as_other=options["act_as_other"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"client_id: {app.client_id}\nclient_secret: {secret}")
