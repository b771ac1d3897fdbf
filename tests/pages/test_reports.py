"""Utilisation page: periods, the agent's hours, bands, CSV."""

import pytest
from django.urls import reverse

from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db

URL = reverse("reports:utilisation")


@pytest.fixture
def logged(engineer, ticket, internal):
    # 6 h billable + 2 h internal this week (the clock is Wednesday of MONDAY's week).
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 8),
        duration_minutes=360,
        ticket=ticket,
    )
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 15),
        duration_minutes=120,
        charge_type=internal,
    )


def row_of(page: str, name: str) -> str:
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_utilisation_shows_the_agents_hours(approver, engineer, logged):
    response = login(approver).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    row = row_of(page, engineer.display_name)
    # Available 40 h; logged 8; billable 6; non-billable 2; 15 % utilisation; headroom 32.
    for text in ("40.00 h", "8.00 h", "6.00 h", "2.00 h", "15 %", "20 %", "32.00 h"):
        assert text in row, text
    assert 'class="band-under"' in page


def test_last_week_is_empty(approver, engineer, logged):
    page = login(approver).get(URL, {"period": "last_week"}).content.decode()
    assert "Mon 9 Nov 2026" in page
    assert "8.00 h" not in row_of(page, engineer.display_name)


def test_month_periods(billing, engineer, logged):
    page = login(billing).get(URL, {"period": "this_month"}).content.decode()
    assert "Sun 1 Nov 2026" in page and "Mon 30 Nov 2026" in page
    page = login(billing).get(URL, {"period": "last_month"}).content.decode()
    assert "Thu 1 Oct 2026" in page and "Sat 31 Oct 2026" in page


def test_custom_period_and_its_errors(approver, engineer, logged):
    http = login(approver)
    page = http.get(URL, {"period": "custom", "start": "2026-11-16", "end": "2026-11-16"})
    assert page.status_code == 200
    assert "8.00 h" in row_of(page.content.decode(), engineer.display_name)
    backwards = http.get(URL, {"period": "custom", "start": "2026-11-16", "end": "2026-11-01"})
    assert backwards.status_code == 422 and b"end must not be before start" in backwards.content
    garbage = http.get(URL, {"period": "custom", "start": "x", "end": ""})
    assert garbage.status_code == 422


def test_over_capacity_is_flagged(approver, engineer, ticket):
    for day in range(3):
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=at(MONDAY.replace(day=MONDAY.day + day), 6),
            duration_minutes=14 * 60,
            ticket=ticket,
        )
    page = (
        login(approver)
        .get(URL, {"period": "custom", "start": "2026-11-16", "end": "2026-11-18"})
        .content.decode()
    )
    assert "Over capacity" in row_of(page, engineer.display_name)


def test_csv_download(billing, engineer, logged):
    response = login(billing).get(URL, {"period": "this_week", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("agent,available_h")
    assert any(
        line.startswith(f"{engineer.display_name},40.00,8.00,6.00,2.00,15.0,20.0") for line in lines
    )
