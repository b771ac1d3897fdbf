"""The week grid, day view, entry history, leave page and the approval actions."""

import datetime as dt

import pytest
from django.urls import reverse

from tallyhour.accounts.models import Leave
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"
QUEUE = reverse("timesheets:approvals")


def log(agent, start, minutes=60, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
    )


@pytest.fixture
def submitted(engineer, ticket, internal):
    first = log(engineer, at(MONDAY, 9), ticket=ticket, note="Printer")
    second = log(engineer, at(MONDAY, 11), minutes=30, charge_type=internal)
    submission = submission_submit(
        agent=engineer, week_start=MONDAY, actor=engineer, comment="short"
    )
    return submission, first, second


def test_week_grid_shows_rows_days_absences_and_totals(engineer, ticket, internal):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(engineer, at(MONDAY + dt.timedelta(days=1), 9), minutes=30, charge_type=internal)
    Leave.objects.create(
        agent=engineer.agent,
        first_day=MONDAY + dt.timedelta(days=4),
        last_day=MONDAY + dt.timedelta(days=4),
    )
    page = login(engineer).get(reverse("timesheets:week", args=[WEEK])).content.decode()
    assert "Week at a glance" in page
    assert f"#{ticket.pk} {ticket.summary}" in page and "Internal" in page
    assert "Annual leave" in page
    assert reverse("timesheets:day", args=["2026-11-16"]) in page
    assert "Copy last week" in page
    # Target 32 h (Friday on leave), 1.5 h logged; on Wednesday the gap so far is 22:30
    # (Mon–Wed's 24 h less 1:30), and it needs a reason to submit.
    assert "32:00" in page and "22:30" in page and "short of the target up to" in page


def test_submitting_a_week_with_gaps_asks_for_a_reason(engineer, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    http = login(engineer)
    url = reverse("timesheets:submission_submit", args=[WEEK])
    http.post(url, {"agent": engineer.pk})
    assert not Submission.objects.exists()
    assert "say why" in http.get(reverse("timesheets:week", args=[WEEK])).content.decode()
    http.post(url, {"agent": engineer.pk, "comment": "Training Tuesday"})
    assert Submission.objects.get().comment == "Training Tuesday"


def test_day_view(engineer, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket, note="Toner")
    response = login(engineer).get(reverse("timesheets:day", args=["2026-11-16"]))
    page = response.content.decode()
    assert response.status_code == 200 and "Monday 16 November 2026" in page
    assert "Toner" in page and f'id="entry-{entry.pk}"' in page
    assert reverse("timesheets:day", args=["2026-11-17"]) in page
    assert login(engineer).get(reverse("timesheets:day", args=["2026-02-30"])).status_code == 404


def test_entry_history_page(engineer, approver, other_engineer, submitted):
    submission, entry, _ = submitted
    submission_approve(submission=submission, actor=approver)
    url = reverse("timesheets:time_entry_row", args=[entry.pk])
    page = login(engineer).get(url).content.decode()
    assert "History" in page and "Created" in page and "Submitted" in page and "Approved" in page
    assert login(approver).get(url).status_code == 200
    assert login(other_engineer).get(url).status_code == 404


def test_copy_last_week_through_the_page(engineer, internal):
    log(engineer, at(MONDAY - dt.timedelta(days=7), 9), minutes=30, charge_type=internal)
    http = login(engineer)
    response = http.post(reverse("timesheets:copy_last_week", args=[WEEK]), {"agent": engineer.pk})
    assert response.status_code == 302
    assert TimeEntry.objects.filter(started_at=at(MONDAY, 9)).exists()


def test_return_single_entries_and_write_off_with_htmx(approver, engineer, submitted):
    submission, first, second = submitted
    http = login(approver)
    response = http.post(
        reverse("timesheets:time_entry_write_off", args=[first.pk]),
        {"billable": "0:45", "reason": "Slow printer"},
        **HTMX,
    )
    assert response.status_code == 200 and f'id="submission-{submission.pk}"' in response.text
    first.refresh_from_db()
    assert (first.worked_seconds, first.billable_seconds) == (3600, 2700)
    response = http.post(
        reverse("timesheets:submission_reject", args=[submission.pk]),
        {"reason": "Which meeting?", "scope": "selected", "entry_ids": [second.pk]},
        **HTMX,
    )
    assert response.status_code == 200 and "Rejected 1 entry" in response.text
    second.refresh_from_db()
    assert second.state == EntryState.REJECTED
    submission.refresh_from_db()
    assert submission.state == SubmissionState.SUBMITTED


def test_bulk_approve_and_reopen(approver, engineer, submitted):
    submission, first, _ = submitted
    http = login(approver)
    response = http.post(
        reverse("timesheets:submissions_bulk_approve"), {"submission_ids": [submission.pk]}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == SubmissionState.APPROVED
    page = http.get(QUEUE).content.decode()
    assert "Recently approved" in page
    assert reverse("timesheets:submission_reopen", args=[submission.pk]) in page
    http.post(reverse("timesheets:submission_reopen", args=[submission.pk]), {"reason": ""})
    submission.refresh_from_db()
    assert submission.state == SubmissionState.APPROVED
    http.post(
        reverse("timesheets:submission_reopen", args=[submission.pk]), {"reason": "Client query"}
    )
    submission.refresh_from_db()
    assert submission.state == SubmissionState.SUBMITTED


def test_queue_shows_flags(approver, engineer, ticket):
    log(engineer, at(MONDAY, 6), ticket=ticket)
    submission_submit(agent=engineer, week_start=MONDAY, actor=engineer, comment="early")
    page = login(approver).get(QUEUE).content.decode()
    assert "Outside working hours" in page and "Gaps" in page


def test_leave_page(engineer):
    http = login(engineer)
    page = http.get(reverse("timesheets:leave")).content.decode()
    assert "Christmas Day" in page or "No leave recorded" in page
    response = http.post(
        reverse("timesheets:leave"),
        {"kind": "sick", "first_day": "2026-11-18", "last_day": "", "hours": "", "note": ""},
    )
    assert response.status_code == 302
    leave = Leave.objects.get()
    assert (leave.kind, leave.first_day, leave.last_day) == (
        "sick",
        MONDAY + dt.timedelta(2),
        MONDAY + dt.timedelta(2),
    )
    week = http.get(reverse("timesheets:week", args=[WEEK])).content.decode()
    assert "Sick leave" in week
    response = http.post(reverse("timesheets:leave"), {"kind": "sick", "first_day": "2026-11-18"})
    assert response.status_code == 409 and "Overlaps" in response.content.decode()
    http.post(reverse("timesheets:leave_delete", args=[leave.pk]))
    assert not Leave.objects.exists()


def test_write_off_form_shown_exactly_when_the_service_allows_it(
    engineer, other_engineer, approver, billing, submitted
):
    """The entry page asks the same predicate as the service: the agent's own approver
    (whatever their role) sees the write-off form; billing users see the entry but not it."""
    _, entry, _ = submitted
    agent = engineer.agent
    agent.timesheet_approver = other_engineer
    agent.save()
    url = reverse("timesheets:time_entry_row", args=[entry.pk])
    assert "Save write-off" in login(other_engineer).get(url).text
    assert "Save write-off" not in login(billing).get(url).text
    assert "Save write-off" not in login(engineer).get(url).text
    # The team approver is overridden by the personal one: not theirs to see or decide.
    assert login(approver).get(url).status_code == 404
    response = login(other_engineer).post(
        reverse("timesheets:time_entry_write_off", args=[entry.pk]),
        {"billable": "0:30", "reason": "Learning curve"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.billable_seconds == 1800
