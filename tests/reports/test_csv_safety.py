"""Report CSVs (pages and the `utilisation` command) quote names a spreadsheet would run as
formulas, while negative figures such as headroom stay plain numbers."""

import csv
import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tallyhour.timetracking.services import time_entry_create
from tests.billing.entries import approved
from tests.conftest import MONDAY, at, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def overworked(engineer, ticket, time_machine):
    """A 10 h Monday (2 h over the 8 h workday) by an engineer whose name is a formula."""
    time_machine.move_to(at(MONDAY + dt.timedelta(days=2), 12), tick=False)
    engineer.first_name, engineer.last_name = "+1+1", "-2+3"
    engineer.save()
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 7),
        duration_minutes=600,
        ticket=ticket,
    )
    return engineer


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_utilisation_csv(approver, overworked):
    day = f"{MONDAY}"
    response = login(approver).get(
        reverse("reports:utilisation"),
        {"period": "custom", "start": day, "end": day, "format": "csv"},
    )
    row = next(r for r in rows_of(response) if r["agent"].startswith("'+1+1"))
    assert row["agent"] == "'+1+1 -2+3"
    assert row["headroom_h"] == "-2.00"


def test_unbilled_entries_csv(billing, engineer, ticket, client_acme, time_machine):
    time_machine.move_to(at(MONDAY + dt.timedelta(days=2), 12), tick=False)
    client_acme.name = "@SUM(A1)"
    client_acme.save()
    approved(engineer, ticket, at(MONDAY, 9), 3600, note='=HYPERLINK("http://x","y")')
    response = login(billing).get(
        reverse("reports:missed_entries", args=["unbilled"]),
        {"period": "this_week", "format": "csv"},
    )
    (row,) = rows_of(response)
    assert row["client"] == "'@SUM(A1)"
    assert row["worked_h"] == "1.00"


def test_utilisation_command_csv(overworked):
    out = StringIO()
    call_command("utilisation", "--period", f"{MONDAY}", "--csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    row = next(r for r in rows if r[0].startswith("'+1+1"))
    assert row[0] == "'+1+1 -2+3"
    assert "-2.00" in row  # headroom
