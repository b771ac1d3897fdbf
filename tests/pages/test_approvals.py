"""Approvals: the queue, approving and rejecting through the page (plain and htmx)."""

import datetime as dt

import pytest
from django.urls import reverse

from tallyhour.accounts.models import Role
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.services import submission_submit
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, UserFactory
from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db

QUEUE = reverse("timesheets:approvals")


@pytest.fixture
def submitted(engineer, ticket):
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=90,
        ticket=ticket,
        note="Printer fixed",
    )
    return submission_submit(
        agent=engineer, week_start=MONDAY, actor=engineer, comment="Off on Friday"
    )


def test_queue_lists_submissions_with_totals_and_entries(approver, submitted):
    page = login(approver).get(QUEUE).content.decode()
    assert submitted.agent.display_name in page
    assert "2026-W47" in page and "Off on Friday" in page
    assert "1:30" in page and "Printer fixed" in page
    assert "<details open>" in page
    assert reverse("timesheets:submission_approve", args=[submitted.pk]) in page


def test_queue_is_empty_for_another_teams_approver(other_approver, submitted):
    page = login(other_approver).get(QUEUE).content.decode()
    assert "Nothing to approve" in page


def test_approve_through_the_page(approver, engineer, submitted):
    http = login(approver)
    response = http.post(reverse("timesheets:submission_approve", args=[submitted.pk]))
    assert response.status_code == 302 and response["Location"] == QUEUE
    submitted.refresh_from_db()
    assert submitted.state == SubmissionState.APPROVED and submitted.decided_by == approver
    assert TimeEntry.objects.get(agent=engineer).state == EntryState.APPROVED
    page = http.get(QUEUE).content.decode()
    assert "Approved" in page and "Nothing to approve" in page


def test_approve_with_htmx_replaces_the_card(approver, submitted):
    response = login(approver).post(
        reverse("timesheets:submission_approve", args=[submitted.pk]), **HTMX
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and f'id="submission-{submitted.pk}"' in page
    assert "Approved" in page


def test_reject_needs_a_reason(approver, submitted):
    http = login(approver)
    url = reverse("timesheets:submission_reject", args=[submitted.pk])
    response = http.post(url, {"reason": "  "}, **HTMX)
    assert response.status_code == 422
    assert b"Give a reason for the rejection." in response.content
    assert f'id="submission-{submitted.pk}"'.encode() in response.content
    response = http.post(url, {"reason": ""})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == SubmissionState.SUBMITTED


def test_reject_returns_the_week_to_the_agent_with_the_reason(approver, engineer, submitted):
    response = login(approver).post(
        reverse("timesheets:submission_reject", args=[submitted.pk]),
        {"reason": "Friday is missing"},
        **HTMX,
    )
    assert response.status_code == 200 and b"Rejected" in response.content
    submitted.refresh_from_db()
    assert submitted.state == SubmissionState.REJECTED
    page = login(engineer).get(reverse("timesheets:week", args=["2026-W47"])).content.decode()
    assert "“Friday is missing”" in page and "Submit up to Wed 18 Nov" in page
    assert 'class="entry entry--rejected"' in page


def test_deciding_twice_is_a_conflict_message(approver, submitted):
    http = login(approver)
    url = reverse("timesheets:submission_approve", args=[submitted.pk])
    http.post(url, **HTMX)
    response = http.post(url, **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages"
    assert b"already approved" in response.content


def test_engineer_cannot_approve_even_by_posting(engineer, other_engineer, ticket):
    time_entry_create(
        agent=other_engineer,
        actor=other_engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=30,
        ticket=ticket,
    )
    sub = submission_submit(agent=other_engineer, week_start=MONDAY, actor=other_engineer)
    response = login(engineer).post(reverse("timesheets:submission_approve", args=[sub.pk]), **HTMX)
    assert response.status_code == 404
    sub.refresh_from_db()
    assert sub.state == SubmissionState.SUBMITTED


def test_approver_cannot_approve_their_own_week(approver, admin, ticket):
    time_entry_create(
        agent=approver, actor=approver, started_at=at(MONDAY, 9), duration_minutes=30, ticket=ticket
    )
    sub = submission_submit(agent=approver, week_start=MONDAY, actor=approver)
    response = login(approver).post(reverse("timesheets:submission_approve", args=[sub.pk]), **HTMX)
    assert response.status_code == 403 and b"Nobody approves" in response.content
    assert (
        login(admin).post(reverse("timesheets:submission_approve", args=[sub.pk])).status_code
        == 302
    )
    sub.refresh_from_db()
    assert sub.state == SubmissionState.APPROVED


# Session, user, notices, header timer, organisation, queue, entries, workdays, recently
# approved: fixed, however many submissions and entries wait.
QUEUE_QUERY_BUDGET = 10


@pytest.mark.parametrize("entries_each", [1, 100])
def test_queue_query_budget_does_not_grow(
    approver, team_a, ticket, remote_support, entries_each, django_assert_max_num_queries
):
    for n in range(5):
        user = UserFactory(username=f"agent{n}", role=Role.ENGINEER)
        AgentFactory(user=user, default_charge_type=remote_support).teams.add(team_a)
        TimeEntry.objects.bulk_create(
            TimeEntry(
                agent=user,
                ticket=ticket,
                charge_type=remote_support,
                started_at=at(MONDAY, 0) + dt.timedelta(minutes=30 * i),
                ended_at=at(MONDAY, 0) + dt.timedelta(minutes=30 * i + 20),
                worked_seconds=1200,
                is_billable=True,
                billable_seconds=1200,
            )
            for i in range(entries_each)
        )
        submission_submit(agent=user, week_start=MONDAY, actor=user)
    http = login(approver)
    http.get(QUEUE)
    with django_assert_max_num_queries(QUEUE_QUERY_BUDGET):
        response = http.get(QUEUE)
    page = response.content.decode()
    assert page.count('class="card approval"') == 5
    assert page.count('name="entry_ids"') == 5 * entries_each
    assert Submission.objects.count() == 5
