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
    assert "2026-W47" in page and "Off on Friday" in page and "1:30" in page
    assert reverse("timesheets:submission_approve", args=[submitted.pk]) in page
    # The queue is one row per submission; the entries are on the submission's own page.
    assert "Printer fixed" not in page
    detail_url = reverse("timesheets:approval_detail", args=[submitted.pk])
    assert detail_url in page
    detail = login(approver).get(detail_url).content.decode()
    assert "Printer fixed" in detail and "Off on Friday" in detail and "<details open>" in detail
    assert reverse("timesheets:submission_approve", args=[submitted.pk]) in detail


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


# 9 today: the signed-in page's own reads, then the queue's count, page, entries and workdays,
# and the recently approved: fixed, however many submissions and entries wait.
QUEUE_QUERY_BUDGET = 10


def _submitted_weeks(team, ticket, charge_type, *, agents: int, entries_each: int) -> None:
    for n in range(agents):
        user = UserFactory(username=f"agent{n}", role=Role.ENGINEER)
        AgentFactory(user=user, default_charge_type=charge_type).teams.add(team)
        TimeEntry.objects.bulk_create(
            TimeEntry(
                agent=user,
                ticket=ticket,
                charge_type=charge_type,
                started_at=at(MONDAY, 0) + dt.timedelta(minutes=30 * i),
                ended_at=at(MONDAY, 0) + dt.timedelta(minutes=30 * i + 20),
                worked_seconds=1200,
                is_billable=True,
                billable_seconds=1200,
            )
            for i in range(entries_each)
        )
        submission_submit(agent=user, week_start=MONDAY, actor=user)


@pytest.mark.parametrize("entries_each", [1, 100])
def test_queue_query_budget_does_not_grow(
    approver, team_a, ticket, remote_support, entries_each, django_assert_max_num_queries
):
    _submitted_weeks(team_a, ticket, remote_support, agents=5, entries_each=entries_each)
    http = login(approver)
    http.get(QUEUE)
    with django_assert_max_num_queries(QUEUE_QUERY_BUDGET):
        response = http.get(QUEUE)
    page = response.content.decode()
    assert page.count('class="queue-row"') == 5
    minutes = 20 * entries_each  # each row shows its submission's logged total
    assert f"{minutes // 60}:{minutes % 60:02d}" in page
    assert Submission.objects.count() == 5


def test_queue_is_paged_oldest_first(approver, team_a, ticket, remote_support):
    _submitted_weeks(team_a, ticket, remote_support, agents=30, entries_each=1)
    http = login(approver)
    first = http.get(QUEUE).content.decode()
    assert "30 submissions waiting" in first and "Page 1 of 2" in first
    assert first.count('class="queue-row"') == 25
    oldest = Submission.objects.order_by("submitted_at", "id")
    assert f'id="submission-{oldest[0].pk}"' in first
    assert f'id="submission-{oldest[29].pk}"' not in first
    second = http.get(QUEUE, {"page": 2}).content.decode()
    assert second.count('class="queue-row"') == 5
    assert f'id="submission-{oldest[29].pk}"' in second


# 7 today: the signed-in page's own reads, then the submission, its entries and the agent's
# workdays: fixed, however many entries it holds.
DETAIL_QUERY_BUDGET = 8


@pytest.mark.parametrize("entries_each", [1, 100])
def test_detail_query_budget_does_not_grow(
    approver, team_a, ticket, remote_support, entries_each, django_assert_max_num_queries
):
    _submitted_weeks(team_a, ticket, remote_support, agents=1, entries_each=entries_each)
    url = reverse("timesheets:approval_detail", args=[Submission.objects.get().pk])
    http = login(approver)
    http.get(url)
    with django_assert_max_num_queries(DETAIL_QUERY_BUDGET):
        response = http.get(url)
    assert response.content.decode().count('name="entry_ids"') == entries_each


def test_detail_of_an_approved_submission_offers_reopening(approver, submitted):
    http = login(approver)
    http.post(reverse("timesheets:submission_approve", args=[submitted.pk]))
    page = http.get(reverse("timesheets:approval_detail", args=[submitted.pk])).content.decode()
    assert "badge--approved" in page and "Printer fixed" in page
    assert reverse("timesheets:submission_reopen", args=[submitted.pk]) in page
    assert reverse("timesheets:submission_approve", args=[submitted.pk]) not in page


def test_detail_is_only_for_the_agents_approver(engineer, other_approver, submitted):
    url = reverse("timesheets:approval_detail", args=[submitted.pk])
    assert login(other_approver).get(url).status_code == 404
    assert login(engineer).get(url).status_code == 403


def test_reject_from_the_queue_row_goes_back_to_the_queue(approver, submitted):
    response = login(approver).post(
        reverse("timesheets:submission_reject", args=[submitted.pk]),
        {"scope": "all", "reason": "Friday is missing"},
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    submitted.refresh_from_db()
    assert submitted.state == SubmissionState.REJECTED
