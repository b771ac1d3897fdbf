"""Faults: an unreachable, busy, read-only or full database gives a clear answer and loses
nothing.

The real-database cases run the app in a subprocess against a file SQLite database or a closed
PostgreSQL port, so the outage is real rather than mocked.
"""

import json
import sqlite3
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError

from tests.conftest import bearer, login
from tests.faults.helpers import run_app

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


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


class DiskFull(Exception):
    """What psycopg raises when PostgreSQL cannot extend a file (SQLSTATE 53100)."""

    sqlstate = "53100"


def _postgres_disk_full(*args, **kwargs):
    raise OperationalError(
        'could not extend file "base/16384/16402": No space left on device'
    ) from DiskFull()


def test_postgresql_disk_full_is_a_507_naming_the_cause(engineer, ticket):
    with mock.patch(
        "tallyhour.timetracking.api.time_entry_create", side_effect=_postgres_disk_full
    ):
        response = login(engineer).post(
            "/api/v1/time-entries",
            {"started_at": "2026-11-16T09:00:00Z", "duration_minutes": 30},
            content_type="application/json",
            headers=bearer(engineer),
        )
    assert response.status_code == 507
    assert response["Retry-After"]
    assert response.json() == {
        "error": "database_full",
        "message": "The database has run out of disk space. Nothing was saved.",
        "fields": {},
    }


# The database file may not grow past the pages it has (SQLite's own view of a full disk), on
# every connection this process opens. A 9,000-character note needs new overflow pages, so the
# entry cannot squeeze into free space left in pages the file already has.
FULL_DISK = """
    import json, os
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import Client
    from tallyhour.accounts.models import User

    page = Client()
    page.force_login(User.objects.get(username="eng"))  # its session row is written first
    connection.close()

    def no_room(sender, connection, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA page_count")
            cursor.execute(f"PRAGMA max_page_count = {cursor.fetchone()[0]}")

    connection_created.connect(no_room)
    note = "Replaced the NAS disk. " * 400
    api = Client().post(
        "/api/v1/time-entries",
        json.dumps({"started_at": "2026-11-16T09:00:00+00:00", "duration_minutes": 30,
                    "ticket_id": int(os.environ["TICKET"]), "note": note}),
        content_type="application/json",
        headers={"Authorization": "Bearer " + os.environ["TOKEN"], "Idempotency-Key": "nas-1"},
    )
    form = page.post("/entries/", {"week": "2026-W47", "date": "2026-11-17",
                                       "start": "09:00", "duration": "1:00",
                                       "ticket": os.environ["TICKET"], "note": note})
    print(json.dumps({"api": [api.status_code, api.json(), api.get("Retry-After")],
                      "page": [form.status_code, form.content.decode()]}))
"""

SPACE_AGAIN = """
    import json, os
    from django.test import Client
    note = "Replaced the NAS disk. " * 400
    answer = Client().post(
        "/api/v1/time-entries",
        json.dumps({"started_at": "2026-11-16T09:00:00+00:00", "duration_minutes": 30,
                    "ticket_id": int(os.environ["TICKET"]), "note": note}),
        content_type="application/json",
        headers={"Authorization": "Bearer " + os.environ["TOKEN"], "Idempotency-Key": "nas-1"},
    )
    print(json.dumps([answer.status_code, answer.get("Idempotent-Replayed"), answer.json()]))
"""


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = ("timetracking_timeentry", "core_auditentry", "core_idempotencykey")
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


def test_full_sqlite_disk_is_a_clear_507_and_writes_resume_when_space_returns(sqlite_file):
    db = Path(sqlite_file["SQLITE_PATH"])
    with sqlite3.connect(db) as check:
        check.execute("VACUUM")  # no free pages left for the write to reuse
        check.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = _counts(check)

    full = run_app(FULL_DISK, sqlite_file)
    assert full.returncode == 0, full.stderr[-3000:]
    answers = json.loads(full.stdout.strip().splitlines()[-1])
    status, body, retry_after = answers["api"]
    assert (status, body["error"], body["fields"]) == (507, "database_full", {})
    assert body["message"] == "The database has run out of disk space. Nothing was saved."
    assert retry_after
    status, html = answers["page"]
    assert status == 507
    assert "run out of disk space" in html and "Nothing you sent was saved" in html
    assert "Traceback" not in full.stderr

    # Nothing half-written: no entry, no audit row, no idempotency claim; the file is sound.
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert _counts(check) == before
    check.close()

    # Space returns: the same request (same key) now runs afresh rather than replaying an error.
    again = run_app(SPACE_AGAIN, sqlite_file)
    status, replayed, entry = json.loads(again.stdout.strip().splitlines()[-1])
    assert (status, replayed) == (201, None), again.stderr[-2000:]
    assert entry["worked_seconds"] == 1800 and entry["note"].startswith("Replaced")
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert _counts(check)["timetracking_timeentry"] == before["timetracking_timeentry"] + 1
    check.close()
