"""Faults: a worker killed (SIGKILL) while a receiver stalls on a webhook loses nothing.

Deliveries are at least once: the killed attempt may have reached the receiver, so the next
worker run sends it again with the same `X-Tallyhour-Delivery` id (and the same body `id`),
which receivers use to drop repeats. Every other delivery is sent exactly once.
"""

import http.server
import json
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.faults.helpers import app_env, run_app

pytestmark = pytest.mark.slow
EVENTS = 3


class StallingReceiver:
    """Records every POST; the first one is read and then left hanging until `release`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.headers["X-Tallyhour-Delivery"], json.loads(body)))
                if len(receiver.requests) == 1:
                    receiver.first_arrived.set()
                    receiver.release.wait(timeout=60)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the stalled answer goes to a sender that was killed: expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _deliveries(database: Path) -> list[tuple[int, str, int]]:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT id, state, attempts FROM webhooks_delivery ORDER BY id"
        ).fetchall()


def test_a_worker_killed_mid_delivery_loses_nothing(sqlite_file):
    database = Path(sqlite_file["SQLITE_PATH"])
    receiver = StallingReceiver()
    try:
        made = run_app(
            f"""
            from django.db import transaction
            from tallyhour.accounts.models import Role, User
            from tallyhour.webhooks.services import subscription_create, webhook_emit
            admin = User.objects.create_user("boss", role=Role.ADMIN)
            subscription_create(url="{receiver.url}", events=[], actor=admin)
            for n in range({EVENTS}):
                with transaction.atomic():
                    webhook_emit("invoice.issued", {{"invoice_id": n}})
            """,
            sqlite_file,
        )
        assert made.returncode == 0, made.stderr[-2000:]

        worker = subprocess.Popen(  # the real worker command, one cycle
            [str(Path(sys.executable).parent / "tallyhour"), "worker", "--once"],
            env=app_env(sqlite_file),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert receiver.first_arrived.wait(timeout=90), "the worker never sent anything"
            worker.send_signal(signal.SIGKILL)  # killed while the receiver is still reading
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        receiver.release.set()

        # The attempt was claimed (counted, due again after its backoff) but not finished.
        (first, *rest) = _deliveries(database)
        assert first[1:] == ("pending", 1)
        assert [r[1:] for r in rest] == [("pending", 0)] * (EVENTS - 1)
        assert len(receiver.requests) == 1

        # The next worker cycle, once the first retry pause (30 s) has passed.
        again = run_app(
            """
            import datetime as dt
            from tallyhour.core import dates
            from tallyhour.core.tasks import run_once
            run_once(now=dates.now() + dt.timedelta(minutes=1))
            """,
            sqlite_file,
        )
        assert again.returncode == 0, again.stderr[-2000:]
    finally:
        receiver.close()

    deliveries = _deliveries(database)
    assert [d[1] for d in deliveries] == ["delivered"] * EVENTS
    assert deliveries[0][2] == 2 and all(d[2] == 1 for d in deliveries[1:])
    # At least once: every delivery arrived; only the interrupted one arrived twice, under the
    # same delivery id and with the same body, so a receiver that dedupes sees each event once.
    ids = [header for header, _ in receiver.requests]
    assert sorted(set(ids)) == sorted(str(d[0]) for d in deliveries)
    assert ids.count(str(deliveries[0][0])) == 2 and len(ids) == EVENTS + 1
    bodies = [body for header, body in receiver.requests if header == str(deliveries[0][0])]
    assert bodies[0] == bodies[1] and bodies[0]["id"] == deliveries[0][0]
    assert sorted(body["data"]["invoice_id"] for _, body in receiver.requests[1:]) == list(
        range(EVENTS)
    )
