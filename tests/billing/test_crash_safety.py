"""A committed invoice run killed mid-way (SIGKILL) leaves whole invoices or none, and the
rerun bills the rest. Runs the service in a subprocess against a file database (its hook
sleeping after each client, to be killed there), then the real command to finish."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SETUP = """
import datetime as dt
from decimal import Decimal
import django
django.setup()
from tallyhour.accounts.models import Role, User
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, TimeEntry
billing = User.objects.create(username="billing", role=Role.BILLING)
engineer = User.objects.create(username="engineer")
charge = ChargeType.objects.create(name="Support", hourly_rate=Decimal("90"))
start = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
for c in range(4):
    client = Client.objects.create(name=f"Client {c}")
    for t in range(2):
        ticket = Ticket.objects.create(client=client, summary=f"Ticket {c}.{t}")
        for e in range(3):
            begins = start + dt.timedelta(days=c, hours=e, minutes=t * 20)
            TimeEntry.objects.create(
                agent=engineer, ticket=ticket, charge_type=charge, started_at=begins,
                ended_at=begins + dt.timedelta(minutes=15), worked_seconds=900,
                is_billable=True, billable_seconds=900, state="approved",
            )
"""

# The run the test kills: one client per batch, and a pause after each batch is committed.
KILLED_RUN = """
import datetime as dt
import time
import django
django.setup()
from tallyhour.accounts.models import User
from tallyhour.billing.runs import invoice_run_execute
invoice_run_execute(
    cut_off=dt.date(2026, 11, 30), actor=User.objects.get(username="billing"), commit=True,
    clients_per_batch=1, after_batch=lambda: time.sleep(30),
)
"""


def tallyhour(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "tallyhour"), *args]


@pytest.mark.slow
def test_killed_run_leaves_no_half_invoice(tmp_path):
    database = tmp_path / "crash.sqlite3"
    env = {
        **os.environ,
        "SQLITE_PATH": str(database),
        "DJANGO_SETTINGS_MODULE": "tallyhour.settings",
        "DEBUG": "1",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(tallyhour("migrate", "-v0"), env=env, check=True, timeout=120)
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=60)
    command = tallyhour("invoice_run", "--cut-off", "2026-11-30", "--as", "billing")

    process = subprocess.Popen(  # noqa: S603 — our own script
        [sys.executable, "-c", KILLED_RUN], env=env, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(database) as db:
                done = db.execute("SELECT count(*) FROM billing_invoice").fetchone()[0]
            if done >= 1:
                break
            time.sleep(0.1)
        # Killed while it sleeps after its first client: three clients are not billed yet.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()

    with sqlite3.connect(database) as db:
        invoices = db.execute("SELECT id, subtotal FROM billing_invoice").fetchall()
        assert len(invoices) == 1
        for invoice_id, subtotal in invoices:
            lines = db.execute(
                "SELECT id, billed_seconds, amount FROM billing_invoiceline WHERE invoice_id=?",
                (invoice_id,),
            ).fetchall()
            assert lines, "an invoice without lines was left behind"
            for line_id, seconds, _ in lines:
                claimed = db.execute(
                    "SELECT sum(billable_seconds) FROM timetracking_timeentry "
                    "WHERE invoice_line_id=?",
                    (line_id,),
                ).fetchone()[0]
                assert claimed == seconds
            assert float(subtotal) == pytest.approx(sum(float(a) for _, _, a in lines))
        unbilled = db.execute(
            "SELECT count(*) FROM timetracking_timeentry WHERE invoice_line_id IS NULL"
        ).fetchone()[0]
        assert unbilled == 18
        (state,) = db.execute("SELECT state FROM billing_invoicerun").fetchone()
        assert state == "running"

    subprocess.run([*command, "--commit"], env=env, check=True, timeout=120, capture_output=True)

    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM billing_invoice").fetchone()[0] == 4
        assert (
            db.execute(
                "SELECT count(*) FROM timetracking_timeentry WHERE invoice_line_id IS NULL"
            ).fetchone()[0]
            == 0
        )
        per_client = db.execute(
            "SELECT count(*) FROM billing_invoice GROUP BY client_id HAVING count(*) > 1"
        ).fetchall()
        assert per_client == []
