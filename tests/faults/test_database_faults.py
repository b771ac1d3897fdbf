"""Faults: an unreachable, busy or read-only database gives a clear answer and loses nothing.

The real-database cases run the app in a subprocess against a file SQLite database or a closed
PostgreSQL port, so the outage is real rather than mocked.
"""

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError

from tests.conftest import login

pytestmark = pytest.mark.django_db


def run_app(script: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    """Run `script` with Django set up in a fresh process (its own settings and database)."""
    code = "import django; django.setup()\n" + textwrap.dedent(script)
    full_env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")},
        "DJANGO_SETTINGS_MODULE": "tallyhour.settings",
        "ALLOWED_HOSTS": "testserver",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_page_that_meets_a_dead_database_answers_503(engineer):
    with mock.patch(
        "tallyhour.timesheets.selectors.week_for",
        side_effect=OperationalError("could not connect to server"),
    ):
        response = login(engineer).get("/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert (
        b"cannot be reached" in response.content
        and b"Nothing you sent was saved" in response.content
    )


def test_unreachable_postgresql_gives_api_503_and_page_503(tmp_path):
    result = run_app(
        """
        from django.test import Client
        api = Client().get("/api/v1/clients", headers={"Authorization": "Bearer th_x"})
        page = Client().post("/login/", {"username": "a", "password": "b"})
        print(api.status_code, api.json()["error"], page.status_code)
        """,
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing",
            "TALLYHOUR_HOME": str(tmp_path),
        },
    )
    assert result.stdout.split() == ["503", "database_unavailable", "503"], result.stderr[-2000:]


@pytest.fixture
def sqlite_file(tmp_path) -> dict[str, str]:
    """A migrated file database with an engineer, a ticket and an API token."""
    env = {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "TALLYHOUR_HOME": str(tmp_path)}
    made = run_app(
        """
        from django.core.management import call_command
        call_command("migrate", verbosity=0)
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


CREATE_ENTRY = """
    import json, os, time
    from django.test import Client
    started = time.monotonic()
    response = Client().post(
        "/api/v1/time-entries",
        json.dumps({"started_at": "2026-11-16T09:00:00+00:00", "duration_minutes": 30,
                    "ticket_id": int(os.environ["TICKET"])}),
        content_type="application/json",
        headers={"Authorization": "Bearer " + os.environ["TOKEN"]},
    )
    print(response.status_code, round(time.monotonic() - started, 1))
    print(response.content.decode())
"""


def test_read_only_sqlite_is_a_clear_503_and_nothing_is_corrupted(sqlite_file):
    db = Path(sqlite_file["SQLITE_PATH"])
    # Fold the WAL into the main file, then open the database read-only (as on a volume
    # mounted read-only; file modes would not stop root).
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    result = run_app(CREATE_ENTRY, {**sqlite_file, "SQLITE_PATH": f"file:{db}?mode=ro"})
    status = result.stdout.split("\n", 1)[0]
    assert status.split()[0] == "503", result.stdout + result.stderr[-2000:]
    assert "read-only" in result.stdout and "Nothing was saved" in result.stdout
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.execute("SELECT COUNT(*) FROM timetracking_timeentry").fetchone() == (0,)


def test_a_busy_sqlite_write_waits_for_the_lock_instead_of_failing(sqlite_file):
    db = sqlite_file["SQLITE_PATH"]
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock …
    release = threading.Timer(2.0, lambda: holder.execute("COMMIT"))
    release.start()  # … for two seconds
    try:
        result = run_app(CREATE_ENTRY, sqlite_file)
    finally:
        release.join()
        holder.close()
    assert result.stdout, result.stderr[-3000:]
    status, waited = result.stdout.split("\n")[0].split()
    assert status == "201", result.stdout + result.stderr[-2000:]
    assert float(waited) >= 1.0  # it queued on the busy timeout, then wrote
    assert sqlite3.connect(db).execute(
        "SELECT COUNT(*) FROM timetracking_timeentry"
    ).fetchone() == (1,)
