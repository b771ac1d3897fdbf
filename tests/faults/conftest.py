"""A migrated file database for the fault tests that run the app in a subprocess."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.faults.helpers import run_app


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """Migrate once per test process; each test gets a copy (migrating takes seconds)."""
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "db.sqlite3"
    made = run_app(
        """
        from django.core.management import call_command
        call_command("migrate", verbosity=0)
        """,
        {"SQLITE_PATH": str(path), "TALLYHOUR_HOME": str(folder)},
    )
    assert made.returncode == 0, made.stderr[-2000:]
    with sqlite3.connect(path) as db:  # one self-contained file, safe to copy
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def sqlite_file(tmp_path, migrated_sqlite) -> dict[str, str]:
    """A migrated file database with an engineer, a ticket and an API token."""
    shutil.copy(migrated_sqlite, tmp_path / "db.sqlite3")
    env = {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "TALLYHOUR_HOME": str(tmp_path)}
    made = run_app(
        """
        from tallyhour.accounts.models import Agent, User
        from tallyhour.accounts.services import api_token_create
        from tallyhour.crm.models import Client
        from tallyhour.servicedesk.models import Ticket
        from tallyhour.timetracking.models import ChargeType
        user = User.objects.create_user("eng", password="pw")
        charge = ChargeType.objects.create(name="Remote", hourly_rate=90)
        Agent.objects.create(user=user, default_charge_type=charge)
        ticket = Ticket.objects.create(client=Client.objects.create(name="Acme"), summary="x")
        print(api_token_create(user=user, name="t")[1], ticket.pk)
        """,
        env,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    token, ticket_id = made.stdout.split()
    return {**env, "TOKEN": token, "TICKET": ticket_id}
