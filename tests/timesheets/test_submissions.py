"""Weekly submission, recall, approval and rejection; approval locks entries."""

import datetime as dt

import pytest

from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.services import (
    submission_approve,
    submission_recall,
    submission_reject,
    submission_submit,
)
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create, time_entry_update
from tallyhour.timetracking.timers import timer_pause, timer_start
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

NEXT_MONDAY = MONDAY + dt.timedelta(days=7)
NOW = at(NEXT_MONDAY, 9)


def log(agent, start, minutes=60, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
    )


def submit(agent, week=MONDAY, actor=None):
    return submission_submit(agent=agent, week_start=week, actor=actor or agent, now=NOW)


def states(*entries) -> list[str]:
    return [TimeEntry.objects.get(pk=e.pk).state for e in entries]


def test_submit_locks_the_weeks_entries(engineer, ticket, internal):
    monday = log(engineer, at(MONDAY, 9), ticket=ticket)
    sunday = log(engineer, at(MONDAY + dt.timedelta(days=6), 23), minutes=30, charge_type=internal)
    next_week = log(engineer, at(NEXT_MONDAY, 0), ticket=ticket)
    submission = submit(engineer)
    assert (submission.state, submission.week_start, submission.submitted_at) == (
        SubmissionState.SUBMITTED,
        MONDAY,
        NOW,
    )
    assert (submission.total_seconds, submission.billable_seconds) == (5400, 3600)
    assert states(monday, sunday, next_week) == ["submitted", "submitted", "draft"]
    assert set(submission.entries.all()) == {monday, sunday}
    row = history_for(submission).get()
    assert row.action == "submission.submit"
    assert sorted(row.after["entries"]) == sorted([monday.pk, sunday.pk])


def test_submit_uses_the_agents_local_week(engineer, ticket):
    engineer.agent.timezone = "America/New_York"
    engineer.agent.save()
    # 01:00 UTC on Monday 23 Nov is 20:00 on Sunday 22 Nov in New York: this week.
    sunday_evening = log(engineer, dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC), ticket=ticket)
    # 03:00 UTC on Monday 16 Nov is 22:00 on Sunday 15 Nov in New York: last week.
    last_week = log(engineer, dt.datetime(2026, 11, 16, 3, tzinfo=dt.UTC), ticket=ticket)
    # 05:00 UTC on Monday 16 Nov is local midnight: the first second of this week.
    first_second = log(engineer, dt.datetime(2026, 11, 16, 5, tzinfo=dt.UTC), ticket=ticket)
    submit(engineer)
    assert states(sunday_evening, last_week, first_second) == ["submitted", "draft", "submitted"]


def test_week_must_start_on_monday(engineer):
    with pytest.raises(InvalidInput) as caught:
        submit(engineer, week=MONDAY + dt.timedelta(days=1))
    assert caught.value.fields == {"week": "not a Monday"}
    assert not Submission.objects.exists()


