"""The week grid's write: set one row's total for a day (adds, shortens, removes entries)."""

import datetime as dt

import pytest

from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.core.models import AuditEntry
from tallyhour.timesheets.services import submission_reject, submission_submit
from tallyhour.timetracking.day_totals import day_total_set
from tallyhour.timetracking.models import EntrySource, EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


def log(agent, start, minutes, **kwargs):
    return time_entry_create(
        agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
    )


def set_total(agent, total_minutes, *, day=MONDAY, ticket=None, charge_type=None, actor=None):
    return day_total_set(
        agent=agent,
        actor=actor or agent,
        day=day,
        ticket=ticket,
        charge_type=charge_type,
        total_seconds=total_minutes * 60,
        now=at(MONDAY, 12),
    )


def row_entries(agent, ticket=None, charge_type=None):
    entries = TimeEntry.objects.filter(agent=agent).order_by("started_at")
    if ticket is not None:
        return list(entries.filter(ticket=ticket))
    return list(entries.filter(ticket__isnull=True, charge_type=charge_type))


def test_an_empty_cell_gets_one_manual_entry_at_the_workday_start(engineer, ticket):
    change = set_total(engineer, 90, ticket=ticket)
    (entry,) = row_entries(engineer, ticket)
    # The factory's workday starts at 09:00; London is UTC in November.
    assert (entry.started_at, entry.ended_at) == (at(MONDAY, 9), at(MONDAY, 10, 30))
    assert (entry.worked_seconds, entry.source, entry.state) == (5400, EntrySource.MANUAL, "draft")
    assert entry.charge_type == ticket.charge_type and entry.is_billable
    assert (change.before_seconds, change.after_seconds, change.created) == (0, 5400, [entry])


def test_a_higher_total_adds_the_difference_after_the_days_entries(engineer, ticket, internal):
    first = log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    log(engineer, at(MONDAY, 10), 30, charge_type=internal)  # another row, same day
    set_total(engineer, 150, ticket=ticket)
    entries = row_entries(engineer, ticket)
    assert [e.pk for e in entries][0] == first.pk and len(entries) == 2
    # 10:00–10:30 is taken by the meeting: the new 1:30 starts when it ends.
    assert (entries[1].started_at, entries[1].ended_at) == (at(MONDAY, 10, 30), at(MONDAY, 12))
    assert sum(e.worked_seconds for e in entries) == 150 * 60


def test_new_time_fills_a_gap_big_enough_before_a_later_entry(engineer, ticket, internal):
    log(engineer, at(MONDAY, 11), 60, charge_type=internal)
    set_total(engineer, 90, ticket=ticket)
    (entry,) = row_entries(engineer, ticket)
    assert (entry.started_at, entry.ended_at) == (at(MONDAY, 9), at(MONDAY, 10, 30))
    set_total(engineer, 240, ticket=ticket)  # 2:30 more does not fit before 11:00
    added = row_entries(engineer, ticket)[1]
    assert (added.started_at, added.ended_at) == (at(MONDAY, 12), at(MONDAY, 14, 30))


def test_activity_rows_use_their_charge_type(engineer, internal):
    set_total(engineer, 45, charge_type=internal)
    (entry,) = row_entries(engineer, charge_type=internal)
    assert entry.ticket is None and entry.charge_type == internal and not entry.is_billable


def test_ticket_rows_keep_the_charge_type_the_day_already_uses(engineer, ticket, internal):
    log(engineer, at(MONDAY, 9), 30, ticket=ticket, charge_type=internal)
    set_total(engineer, 60, ticket=ticket)
    assert {e.charge_type for e in row_entries(engineer, ticket)} == {internal}


def test_a_lower_total_shortens_then_removes_the_newest_entries(engineer, ticket):
    oldest = log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    middle = log(engineer, at(MONDAY, 11), 60, ticket=ticket)
    newest = log(engineer, at(MONDAY, 14), 60, ticket=ticket)
    change = set_total(engineer, 90, ticket=ticket)
    assert not TimeEntry.objects.filter(pk=newest.pk).exists()
    middle.refresh_from_db()
    assert (middle.worked_seconds, middle.ended_at) == (1800, at(MONDAY, 11, 30))
    oldest.refresh_from_db()
    assert oldest.worked_seconds == 3600
    assert (change.deleted, [e.pk for e in change.shortened]) == (1, [middle.pk])


def test_zero_clears_the_row_of_that_day_only(engineer, ticket, internal):
    log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    log(engineer, at(MONDAY, 10), 60, ticket=ticket)
    other_row = log(engineer, at(MONDAY, 11), 60, charge_type=internal)
    other_day = log(engineer, at(TUESDAY, 9), 60, ticket=ticket)
    set_total(engineer, 0, ticket=ticket)
    assert list(TimeEntry.objects.order_by("pk")) == [other_row, other_day]


