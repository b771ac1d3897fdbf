"""Entry state changes timesheets asks for: all or nothing, each entry audited once."""

import datetime as dt

import pytest

from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict
from tallyhour.timesheets.models import Submission, SubmissionKind
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.transitions import (
    time_entries_approve,
    time_entries_recall,
    time_entries_reopen,
    time_entries_submit,
    time_entry_write_down,
)
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(engineer):
    return [
        time_entry_create(
            agent=engineer, actor=engineer, started_at=at(MONDAY, hour), duration_minutes=60
        )
        for hour in (9, 11)
    ]


@pytest.fixture
def submission(engineer):
    return Submission.objects.create(
        agent=engineer,
        kind=SubmissionKind.WEEK,
        week_start=MONDAY,
        through=MONDAY + dt.timedelta(days=6),
        submitted_at=at(MONDAY, 18),
    )


def fresh(entries):
    return list(TimeEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk"))


def test_submit_moves_every_entry_and_audits_each_once(engineer, entries, submission):
    moved = time_entries_submit(entries=entries, submission_id=submission.pk, actor=engineer)
    assert moved == 2
    assert [(e.state, e.submission_id) for e in fresh(entries)] == [
        (EntryState.SUBMITTED, submission.pk)
    ] * 2
    row = history_for(entries[0]).get(action="time_entry.submit")
    assert (row.actor, row.before, row.after) == (
        engineer,
        {"state": "draft", "submission": None},
        {"state": "submitted", "submission": submission.pk},
    )


def test_a_row_that_changed_meanwhile_moves_nothing(engineer, approver, entries, submission):
    time_entries_submit(entries=entries, submission_id=submission.pk, actor=engineer)
    stale = fresh(entries)
    # The second entry was recalled behind the caller's back (its copy still says submitted).
    TimeEntry.objects.filter(pk=stale[1].pk).update(state=EntryState.DRAFT, submission=None)
    with pytest.raises(Conflict) as caught:
        time_entries_approve(entries=stale, submission_id=submission.pk, actor=approver)
    assert caught.value.code == "entry_changed"
    assert [e.state for e in fresh(entries)] == [EntryState.SUBMITTED, EntryState.DRAFT]
    assert not history_for(stale[0]).filter(action="time_entry.approve").exists()


def test_reopen_refuses_time_claimed_meanwhile(engineer, approver, entries, submission):
    time_entries_submit(entries=entries, submission_id=submission.pk, actor=engineer)
    time_entries_approve(entries=fresh(entries), submission_id=submission.pk, actor=approver)
    approved = fresh(entries)
    TimeEntry.objects.filter(pk=approved[0].pk).update(state=EntryState.SUBMITTED)
    with pytest.raises(Conflict) as caught:
        time_entries_reopen(
            entries=approved, submission_id=submission.pk, actor=approver, reason="Check"
        )
    assert caught.value.code == "invoiced"
    assert fresh(entries)[1].state == EntryState.APPROVED


def test_recall_with_nothing_to_move_writes_nothing(engineer, django_assert_num_queries):
    with django_assert_num_queries(2):  # the savepoint and its release only
        assert time_entries_recall(entries=[], actor=engineer) == 0


def test_write_down_only_touches_waiting_time(engineer, approver, entries, submission):
    with pytest.raises(Conflict) as caught:
        time_entry_write_down(entry=entries[0], billable_seconds=0, reason="No", actor=approver)
    assert caught.value.code == "entry_draft"
    time_entries_submit(entries=entries, submission_id=submission.pk, actor=engineer)
    entry = time_entry_write_down(
        entry=fresh(entries)[0], billable_seconds=1800, reason="Learning", actor=approver
    )
    assert (entry.worked_seconds, entry.billable_seconds, entry.version) == (3600, 1800, 2)
    row = history_for(entry).get(action="time_entry.write_off")
    assert (row.before["billable_seconds"], row.after["billable_seconds"], row.reason) == (
        3600,
        1800,
        "Learning",
    )