def test_only_the_agent_or_an_admin_submits(engineer, approver, admin, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    with pytest.raises(Forbidden):
        submit(engineer, actor=approver)
    assert submit(engineer, actor=admin).agent == engineer


def test_running_timer_blocks_submit(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    with pytest.raises(Conflict) as caught:
        submit(engineer)
    assert caught.value.code == "timer_running"
    timer_pause(timer=timer, actor=engineer, now=at(MONDAY, 10))
    assert submit(engineer).state == SubmissionState.SUBMITTED  # a paused timer does not


def test_double_submit_is_a_conflict(engineer, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submit(engineer)
    with pytest.raises(Conflict) as caught:
        submit(engineer)
    assert caught.value.code == "already_submitted"
    assert Submission.objects.count() == 1


def test_new_time_in_a_submitted_or_approved_week_is_refused(engineer, approver, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submit(engineer)
    with pytest.raises(Conflict, match="submitted") as caught:
        log(engineer, at(MONDAY + dt.timedelta(days=2), 9), ticket=ticket)
    assert caught.value.code == "week_locked"
    submission_approve(submission=submission, actor=approver, now=NOW)
    with pytest.raises(Conflict, match="approved"):
        log(engineer, at(MONDAY + dt.timedelta(days=2), 9), ticket=ticket)
    log(engineer, at(NEXT_MONDAY, 9), ticket=ticket)  # the next week is open


def test_moving_draft_time_into_a_submitted_week_is_refused(engineer, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submit(engineer)
    later = log(engineer, at(NEXT_MONDAY, 9), ticket=ticket)
    with pytest.raises(Conflict, match="submitted"):
        time_entry_update(
            entry=later,
            actor=engineer,
            changes={"started_at": at(MONDAY, 13), "ended_at": at(MONDAY, 14)},
        )


def test_recall_returns_entries_to_draft(engineer, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_recall(submission=submit(engineer), actor=engineer)
    assert submission.state == SubmissionState.RECALLED
    entry.refresh_from_db()
    assert (entry.state, entry.submission) == (EntryState.DRAFT, None)
    time_entry_update(entry=entry, actor=engineer, changes={"note": "after recall"})
    log(engineer, at(MONDAY, 11), ticket=ticket)  # the week is open again
    assert submit(engineer).entries.count() == 2


def test_recall_only_while_undecided_and_only_by_the_agent(engineer, approver, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submit(engineer)
    with pytest.raises(Forbidden):
        submission_recall(submission=submission, actor=approver)
    submission_approve(submission=submission, actor=approver, now=NOW)
    with pytest.raises(Conflict, match="approved"):
        submission_recall(submission=submission, actor=engineer)


def test_team_approver_approves_and_entries_lock(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_approve(submission=submit(engineer), actor=approver, now=NOW)
    assert (submission.state, submission.decided_by, submission.decided_at) == (
        SubmissionState.APPROVED,
        approver,
        NOW,
    )
    assert states(entry) == ["approved"]
    row = history_for(submission).last()
    assert (row.action, row.before["state"], row.after["state"]) == (
        "submission.approve",
        "submitted",
        "approved",
    )


def test_nobody_approves_their_own_time(engineer, approver, admin, team_a, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    with pytest.raises(Forbidden) as caught:
        submission_approve(submission=submit(engineer), actor=engineer, now=NOW)
    assert caught.value.code == "own_time"

    admin.agent.teams.add(team_a)
    log(admin, at(MONDAY, 9), ticket=ticket)
    own = submit(admin)
    for decide in (
        lambda: submission_approve(submission=own, actor=admin, now=NOW),
        lambda: submission_reject(submission=own, actor=admin, reason="x", now=NOW),
    ):
        with pytest.raises(Forbidden, match="own"):
            decide()
    own.refresh_from_db()
    assert own.state == SubmissionState.SUBMITTED


def test_other_teams_approver_and_billing_cannot_decide(engineer, other_approver, billing, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submit(engineer)
    for actor in (other_approver, billing):
        with pytest.raises(Forbidden):
            submission_approve(submission=submission, actor=actor, now=NOW)
        with pytest.raises(Forbidden):
            submission_reject(submission=submission, actor=actor, reason="no", now=NOW)
    assert states(entry) == ["submitted"]


def test_personal_approver_replaces_the_team_approver(engineer, approver, other_approver, ticket):
    engineer.agent.timesheet_approver = other_approver
    engineer.agent.save()
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submit(engineer)
    with pytest.raises(Forbidden):
        submission_approve(submission=submission, actor=approver, now=NOW)
    assert (
        submission_approve(submission=submission, actor=other_approver, now=NOW).state
        == SubmissionState.APPROVED
    )


def test_admin_approves_anyone_else(engineer, admin, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    assert submission_approve(submission=submit(engineer), actor=admin, now=NOW).decided_by == admin


def test_deciding_twice_is_a_conflict(engineer, approver, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_approve(submission=submit(engineer), actor=approver, now=NOW)
    with pytest.raises(Conflict, match="approved"):
        submission_approve(submission=submission, actor=approver, now=NOW)
    with pytest.raises(Conflict, match="approved"):
        submission_reject(submission=submission, actor=approver, reason="late", now=NOW)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_needs_a_reason(engineer, approver, ticket, reason):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submit(engineer)
    with pytest.raises(InvalidInput) as caught:
        submission_reject(submission=submission, actor=approver, reason=reason, now=NOW)
    assert caught.value.fields == {"reason": "required"}
    assert states(entry) == ["submitted"]


def test_reject_returns_entries_with_the_reason_and_resubmission_works(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    first = submit(engineer)
    first = submission_reject(
        submission=first, actor=approver, reason="  Split the printer work  ", now=NOW
    )
    assert (first.state, first.reason, first.decided_by) == (
        SubmissionState.REJECTED,
        "Split the printer work",
        approver,
    )
    entry.refresh_from_db()
    assert (entry.state, entry.rejection_reason) == (EntryState.REJECTED, "Split the printer work")
    assert history_for(first).last().reason == "Split the printer work"

    time_entry_update(entry=entry, actor=engineer, changes={"duration_minutes": 30})
    extra = log(engineer, at(MONDAY, 10), minutes=30, ticket=ticket)
    second = submit(engineer)
    assert second.pk != first.pk
    assert set(second.entries.all()) == {entry, extra}
    entry.refresh_from_db()
    assert (entry.state, entry.rejection_reason, entry.submission) == (
        EntryState.SUBMITTED,
        "",
        second,
    )
    submission_approve(submission=second, actor=approver, now=NOW)
    assert states(entry, extra) == ["approved", "approved"]
