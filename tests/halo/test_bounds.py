"""Absurd dates and page numbers are bad input, never a server error: the same year bounds
(core.dates) on the Halo API, the native API and the pages."""

import pytest

from tests.conftest import login
from tests.halo.test_halo_api import Halo

pytestmark = pytest.mark.django_db
FAR_DATES = ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00Z"]


@pytest.fixture
def halo(engineer, admin):
    return Halo(engineer, admin)


@pytest.mark.parametrize("when", FAR_DATES)
def test_timesheet_events_far_in_time_are_refused(halo, engineer, ticket, when):
    posted = halo.post(
        "/api/TimesheetEvent", [{"start_date": when, "timetaken": 1, "ticket_id": ticket.pk}]
    )
    assert posted.status_code in (400, 422), posted.content
    assert "start_date" in posted.content.decode()
    listed = halo.get("/api/TimesheetEvent", agent_id=engineer.pk, start_date=when)
    assert listed.status_code in (400, 422)
    days = halo.get("/api/Timesheet", agent_id=engineer.pk, start_date=when)
    assert days.status_code in (400, 422)
    actions = halo.get("/api/Actions", ticket_id=ticket.pk, startdate=when)
    assert actions.status_code in (400, 422)


def test_a_page_number_past_any_offset_is_refused(halo):
    answer = halo.get("/api/Tickets", pageinate="true", page_size=50, page_no=2**62)
    assert answer.status_code in (400, 422)
    assert "page_no" in answer.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/week/9999-W52/", "/week/0001-W01/", "/day/0001-01-01/", "/day/9999-12-31/"],
)
def test_pages_far_in_time_are_not_found_or_refused(engineer, path):
    assert login(engineer).get(path).status_code in (400, 404, 422)


def test_week_page_ignores_a_far_selected_day(engineer):
    assert login(engineer).get("/week/", {"date": "9999-12-31"}).status_code == 200


@pytest.mark.parametrize("period", ["9999", "0001-01-01", "9999-12", "0001-W01"])
def test_report_periods_far_in_time_are_refused(billing, period):
    answer = login(billing).get("/api/v1/reports/utilisation", {"period": period})
    assert answer.status_code in (400, 422), (period, answer.status_code)
