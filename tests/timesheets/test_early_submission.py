"""The early-submission rule: a week is submitted up to today; later days stay open, join a
follow-up submission of the same week, and are never locked by Monday's approval or invoice."""

import datetime as dt

import pytest

from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.selectors import week_for
from tallyhour.timesheets.services import (
    submission_approve,
    submission_reject_entries,
    submission_submit,
)
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start, timer_stop
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)
SUNDAY = MONDAY + dt.timedelta(days=6)


def log(agent, start, minutes=60, **kwargs):  # noqa: ANN001, ANN201
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
    )


def submit_on(agent, moment, comment="Rest of the week to come"):  # noqa: ANN001, ANN201
    return submission_submit(
        agent=agent, week_start=MONDAY, actor=agent, comment=comment, now=moment
    )


def test_submitted_on_monday_covers_monday_only(engineer, ticket):
    monday = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submit_on(engineer, at(MONDAY, 17))
    assert submission.through == MONDAY
    monday.refresh_from_db()
    assert monday.state == EntryState.SUBMITTED
    tuesday = log(engineer, at(TUESDAY, 9), ticket=ticket)  # Tuesday stays open
    assert tuesday.state == EntryState.DRAFT
    with pytest.raises(Conflict) as refused:
        log(engineer, at(MONDAY, 14), ticket=ticket)
    assert refused.value.code == "week_locked"


def test_approving_and_invoicing_monday_never_blocks_tuesday(engineer, approver, billing, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submit_on(engineer, at(MONDAY, 17))
    submission_approve(submission=submission, actor=approver, now=at(MONDAY, 18))
    run = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True, now=at(MONDAY, 19))
    assert run.invoices and TimeEntry.objects.get().invoice_line_id is not None
    # Tuesday: manual time and a timer both log.
    log(engineer, at(TUESDAY, 9), ticket=ticket)
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(TUESDAY, 11))
    assert timer_stop(timer=timer, actor=engineer, now=at(TUESDAY, 12)) is not None
    assert TimeEntry.objects.filter(state=EntryState.DRAFT).count() == 2


def test_the_rest_of_the_week_is_a_follow_up_submission(engineer, approver, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    first = submit_on(engineer, at(MONDAY, 17))
    submission_approve(submission=first, actor=approver, now=at(MONDAY, 18))
    log(engineer, at(TUESDAY, 9), ticket=ticket)
    rest = submit_on(engineer, at(SUNDAY + dt.timedelta(days=1), 9))  # the next Monday
    assert rest.through == SUNDAY and rest.pk != first.pk
    assert TimeEntry.objects.filter(submission=rest).count() == 1
    assert set(TimeEntry.objects.values_list("state", flat=True)) == {"approved", "submitted"}


def test_two_pending_parts_of_one_week_may_wait_side_by_side(engineer, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submit_on(engineer, at(MONDAY, 17))
    log(engineer, at(TUESDAY, 9), ticket=ticket)
    submit_on(engineer, at(TUESDAY, 17))
    assert list(Submission.objects.order_by("through").values_list("through", "state")) == [
        (MONDAY, SubmissionState.SUBMITTED),
        (TUESDAY, SubmissionState.SUBMITTED),
    ]
    with pytest.raises(Conflict) as refused:
        submit_on(engineer, at(TUESDAY, 18))  # nothing new
    assert refused.value.code == "already_submitted"


def test_the_gap_reason_asks_only_about_the_days_being_sent(engineer, ticket):
    def send(moment, comment=""):  # noqa: ANN001, ANN202
        return submission_submit(
            agent=engineer,
            week_start=MONDAY,
            actor=engineer,
            comment=comment,
            require_gap_reason=True,
            now=moment,
        )

    log(engineer, at(MONDAY, 9), minutes=8 * 60, ticket=ticket)
    monday = send(at(MONDAY, 18))  # a full Monday: nothing to explain
    assert (monday.through, monday.gap_seconds) == (MONDAY, 0)
    log(engineer, at(TUESDAY, 9), minutes=2 * 60, ticket=ticket)
    with pytest.raises(InvalidInput) as refused:
        send(at(TUESDAY, 18))
    assert refused.value.code == "gap_reason_required"
    assert "6:00 short" in refused.value.message  # Tuesday's gap, not the week's
    tuesday = send(at(TUESDAY, 18), comment="Dentist in the afternoon")
    assert (tuesday.through, tuesday.gap_seconds) == (TUESDAY, 6 * 3600)


def test_resending_a_fixed_entry_asks_no_gap_reason_again(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)  # 2 h of a 40 h week: a big gap
    log(engineer, at(TUESDAY, 9), ticket=ticket)
    submission = submission_submit(
        agent=engineer,
        week_start=MONDAY,
        actor=engineer,
        comment="On leave the rest of the week",
        require_gap_reason=True,
        now=at(SUNDAY + dt.timedelta(days=1), 9),
    )
    submission_reject_entries(
        submission=submission, entries=[entry], actor=approver, reason="Wrong ticket"
    )
    submission_approve(submission=submission, actor=approver)  # the rest of the week
    resent = submission_submit(
        agent=engineer,
        week_start=MONDAY,
        actor=engineer,
        require_gap_reason=True,  # and no comment: the days were explained already
        now=at(SUNDAY + dt.timedelta(days=2), 9),
    )
    assert resent.gap_seconds == 0 and resent.through == SUNDAY
    entry.refresh_from_db()
    assert entry.submission_id == resent.pk


def test_a_week_that_has_not_started_cannot_be_submitted(engineer):
    with pytest.raises(Conflict) as refused:
        submit_on(engineer, at(MONDAY - dt.timedelta(days=1), 12))
    assert refused.value.code == "week_not_started"


def test_the_week_page_shows_the_parts_and_the_open_days(engineer, approver, ticket, time_machine):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission_approve(
        submission=submit_on(engineer, at(MONDAY, 17)), actor=approver, now=at(MONDAY, 18)
    )
    time_machine.move_to(at(TUESDAY, 10), tick=False)
    week = week_for(engineer, MONDAY)
    assert week.submitted_through == MONDAY and week.submit_through == TUESDAY
    assert week.open_flags == [False, True, True, True, True, True, True]
    assert week.can_submit  # Tuesday is new
    assert [d.gap_seconds for d in week.days][2:] == [0] * 5  # no gap counted ahead of today
