"""Weeks and submissions: view, submit, approve, reject, recall."""

import pytest

from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import TimeEntry
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"


@pytest.fixture
def submitted(api_as, engineer, draft_entry) -> dict:
    return api_as(engineer).post(f"/timesheets/{engineer.pk}/{WEEK}/submit").json()


def test_week_shows_days_against_the_workday(api_as, engineer, draft_entry):
    week = api_as(engineer).get(f"/timesheets/{engineer.pk}/{WEEK}").json()
    assert (week["week"], week["week_start"], week["state"], week["can_submit"]) == (
        WEEK,
        "2026-11-16",
        "open",
        True,
    )
    monday, tuesday = week["days"][:2]
    assert (
        monday["date"],
        monday["target_hours"],
        monday["logged_hours"],
        monday["gap_hours"],
    ) == ("2026-11-16", "8.00", "1.00", "7.00")
    assert [e["id"] for e in monday["entries"]] == [draft_entry.pk] and tuesday["entries"] == []
    assert len(week["days"]) == 7 and week["days"][6]["target_hours"] == "0.00"
    assert week["totals"] == {
        "target_hours": "40.00",
        "logged_hours": "1.00",
        "billable_hours": "1.00",
        "non_billable_hours": "0.00",
        "gap_hours": "39.00",
    }


@pytest.mark.parametrize(
    "week", ["2026-47", "2026-W54", "W47", "2026-W47-1", "0001-W01", "9999-W52"]
)
def test_bad_week_is_a_422_and_submits_nothing(api_as, engineer, draft_entry, week):
    as_engineer = api_as(engineer)
    assert_error(as_engineer.get(f"/timesheets/{engineer.pk}/{week}"), 422, "week")
    assert_error(as_engineer.post(f"/timesheets/{engineer.pk}/{week}/submit"), 422, "week")
    assert not Submission.objects.exists()


def test_weeks_of_unseen_agents_are_404(api_as, engineer, other_engineer, approver):
    assert_error(api_as(engineer).get(f"/timesheets/{other_engineer.pk}/{WEEK}"), 404)
    assert_error(api_as(approver).get(f"/timesheets/{other_engineer.pk}/{WEEK}"), 404)
    assert api_as(approver).get(f"/timesheets/{engineer.pk}/{WEEK}").status_code == 200


def test_engineer_approving_own_week_is_forbidden(api_as, engineer, submitted):
    body = assert_error(api_as(engineer).post(f"/submissions/{submitted['id']}/approve"), 403)
    assert body["error"] == "own_time"
    assert Submission.objects.get().state == "submitted"


def test_other_teams_approver_cannot_see_or_decide(api_as, other_approver, submitted):
    assert_error(api_as(other_approver).post(f"/submissions/{submitted['id']}/approve"), 404)


def test_reject_needs_a_reason(api_as, approver, submitted):
    as_approver = api_as(approver)
    assert_error(as_approver.post(f"/submissions/{submitted['id']}/reject", {}), 422, "reason")
    assert_error(
        as_approver.post(f"/submissions/{submitted['id']}/reject", {"reason": "  "}), 422, "reason"
    )
    assert Submission.objects.get().state == "submitted"

    response = as_approver.post(
        f"/submissions/{submitted['id']}/reject", {"reason": "Ticket missing"}
    )
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["reason"]) == ("rejected", "Ticket missing")
    assert TimeEntry.objects.get().state == "rejected"


def test_submitting_twice_is_a_conflict(api_as, engineer, submitted):
    response = api_as(engineer).post(f"/timesheets/{engineer.pk}/{WEEK}/submit")
    assert assert_error(response, 409)["error"] == "already_submitted"
    assert Submission.objects.count() == 1


def test_recall_returns_entries_to_draft(api_as, engineer, submitted):
    response = api_as(engineer).post(f"/submissions/{submitted['id']}/recall")
    assert response.status_code == 200 and response.json()["state"] == "recalled"
    assert TimeEntry.objects.get().state == "draft"


