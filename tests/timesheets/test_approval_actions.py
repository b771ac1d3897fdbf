"""Returning single entries, write-offs, reopening, bulk approval, per-ticket submission,
gap reasons, copying last week, the lock date on decisions, history and notifications."""

import datetime as dt

import pytest
from django.core import mail

from tallyhour.accounts.models import Leave
from tallyhour.billing.models import Invoice, InvoiceLine
from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.timesheets.models import Submission, SubmissionKind, SubmissionState
from tallyhour.timesheets.queue import approval_queue_items
from tallyhour.timesheets.selectors import time_entry_history, week_for
from tallyhour.timesheets.services import (
    submission_approve,
    submission_reject_entries,
    submission_reopen,
    submission_submit,
    submission_submit_ticket,
    submissions_bulk_approve,
    submissions_submit_closed_ticket,
    time_entry_write_off,
    week_copy_previous_activities,
)
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create, time_entry_update
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

HOUR = 3600


def log(agent, start, minutes=60, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
    )


def submit(agent, **kwargs):
    kwargs.setdefault("comment", "short week")
    return submission_submit(agent=agent, week_start=MONDAY, actor=agent, **kwargs)


def state(entry) -> str:
    return TimeEntry.objects.get(pk=entry.pk).state


def test_gap_reason_is_asked_for_and_the_gap_is_stored(engineer, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    with pytest.raises(InvalidInput) as caught:
        submission_submit(
            agent=engineer, week_start=MONDAY, actor=engineer, require_gap_reason=True
        )
    assert caught.value.code == "gap_reason_required" and "comment" in caught.value.fields
    submission = submit(engineer, require_gap_reason=True)
    assert submission.target_seconds == 40 * HOUR
    assert submission.gap_seconds == 39 * HOUR


def test_leave_and_holidays_shrink_the_gap(engineer, ticket):
    Leave.objects.create(
        agent=engineer.agent, first_day=MONDAY, last_day=MONDAY + dt.timedelta(days=4)
    )
    submission = submission_submit(
        agent=engineer, week_start=MONDAY, actor=engineer, require_gap_reason=True
    )
    assert (submission.target_seconds, submission.gap_seconds) == (0, 0)


def test_returning_single_entries_keeps_the_rest_waiting(
    engineer, approver, ticket, django_capture_on_commit_callbacks
):
    keep = log(engineer, at(MONDAY, 9), ticket=ticket)
    wrong = log(engineer, at(MONDAY, 11), ticket=ticket)
    submission = submit(engineer)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_reject_entries(
            submission=submission, entries=[wrong], actor=approver, reason="Wrong ticket"
        )
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.total_seconds == HOUR
    assert (state(keep), state(wrong)) == ("submitted", "rejected")
    assert TimeEntry.objects.get(pk=wrong.pk).rejection_reason == "Wrong ticket"
    assert mail.outbox and "Wrong ticket" in mail.outbox[-1].body
    submission_approve(submission=submission, actor=approver)
    assert (state(keep), state(wrong)) == ("approved", "rejected")
    # The agent fixes the returned entry and sends it again as a follow-up submission.
    time_entry_update(entry=wrong, actor=engineer, changes={"note": "moved"})
    follow_up = submit(engineer)
    assert list(follow_up.entries.all()) == [TimeEntry.objects.get(pk=wrong.pk)]
    assert state(wrong) == "submitted"


def test_returning_every_entry_rejects_the_submission(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_reject_entries(
        submission=submit(engineer), entries=[entry], actor=approver, reason="No"
    )
    assert submission.state == SubmissionState.REJECTED and submission.reason == "No"


def test_returning_entries_needs_a_reason_and_entries_of_that_submission(
    engineer, approver, ticket
):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    other = log(engineer, at(MONDAY + dt.timedelta(days=7), 9), ticket=ticket)
    submission = submit(engineer)
    with pytest.raises(InvalidInput):
        submission_reject_entries(submission=submission, entries=[entry], actor=approver, reason="")
    with pytest.raises(InvalidInput):
        submission_reject_entries(
            submission=submission, entries=[other], actor=approver, reason="x"
        )
    with pytest.raises(Forbidden):
        submission_reject_entries(
            submission=submission, entries=[entry], actor=engineer, reason="x"
        )


def test_write_off_keeps_worked_time_and_is_audited(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), minutes=90, ticket=ticket)
    submission = submit(engineer)
    entry = time_entry_write_off(
        entry=entry, actor=approver, billable_seconds=HOUR, reason="Learning curve"
    )
    assert (entry.worked_seconds, entry.billable_seconds) == (5400, HOUR)
    assert entry.write_off_reason == "Learning curve"
    submission.refresh_from_db()
    assert (submission.total_seconds, submission.billable_seconds) == (5400, HOUR)
    row = history_for(entry).get(action="time_entry.write_off")
    assert row.before["billable_seconds"] == 5400 and row.after["billable_seconds"] == HOUR
    assert row.reason == "Learning curve" and row.actor == approver


def test_write_off_rules(engineer, approver, ticket, internal):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    with pytest.raises(Conflict):  # a draft is the agent's to change
        time_entry_write_off(entry=entry, actor=approver, billable_seconds=0, reason="x")
    unbillable = log(engineer, at(MONDAY, 11), charge_type=internal)
    submission = submit(engineer)
    with pytest.raises(Forbidden):
        time_entry_write_off(entry=entry, actor=engineer, billable_seconds=0, reason="x")
    with pytest.raises(InvalidInput):
        time_entry_write_off(entry=entry, actor=approver, billable_seconds=0, reason=" ")
    with pytest.raises(InvalidInput):
        time_entry_write_off(entry=entry, actor=approver, billable_seconds=HOUR + 1, reason="x")
    with pytest.raises(InvalidInput):
        time_entry_write_off(entry=unbillable, actor=approver, billable_seconds=0, reason="x")
    submission_approve(submission=submission, actor=approver)
    with pytest.raises(Conflict):  # approved time is locked until reopened
        time_entry_write_off(entry=entry, actor=approver, billable_seconds=0, reason="x")


def _invoice(entry):
    invoice = Invoice.objects.create(
        client=entry.ticket.client, currency="GBP", tax_rate=20, period_end=MONDAY
    )
    line = InvoiceLine.objects.create(
        invoice=invoice, description="t", quantity=1, rate=90, amount=90
    )
    TimeEntry.objects.filter(pk=entry.pk).update(invoice_line=line)


def test_reopen_returns_approved_time_for_a_new_decision(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_approve(submission=submit(engineer), actor=approver)
    with pytest.raises(InvalidInput):
        submission_reopen(submission=submission, actor=approver, reason="")
    with pytest.raises(Forbidden):
        submission_reopen(submission=submission, actor=engineer, reason="mine")
    submission = submission_reopen(submission=submission, actor=approver, reason="Client query")
    assert submission.state == SubmissionState.SUBMITTED and submission.decided_by is None
    assert state(entry) == "submitted"
    rows = history_for(TimeEntry.objects.get(pk=entry.pk)).values_list("action", "reason")
    assert ("time_entry.reopen", "Client query") in list(rows)
    time_entry_write_off(entry=entry, actor=approver, billable_seconds=1800, reason="Goodwill")
    submission_approve(submission=submission, actor=approver)
    assert state(entry) == "approved"


def test_reopen_is_refused_once_invoiced(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_approve(submission=submit(engineer), actor=approver)
    _invoice(entry)
    with pytest.raises(Conflict) as caught:
        submission_reopen(submission=submission, actor=approver, reason="x")
    assert caught.value.code == "invoiced"
    assert state(entry) == "approved"


def test_lock_date_guards_decisions_that_change_time(org, engineer, approver, admin, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_approve(submission=submit(engineer), actor=approver)
    org.lock_date = MONDAY + dt.timedelta(days=6)
    org.save()
    with pytest.raises(Conflict) as caught:
        submission_reopen(submission=submission, actor=approver, reason="late change")
    assert caught.value.code == "locked_period"
    assert submission_reopen(submission=submission, actor=admin, reason="Audit fix").state == (
        SubmissionState.SUBMITTED
    )


def test_bulk_approve_is_all_or_nothing(engineer, other_engineer, approver, admin, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(other_engineer, at(MONDAY, 9), ticket=ticket)
    mine, theirs = submit(engineer), submit(other_engineer)
    with pytest.raises(Forbidden):  # the approver does not approve the other team
        submissions_bulk_approve(submissions=[mine, theirs], actor=approver)
    assert Submission.objects.filter(state=SubmissionState.SUBMITTED).count() == 2
    approved = submissions_bulk_approve(submissions=[mine, theirs], actor=admin)
    assert [s.state for s in approved] == ["approved", "approved"]
    assert not TimeEntry.objects.exclude(state=EntryState.APPROVED).exists()


def test_submitting_notifies_the_approver_by_email(
    engineer, approver, ticket, django_capture_on_commit_callbacks
):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(engineer)
    assert [m.to for m in mail.outbox] == [[approver.email]]
    assert "2026-W47" in mail.outbox[0].body


def test_per_ticket_submission(org, engineer, approver, ticket, internal):
    on_ticket = log(engineer, at(MONDAY, 9), ticket=ticket)
    meeting = log(engineer, at(MONDAY, 11), charge_type=internal)
    with pytest.raises(Conflict):  # weekly mode
        submission_submit_ticket(ticket=ticket, agent=engineer, actor=engineer)
    assert submissions_submit_closed_ticket(ticket=ticket, actor=engineer) == []
    org.submission_mode = "per_ticket"
    org.save()
    submission = submission_submit_ticket(ticket=ticket, agent=engineer, actor=engineer)
    assert (submission.kind, submission.ticket, submission.week_start) == (
        SubmissionKind.TICKET,
        ticket,
        None,
    )
    assert (state(on_ticket), state(meeting)) == ("submitted", "draft")
    with pytest.raises(Conflict):
        submission_submit_ticket(ticket=ticket, agent=engineer, actor=engineer)
    # The week itself stays open for the rest of the agent's time.
    assert submit(engineer).entries.get() == TimeEntry.objects.get(pk=meeting.pk)


def test_closing_a_ticket_submits_each_agents_time(org, engineer, other_engineer, ticket):
    org.submission_mode = "per_ticket"
    org.save()
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(other_engineer, at(MONDAY, 9), ticket=ticket)
    timer_start(agent=other_engineer, actor=other_engineer, ticket=ticket)
    made = submissions_submit_closed_ticket(ticket=ticket, actor=engineer)
    assert [s.agent for s in made] == [engineer]  # still timing: submitted with the week


def test_copy_last_week_repeats_activities_only(engineer, ticket, internal):
    last_monday = MONDAY - dt.timedelta(days=7)
    log(engineer, at(last_monday, 9), minutes=30, charge_type=internal, note="Stand-up")
    log(engineer, at(last_monday, 10), ticket=ticket)
    log(engineer, at(last_monday + dt.timedelta(days=5), 9), charge_type=internal)  # Saturday
    log(engineer, at(MONDAY, 9), minutes=15, charge_type=internal)  # clashes with the copy
    created, skipped = week_copy_previous_activities(
        agent=engineer, week_start=MONDAY, actor=engineer
    )
    assert (created, skipped) == ([], 2)
    TimeEntry.objects.filter(started_at=at(MONDAY, 9)).delete()
    created, skipped = week_copy_previous_activities(
        agent=engineer, week_start=MONDAY, actor=engineer
    )
    assert [(e.started_at, e.note, e.ticket) for e in created] == [
        (at(MONDAY, 9), "Stand-up", None)
    ]


def test_queue_flags(org, engineer, approver, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(engineer, at(MONDAY, 6), ticket=ticket)  # before the workday starts
    long_one = log(engineer, at(MONDAY + dt.timedelta(days=1), 7), minutes=11 * 60, ticket=ticket)
    submit(engineer)
    [item] = approval_queue_items(approver)
    assert item.flags == ["gap", "long", "outside_hours"]
    assert "long" in item.flags_of(long_one)


def test_entry_history_selector_respects_visibility(engineer, other_engineer, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submit(engineer)
    found, history = time_entry_history(actor=engineer, entry_id=entry.pk)
    assert found == entry
    assert [row.action for row in history] == ["time_entry.create", "time_entry.submit"]
    with pytest.raises(Exception, match="not found"):
        time_entry_history(actor=other_engineer, entry_id=entry.pk)


def test_week_shows_holiday_and_leave_names(engineer):
    christmas_week = dt.date(2026, 12, 21)
    Leave.objects.create(agent=engineer.agent, first_day=christmas_week, last_day=christmas_week)
    week = week_for(engineer, christmas_week)
    assert week.days[0].absence == "Annual leave" and week.days[0].absence_kind == "leave"
    assert week.days[4].absence == "Christmas Day" and week.days[4].target_seconds == 0
    assert week.target_seconds == 3 * 8 * HOUR  # Tue–Thu: Mon leave, Fri Christmas