def test_the_same_total_changes_nothing(engineer, ticket):
    log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    audits = AuditEntry.objects.count()
    change = set_total(engineer, 60, ticket=ticket)
    assert change.before_seconds == change.after_seconds == 3600
    assert AuditEntry.objects.count() == audits


def test_every_write_is_audited(engineer, ticket):
    log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    newest = log(engineer, at(MONDAY, 11), 60, ticket=ticket)
    set_total(engineer, 30, ticket=ticket)
    assert history_for(newest).filter(action="time_entry.delete").exists()
    assert AuditEntry.objects.filter(action="time_entry.update").count() == 1
    set_total(engineer, 120, ticket=ticket)
    assert AuditEntry.objects.filter(action="time_entry.create").count() == 3


def test_locked_entries_are_never_changed(engineer, ticket):
    approved = log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    TimeEntry.objects.filter(pk=approved.pk).update(state=EntryState.APPROVED)
    draft = log(engineer, at(MONDAY, 11), 60, ticket=ticket)
    with pytest.raises(Conflict, match="cannot be lowered") as caught:
        set_total(engineer, 30, ticket=ticket)
    assert caught.value.fields == {"total": "1:00 locked"}
    assert TimeEntry.objects.filter(pk=draft.pk).exists()  # nothing half-done
    set_total(engineer, 60, ticket=ticket)  # down to the locked hour: the draft goes
    assert list(TimeEntry.objects.all()) == [approved]
    approved.refresh_from_db()
    assert (approved.state, approved.worked_seconds) == (EntryState.APPROVED, 3600)


def test_a_submitted_week_refuses_more_time(engineer, ticket):
    log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    with pytest.raises(Conflict, match="submitted") as caught:
        set_total(engineer, 120, ticket=ticket)
    assert caught.value.fields == {"started_at": "week submitted"}
    with pytest.raises(Conflict, match="cannot be lowered"):
        set_total(engineer, 0, ticket=ticket)


def test_rejected_entries_can_be_corrected(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), 60, ticket=ticket)
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_reject(submission=submission, actor=approver, reason="Too long")
    set_total(engineer, 45, ticket=ticket)
    entry.refresh_from_db()
    assert (entry.state, entry.worked_seconds) == (EntryState.REJECTED, 2700)


def test_no_free_slot_is_a_conflict(engineer, ticket, internal):
    # A full day (24 h in two 12-hour entries) leaves no room anywhere.
    log(engineer, at(MONDAY, 0), 720, charge_type=internal)
    log(engineer, at(MONDAY, 12), 720, charge_type=internal)
    with pytest.raises(Conflict) as caught:
        set_total(engineer, 30, ticket=ticket)
    assert caught.value.fields == {"total": "no free slot"}
    assert not row_entries(engineer, ticket)


def test_new_time_keeps_clear_of_a_running_timer(engineer, ticket, internal, time_machine):
    time_machine.move_to(at(MONDAY, 9, 30), tick=False)
    timer_start(agent=engineer, actor=engineer, ticket=TicketFactory(client=ticket.client))
    set_total(engineer, 60, charge_type=internal)
    (entry,) = row_entries(engineer, charge_type=internal)
    # 09:00 has only half an hour before the timer: the hour ends where the timer began.
    assert (entry.started_at, entry.ended_at) == (at(MONDAY, 8, 30), at(MONDAY, 9, 30))


def test_days_are_the_agents_local_days(engineer, ticket):
    engineer.agent.timezone = "America/New_York"
    engineer.agent.save()
    set_total(engineer, 60, ticket=ticket)
    (entry,) = row_entries(engineer, ticket)
    assert entry.started_at == at(MONDAY, 14)  # 09:00 in New York


def test_bad_totals_name_the_field(engineer, ticket):
    with pytest.raises(InvalidInput) as caught:
        set_total(engineer, 24 * 60 + 1, ticket=ticket)
    assert caught.value.fields == {"total": "over 24 hours"}
    with pytest.raises(InvalidInput) as caught:
        set_total(engineer, -5, ticket=ticket)
    assert caught.value.fields == {"total": "negative"}
    with pytest.raises(InvalidInput) as caught:
        set_total(engineer, 30)
    assert caught.value.fields == {"row": "required"}


def test_only_the_agent_or_an_admin_sets_totals(engineer, other_engineer, admin, ticket):
    with pytest.raises(Forbidden):
        set_total(engineer, 30, ticket=ticket, actor=other_engineer)
    set_total(engineer, 30, ticket=ticket, actor=admin)
    assert row_entries(engineer, ticket)[0].worked_seconds == 1800