def test_list_and_detail(api_as, engineer, approver, other_engineer, submitted):
    as_approver = api_as(approver)
    queue = as_approver.get("/submissions", awaiting_me="true").json()
    assert [s["id"] for s in queue["items"]] == [submitted["id"]]
    assert as_approver.get("/submissions", state="approved").json()["count"] == 0
    assert api_as(other_engineer).get("/submissions").json()["count"] == 0
    assert_error(as_approver.get("/submissions", state="maybe"), 422, "state")

    detail = as_approver.get(f"/submissions/{submitted['id']}").json()
    assert detail["agent_id"] == engineer.pk and len(detail["entries"]) == 1
    assert_error(api_as(other_engineer).get(f"/submissions/{submitted['id']}"), 404)


def test_week_has_rows_and_absences_and_day_view(api_as, engineer, draft_entry):
    from tallyhour.accounts.models import Leave

    day = draft_entry.started_at.date()
    Leave.objects.create(agent=engineer.agent, first_day=day, last_day=day)
    api = api_as(engineer)
    week = api.get(f"/timesheets/{engineer.pk}/{WEEK}").json()
    assert week["days"][0]["absence"] == "Annual leave"
    assert week["days"][0]["target_hours"] == "0.00"
    [row] = week["rows"]
    assert row["is_ticket"] and row["total_hours"] == "1.00"
    day = api.get(f"/timesheets/{engineer.pk}/days/2026-11-16").json()
    assert day["day"]["absence_kind"] == "leave"
    assert [e["id"] for e in day["day"]["entries"]] == [draft_entry.pk]
    assert_error(api.get(f"/timesheets/{engineer.pk}/days/2026-13-01"), 422)


def test_queue_reject_entries_write_off_reopen_bulk_and_history(
    api_as, engineer, approver, submitted, draft_entry
):
    as_approver = api_as(approver)
    [item] = as_approver.get("/approvals").json()
    assert item["submission"]["id"] == submitted["id"] and "gap" in item["flags"]
    assert item["entries"][0]["id"] == draft_entry.pk and "flags" in item["entries"][0]

    url = f"/time-entries/{draft_entry.pk}/write-off"
    assert_error(api_as(engineer).post(url, {"billable_minutes": 0, "reason": "x"}), 403)
    assert_error(as_approver.post(url, {"billable_minutes": 61, "reason": "x"}), 422)
    entry = as_approver.post(url, {"billable_minutes": 30, "reason": "Goodwill"}).json()
    assert entry["billable_hours"] == "0.50" and entry["hours"] == "1.00"

    response = as_approver.post("/approvals/bulk-approve", {"submission_ids": [submitted["id"]]})
    assert response.status_code == 200, response.content
    assert response.json()[0]["state"] == "approved"

    reopen = f"/submissions/{submitted['id']}/reopen"
    assert_error(as_approver.post(reopen, {"reason": ""}), 422, "reason")
    assert as_approver.post(reopen, {"reason": "Client query"}).json()["state"] == "submitted"

    returned = as_approver.post(
        f"/submissions/{submitted['id']}/reject-entries",
        {"entry_ids": [draft_entry.pk], "reason": "Wrong ticket"},
    ).json()
    assert returned["state"] == "rejected"

    history = api_as(engineer).get(f"/time-entries/{draft_entry.pk}/history").json()
    actions = [row["action"] for row in history]
    assert actions == [
        "time_entry.create",
        "time_entry.submit",
        "time_entry.write_off",
        "time_entry.approve",
        "time_entry.reopen",
        "time_entry.reject",
    ]
    reopen_row = history[4]
    assert reopen_row["reason"] == "Client query" and reopen_row["actor_id"] == approver.pk
    assert reopen_row["before"]["state"] == "approved"


def test_per_ticket_submit_through_the_api(api_as, org, engineer, draft_entry, ticket):
    url = f"/timesheets/{engineer.pk}/tickets/{ticket.pk}/submit"
    assert assert_error(api_as(engineer).post(url), 409)["error"] == "weekly_submission"
    org.submission_mode = "per_ticket"
    org.save()
    body = api_as(engineer).post(url).json()
    assert (body["kind"], body["ticket_id"], body["week"]) == ("ticket", ticket.pk, None)


def test_copy_last_week_through_the_api(api_as, engineer, internal):
    from tallyhour.timetracking.services import time_entry_create
    from tests.conftest import MONDAY, at

    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=30,
        charge_type=internal,
    )
    response = api_as(engineer).post(f"/timesheets/{engineer.pk}/2026-W48/copy-last-week")
    assert response.status_code == 201
    assert len(response.json()["created"]) == 1 and response.json()["skipped"] == 0
