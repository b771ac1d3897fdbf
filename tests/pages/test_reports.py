"""Utilisation page: periods, the agent's hours, bands, CSV."""

import pytest
from django.urls import reverse

from tallyhour.accounts.models import Agent, Role
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, UserFactory
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
    start = page.index(name, page.index("<tbody>"))
    return page[start : page.index("</tr>", start)]


def test_utilisation_shows_the_agents_hours(approver, engineer, logged):
    response = login(approver).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    row = row_of(page, engineer.display_name)
    # Wednesday noon: Monday, Tuesday and 3 of Wednesday's 8.5 workday hours (pro rata of
    # its 8 h) are available to date: 18.82 h of the week's 40. Logged 8; billable 6;
    # non-billable 2; utilisation 32 % to date (15 % of the whole week); logged 43 % to
    # date; headroom 32 h of the whole week.
    for text in (
        "18.82 h to date",
        "of 40.00 h",
        "8.00 h",
        "6.00 h",
        "2.00 h",
        "32 %",
        "whole period 15 %",
        "43 %",
        "32.00 h",
    ):
        assert text in row, text
    assert 'class="band-under"' in page
    assert 'id="to-date-note"' in page


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


def test_utilisation_page_has_charts_teams_and_trend(billing, engineer, logged):
    page = login(billing).get(URL).content.decode()
    # The stacked bars and the weekly trend, with text alternatives and no inline styles.
    assert page.count('<svg class="chart"') == 2
    assert '<title id="capacity-title">' in page and '<desc id="trend-desc">' in page
    assert 'style="' not in page and "<script>" not in page
    assert 'id="teams-title"' in page and "Team A" in page
    assert "Trend as a table" in page and "2026-W47" in page
    assert "Revenue" in page  # billing sees money
    assert "Revenue" not in login(engineer.agent.teams.first().approver).get(URL).content.decode()


def test_utilisation_csv_tables(billing, engineer, logged):
    http = login(billing)
    teams = http.get(URL, {"format": "csv", "table": "teams"}).content.decode().splitlines()
    assert teams[0].startswith("team,") and teams[1].startswith("Team A,40.00,8.00,6.00")
    trend = http.get(URL, {"format": "csv", "table": "trend"}).content.decode().splitlines()
    assert trend[0].startswith("week,") and trend[-1].startswith("2026-W47,")


def test_team_filter(billing, engineer, other_engineer, logged, team_b):
    page = login(billing).get(URL, {"team": team_b.pk}).content.decode()
    tbody = page[page.index("<tbody>") :]
    assert other_engineer.display_name in tbody and engineer.display_name not in tbody


MISSED = reverse("reports:missed_hours")


def test_missed_hours_page(approver, billing, engineer, logged):
    page = login(approver).get(MISSED, {"period": "this_week"}).content.decode()
    assert "Workday gaps" in page and "Approved, not invoiced" not in page
    # Monday and Tuesday are over (the clock is Wednesday): Tuesday is empty, an 8 h gap.
    assert "Tue 17 Nov" in page
    billing_page = login(billing).get(MISSED, {"period": "this_week"}).content.decode()
    assert "Approved, not invoiced" in billing_page
    csv_text = login(approver).get(MISSED, {"period": "this_week", "format": "csv"})
    lines = csv_text.content.decode().splitlines()
    assert lines[0] == "agent,day,target_h,logged_h,gap_h"
    assert f"{engineer.display_name},2026-11-17,8.00,0.00,8.00" in lines


def test_missed_hours_drill_down(billing, engineer, approver, logged):
    from tallyhour.timesheets.services import submission_approve, submission_submit

    submission_approve(
        submission=submission_submit(agent=engineer, week_start=MONDAY, actor=engineer),
        actor=approver,
    )
    url = reverse("reports:missed_entries", args=["unbilled"])
    page = login(billing).get(url, {"period": "this_week"}).content.decode()
    assert "Printer offline" in page and "6:00" in page
    assert login(approver).get(url).status_code == 403  # money is for billing
    assert login(billing).get(reverse("reports:missed_entries", args=["nope"])).status_code == 422
    csv_text = login(billing).get(url, {"format": "csv"}).content.decode()
    assert csv_text.splitlines()[0].startswith("id,agent,started_at")


def test_profitability_page(billing, approver, engineer, logged):
    url = reverse("reports:profitability")
    page = login(billing).get(url, {"period": "this_week"})
    assert page.status_code == 200 and b"Per client" in page.content
    assert login(approver).get(url).status_code == 403
    csv_text = login(billing).get(url, {"period": "this_week", "format": "csv", "table": "agents"})
    assert csv_text.content.decode().startswith("name,worked_h,billed_h")


# --- only agents: opening a page never makes someone an agent -----------------------------


@pytest.mark.parametrize(
    "path", ["/week/", reverse("timesheets:week", args=["2026-W47"]), "/day/2026-11-17/"]
)
def test_billing_user_opening_my_week_gets_no_agent_profile(billing, path):
    response = login(billing).get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="no-time"' in page and "You don’t log time" in page
    assert not Agent.objects.filter(user=billing).exists()


def test_billing_user_is_not_listed_after_opening_my_week(billing, approver, engineer, logged):
    http = login(billing)
    http.get("/")
    names = [
        line.split(",")[0]
        for line in http.get(URL, {"format": "csv"}).content.decode().splitlines()[1:]
    ]
    assert billing.display_name not in names and engineer.display_name in names


def test_engineer_without_a_profile_sees_their_week_and_gets_one_by_logging_time(
    org, remote_support
):
    newcomer = UserFactory(username="newcomer", role=Role.ENGINEER)
    http = login(newcomer)
    assert http.get("/").status_code == 200
    assert http.get("/day/2026-11-17/").status_code == 200
    assert not Agent.objects.filter(user=newcomer).exists()  # reading made none
    response = http.post(
        reverse("timesheets:time_entry_create"),
        {
            "week": "2026-W47",
            "date": "2026-11-17",
            "start": "09:30",
            "duration": "1:30",
            "end": "",
            "ticket": "",
            "charge_type": str(remote_support.pk),
            "billable": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert Agent.objects.filter(user=newcomer).exists()  # the first logged time did
    assert TimeEntry.objects.get(agent=newcomer).worked_seconds == 5400


def test_billing_user_given_a_profile_has_a_week(billing):
    AgentFactory(user=billing)
    page = login(billing).get("/").content.decode()
    assert 'id="no-time"' not in page


def test_opening_the_leave_page_makes_no_agent_but_recording_leave_does(billing):
    http = login(billing)
    assert http.get(reverse("timesheets:leave")).status_code == 200
    assert not Agent.objects.filter(user=billing).exists()
    http.post(reverse("timesheets:leave"), {"kind": "annual", "first_day": "2026-12-28"})
    assert Agent.objects.filter(user=billing).exists()
