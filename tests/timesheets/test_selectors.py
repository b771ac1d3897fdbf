"""The week view (days, targets, gaps) and the approval queue."""

import datetime as dt

import pytest

from tallyhour.core.errors import NotFound
from tallyhour.timesheets.models import SubmissionState
from tallyhour.timesheets.selectors import (
    approval_queue,
    submission_get,
    submission_totals,
    submissions_visible_to,
    week_for,
)
from tallyhour.timesheets.services import (
    submission_approve,
    submission_reject,
    submission_submit,
)
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUR = 3600


def log(agent, start, minutes=60, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
    )


def test_week_days_targets_and_gaps(engineer, ticket, internal):
    wednesday = MONDAY + dt.timedelta(days=2)
    log(engineer, at(MONDAY, 9), minutes=120, ticket=ticket)
    log(engineer, at(MONDAY, 13), minutes=60, charge_type=internal)
    log(engineer, at(wednesday, 8), minutes=8 * 60, ticket=ticket)
    log(engineer, at(MONDAY + dt.timedelta(days=5), 10), minutes=90, ticket=ticket)  # Saturday

    week = week_for(engineer, MONDAY)

    assert [d.date for d in week.days] == [MONDAY + dt.timedelta(days=i) for i in range(7)]
    # Workday 09:00–17:30 with a 30-minute break: 8 h Monday to Friday, nothing at weekends.
    assert [d.target_seconds for d in week.days] == [8 * HOUR] * 5 + [0, 0]
    assert [d.logged_seconds for d in week.days] == [3 * HOUR, 0, 8 * HOUR, 0, 0, 5400, 0]
    assert [d.billable_seconds for d in week.days] == [2 * HOUR, 0, 8 * HOUR, 0, 0, 5400, 0]
    assert [d.gap_seconds for d in week.days] == [5 * HOUR, 8 * HOUR, 0, 8 * HOUR, 8 * HOUR, 0, 0]
    assert [d.fill_percent for d in week.days] == [38, 0, 100, 0, 0, 100, 0]
    assert week.target_seconds == 40 * HOUR
    assert week.logged_seconds == 11 * HOUR + 5400  # 3 h + 8 h + 1.5 h
    assert week.billable_seconds == 10 * HOUR + 5400
    assert week.non_billable_seconds == HOUR
    assert week.gap_seconds == 29 * HOUR
    assert week.label == "2026-W47"
    assert len(week.entries) == 4 and week.has_unsubmitted and week.can_submit
    assert week.submission is None and week.running_timer is None


def test_week_entries_carry_names_shared_by_ticket(
    engineer, ticket, internal, django_assert_num_queries
):
    other = TicketFactory(summary="VPN down", client__name="Brightwater Dental")
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(engineer, at(MONDAY, 10), ticket=other)
    log(engineer, at(MONDAY, 11), ticket=ticket)
    log(engineer, at(MONDAY, 12), charge_type=internal)
    week = week_for(engineer, MONDAY)
    first, second, third, activity = week.days[0].entries
    with django_assert_num_queries(0):
        assert (first.ticket.summary, first.ticket.client.name) == ("Printer offline", "Acme Ltd")
        assert (second.ticket.summary, second.ticket.client.name) == (
            "VPN down",
            "Brightwater Dental",
        )
        assert first.ticket is third.ticket and first.ticket is not second.ticket
        assert first.charge_type.name == ticket.charge_type.name
        assert activity.ticket is None and activity.charge_type.name == "Internal"
        assert first.ticket.client_id == ticket.client_id and first.pk and first.note == ""
    # What a week does not read loads on access, as with any deferred field.
    assert first.ticket.charge_type_id == ticket.charge_type_id
    assert activity.charge_type.is_billable is False


def test_week_buckets_by_the_agents_local_day(engineer, ticket):
    engineer.agent.timezone = "America/New_York"
    engineer.agent.save()
    log(engineer, dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC), ticket=ticket)  # Sun 20:00 EST
    log(engineer, dt.datetime(2026, 11, 16, 3, tzinfo=dt.UTC), ticket=ticket)  # last week
    log(engineer, dt.datetime(2026, 11, 17, 2, tzinfo=dt.UTC), ticket=ticket)  # Mon 21:00 EST
    week = week_for(engineer, MONDAY)
    assert [d.logged_seconds for d in week.days] == [HOUR, 0, 0, 0, 0, 0, HOUR]
    assert week.timezone == "America/New_York"


def test_week_shows_running_timer_and_submission(engineer, approver, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    week = week_for(engineer, MONDAY)
    assert week.submission == submission and not week.can_submit and not week.has_unsubmitted
    submission_reject(submission=submission, actor=approver, reason="Too vague")
    week = week_for(engineer, MONDAY)
    assert week.submission.state == SubmissionState.REJECTED and week.can_submit
    assert week.has_unsubmitted
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 11))
    assert week_for(engineer, MONDAY).running_timer == timer


def test_week_of_an_agent_without_workdays(org, ticket, remote_support):
    user = UserFactory(username="part_timer")
    AgentFactory(user=user, workdays=[0, 1, 2], default_charge_type=remote_support)
    log(user, at(MONDAY + dt.timedelta(days=3), 9), ticket=ticket)  # Thursday, no target
    week = week_for(user, MONDAY)
    assert week.target_seconds == 24 * HOUR
    assert week.days[3].fill_percent == 100 and week.days[3].gap_seconds == 0


@pytest.fixture
def both_weeks_submitted(engineer, other_engineer, admin, ticket):
    subs = {}
    for agent in (engineer, other_engineer, admin):
        log(agent, at(MONDAY, 9), ticket=ticket)
        subs[agent.username] = submission_submit(
            agent=agent, week_start=MONDAY, actor=agent, now=at(MONDAY, 18)
        )
    return subs


def test_approval_queue_shows_only_what_the_approver_may_decide(
    both_weeks_submitted, engineer, approver, other_approver, admin, billing
):
    subs = both_weeks_submitted
    assert list(approval_queue(approver)) == [subs["engineer"]]
    assert list(approval_queue(other_approver)) == [subs["other_engineer"]]
    assert set(approval_queue(admin)) == {subs["engineer"], subs["other_engineer"]}
    assert list(approval_queue(engineer)) == []
    assert list(approval_queue(billing)) == []
    submission_approve(submission=subs["engineer"], actor=approver)
    assert list(approval_queue(approver)) == []


def test_approval_queue_follows_personal_approver(
    both_weeks_submitted, engineer, approver, other_approver
):
    engineer.agent.timesheet_approver = other_approver
    engineer.agent.save()
    assert list(approval_queue(approver)) == []
    assert set(approval_queue(other_approver)) == {
        both_weeks_submitted["engineer"],
        both_weeks_submitted["other_engineer"],
    }


def test_submission_visibility(both_weeks_submitted, engineer, approver, billing):
    subs = both_weeks_submitted
    assert list(submissions_visible_to(engineer)) == [subs["engineer"]]
    assert list(submissions_visible_to(approver)) == [subs["engineer"]]
    assert set(submissions_visible_to(billing)) == set(subs.values())
    with pytest.raises(NotFound):
        submission_get(actor=engineer, submission_id=subs["other_engineer"].pk)
    assert submission_get(actor=approver, submission_id=subs["engineer"].pk) == subs["engineer"]
    assert submission_totals(subs["engineer"]) == {"worked": HOUR, "billable": HOUR}
