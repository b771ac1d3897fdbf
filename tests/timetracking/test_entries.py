"""Time entries: creation, validation, charge types, overlaps, locks, permissions, audit."""

import datetime as dt

import pytest

from tallyhour.accounts.models import Organisation
from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.core.models import AuditEntry
from tallyhour.timesheets.services import submission_approve, submission_reject, submission_submit
from tallyhour.timetracking.models import EntrySource, EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create, time_entry_delete, time_entry_update
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, ChargeTypeFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK_MONDAY_EVENING_UTC = dt.datetime(2026, 11, 17, 3, tzinfo=dt.UTC)  # 22:00 EST Monday


def log(agent, start, minutes=60, **kwargs):
    return time_entry_create(
        agent=agent,
        actor=kwargs.pop("actor", agent),
        started_at=start,
        duration_minutes=minutes,
        **kwargs,
    )


# --- creating ----------------------------------------------------------------------------------


def test_create_with_duration(engineer, ticket, remote_support):
    entry = time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=95,
        ticket=ticket,
        note="Replaced toner",
    )
    entry.refresh_from_db()
    assert entry.started_at == at(MONDAY, 9)
    assert entry.ended_at == at(MONDAY, 10, 35)
    assert entry.worked_seconds == 95 * 60
    assert (entry.is_billable, entry.billable_seconds) == (True, 95 * 60)
    assert entry.charge_type == remote_support
    assert (entry.state, entry.source, entry.note) == (
        EntryState.DRAFT,
        EntrySource.MANUAL,
        "Replaced toner",
    )
    assert entry.invoice_line is None and entry.submission is None


def test_create_with_end_in_another_offset_is_stored_in_utc(engineer, ticket):
    paris = dt.timezone(dt.timedelta(hours=1))
    entry = time_entry_create(
        agent=engineer,
        actor=engineer,
        ticket=ticket,
        started_at=dt.datetime(2026, 11, 16, 10, 0, tzinfo=paris),
        ended_at=dt.datetime(2026, 11, 16, 11, 20, 30, tzinfo=paris),
    )
    entry.refresh_from_db()
    assert (entry.started_at, entry.ended_at) == (
        at(MONDAY, 9),
        at(MONDAY, 10, 20) + dt.timedelta(seconds=30),
    )
    assert entry.worked_seconds == 80 * 60 + 30


def test_sub_second_parts_are_dropped(engineer, ticket):
    entry = time_entry_create(
        agent=engineer,
        actor=engineer,
        ticket=ticket,
        started_at=at(MONDAY, 9) + dt.timedelta(microseconds=700_000),
        ended_at=at(MONDAY, 9, 1) + dt.timedelta(microseconds=200_000),
    )
    assert (entry.started_at, entry.ended_at, entry.worked_seconds) == (
        at(MONDAY, 9),
        at(MONDAY, 9, 1),
        60,
    )


def test_exactly_24_hours_is_allowed(engineer, ticket):
    entry = log(engineer, at(MONDAY, 0), minutes=24 * 60, ticket=ticket)
    assert entry.worked_seconds == 86400


NAIVE = dt.datetime(2026, 11, 16, 9)  # noqa: DTZ001 — the invalid input under test


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ended_at": at(MONDAY, 8)}, "ended_at"),  # end before start
        ({"ended_at": at(MONDAY, 9)}, "ended_at"),  # zero length
        ({"ended_at": at(MONDAY, 9, 0) + dt.timedelta(microseconds=999_999)}, "ended_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -30}, "duration_minutes"),
        ({"ended_at": at(MONDAY, 10), "duration_minutes": 60}, "duration_minutes"),
        ({}, "ended_at"),  # neither
        ({"started_at": NAIVE, "duration_minutes": 60}, "started_at"),
        ({"ended_at": NAIVE + dt.timedelta(hours=1)}, "ended_at"),
        ({"ended_at": at(MONDAY, 9) + dt.timedelta(hours=24, seconds=1)}, "ended_at"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"duration_minutes": 60, "source": "fax"}, "source"),
    ],
)
def test_rejected_input_names_the_field_and_writes_nothing(engineer, ticket, kwargs, field):
    kwargs.setdefault("started_at", at(MONDAY, 9))
    with pytest.raises(InvalidInput) as caught:
        time_entry_create(agent=engineer, actor=engineer, ticket=ticket, **kwargs)
    assert field in caught.value.fields
    assert caught.value.status == 422
    assert not TimeEntry.objects.exists()
    assert not AuditEntry.objects.exists()


# --- charge types ------------------------------------------------------------------------------


def test_charge_type_explicit_wins_over_ticket(engineer, ticket, internal):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket, charge_type=internal)
    assert entry.charge_type == internal
    assert (entry.is_billable, entry.billable_seconds) == (False, 0)


def test_charge_type_ticket_wins_over_agent_default(engineer, client_acme, remote_support):
    onsite = ChargeTypeFactory(name="On-site")
    ticket = TicketFactory(client=client_acme, charge_type=onsite)
    assert engineer.agent.default_charge_type == remote_support
    assert log(engineer, at(MONDAY, 9), ticket=ticket).charge_type == onsite


def test_charge_type_falls_back_to_agent_default(engineer, client_acme, remote_support):
    bare_ticket = TicketFactory(client=client_acme, charge_type=None)
    assert log(engineer, at(MONDAY, 9), ticket=bare_ticket).charge_type == remote_support
    assert log(engineer, at(MONDAY, 10)).charge_type == remote_support  # no ticket at all


def test_no_charge_type_anywhere_is_invalid(org, client_acme):
    user = UserFactory(username="newbie")
    AgentFactory(user=user, default_charge_type=None)
    bare_ticket = TicketFactory(client=client_acme, charge_type=None)
    with pytest.raises(InvalidInput) as caught:
        log(user, at(MONDAY, 9), ticket=bare_ticket)
    assert caught.value.fields == {"charge_type_id": "required"}
    assert not TimeEntry.objects.exists()


def test_billable_flag_can_be_overridden(engineer, ticket, internal):
    assert log(engineer, at(MONDAY, 9), ticket=ticket, is_billable=False).billable_seconds == 0
    flagged = log(engineer, at(MONDAY, 10), charge_type=internal, is_billable=True)
    assert (flagged.is_billable, flagged.billable_seconds) == (True, 3600)


# --- overlaps ----------------------------------------------------------------------------------


def test_overlap_is_refused_naming_the_other_entry(engineer, ticket):
    first = log(engineer, at(MONDAY, 9), ticket=ticket)
    with pytest.raises(Conflict) as caught:
        log(engineer, at(MONDAY, 9, 30), ticket=ticket)
    assert f"time entry {first.pk}" in caught.value.message
    assert "Mon 16 Nov 09:00–10:00" in caught.value.message  # in the agent's zone
    assert caught.value.code == "overlap"
    assert caught.value.fields == {"started_at": f"overlaps entry {first.pk}"}
    assert TimeEntry.objects.count() == 1


def test_overlap_containing_and_contained(engineer, ticket):
    log(engineer, at(MONDAY, 10), ticket=ticket)
    with pytest.raises(Conflict):
        log(engineer, at(MONDAY, 9), minutes=180, ticket=ticket)
    with pytest.raises(Conflict):
        log(engineer, at(MONDAY, 10, 15), minutes=15, ticket=ticket)


def test_a_day_long_entry_still_overlaps_the_next_morning(engineer, ticket):
    # The check only looks a day back (no entry is longer): a 24-hour entry is at that edge.
    long = log(engineer, at(MONDAY, 8), minutes=24 * 60, ticket=ticket)
    with pytest.raises(Conflict, match=f"time entry {long.pk}"):
        log(engineer, at(MONDAY, 7, 59) + dt.timedelta(days=1), minutes=2, ticket=ticket)
    log(engineer, at(MONDAY, 8) + dt.timedelta(days=1), ticket=ticket)  # touches its end
    with pytest.raises(Conflict, match=f"time entry {long.pk}"):
        time_entry_update(
            entry=TimeEntry.objects.latest("pk"),
            actor=engineer,
            changes={"started_at": at(MONDAY, 7, 30) + dt.timedelta(days=1)},
        )


def test_touching_entries_do_not_overlap(engineer, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(engineer, at(MONDAY, 10), ticket=ticket)
    log(engineer, at(MONDAY, 8), ticket=ticket)
    assert TimeEntry.objects.count() == 3


def test_other_agents_time_never_overlaps(engineer, other_engineer, ticket):
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(other_engineer, at(MONDAY, 9), ticket=ticket)
    assert TimeEntry.objects.count() == 2


def test_overlap_allowed_per_agent_setting(engineer, ticket):
    engineer.agent.allow_overlaps = True
    engineer.agent.save()
    log(engineer, at(MONDAY, 9), ticket=ticket)
    log(engineer, at(MONDAY, 9, 30), ticket=ticket)
    assert TimeEntry.objects.count() == 2


def test_moving_an_entry_onto_another_is_refused(engineer, ticket):
    first = log(engineer, at(MONDAY, 9), ticket=ticket)
    second = log(engineer, at(MONDAY, 11), ticket=ticket)
    with pytest.raises(Conflict, match=f"time entry {first.pk}"):
        time_entry_update(entry=second, actor=engineer, changes={"started_at": at(MONDAY, 9, 30)})
    # Its own old position never counts as a clash.
    time_entry_update(entry=second, actor=engineer, changes={"started_at": at(MONDAY, 11, 30)})


# --- editing and deleting ---------------------------------------------------------------------


def test_update_recomputes_duration_and_billing(engineer, ticket, internal):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    entry = time_entry_update(entry=entry, actor=engineer, changes={"duration_minutes": 45})
    assert (entry.ended_at, entry.worked_seconds, entry.billable_seconds) == (
        at(MONDAY, 9, 45),
        2700,
        2700,
    )
    entry = time_entry_update(entry=entry, actor=engineer, changes={"charge_type": internal})
    assert (entry.is_billable, entry.billable_seconds) == (False, 0)
    entry = time_entry_update(
        entry=entry,
        actor=engineer,
        changes={"started_at": at(MONDAY, 13), "ended_at": at(MONDAY, 14)},
    )
    assert (entry.worked_seconds, entry.version) == (3600, 4)


def test_update_rejects_bad_spans_without_writing(engineer, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    for changes, field in [
        ({"ended_at": at(MONDAY, 8)}, "ended_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 30, "ended_at": at(MONDAY, 10)}, "duration_minutes"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            time_entry_update(entry=entry, actor=engineer, changes=changes)
        assert field in caught.value.fields
    entry.refresh_from_db()
    assert (entry.ended_at, entry.version) == (at(MONDAY, 10), 1)


def test_submitted_entry_is_locked(engineer, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    entry.refresh_from_db()
    with pytest.raises(Conflict, match="submitted") as caught:
        time_entry_update(entry=entry, actor=engineer, changes={"note": "late"})
    assert caught.value.status == 409
    with pytest.raises(Conflict, match="submitted"):
        time_entry_delete(entry=entry, actor=engineer)
    assert TimeEntry.objects.get().note == ""


def test_approved_entry_is_locked(engineer, approver, admin, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    with pytest.raises(Conflict, match="approved"):
        time_entry_update(entry=entry, actor=engineer, changes={"note": "late"})
    with pytest.raises(Conflict, match="approved"):
        time_entry_delete(entry=entry, actor=engineer)
    # Not even an admin changes approved time through an edit.
    with pytest.raises(Conflict, match="approved"):
        time_entry_update(entry=entry, actor=admin, changes={"note": "late"}, reason="fix")


def test_rejected_entry_is_editable_again(engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_reject(submission=submission, actor=approver, reason="Wrong ticket")
    entry = time_entry_update(entry=entry, actor=engineer, changes={"note": "fixed"})
    assert (entry.state, entry.note) == (EntryState.REJECTED, "fixed")
    time_entry_delete(entry=entry, actor=engineer)
    assert not TimeEntry.objects.exists()


def test_someone_elses_entry_is_forbidden(engineer, other_engineer, approver, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    for actor in (other_engineer, approver):
        with pytest.raises(Forbidden):
            time_entry_update(entry=entry, actor=actor, changes={"note": "mine now"})
        with pytest.raises(Forbidden):
            time_entry_delete(entry=entry, actor=actor)
        with pytest.raises(Forbidden):
            log(engineer, at(MONDAY, 11), ticket=ticket, actor=actor)
    assert TimeEntry.objects.get().note == ""


def test_admin_may_log_for_an_agent(engineer, admin, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket, actor=admin)
    assert entry.agent == engineer
    [row] = history_for(entry)
    assert row.actor == admin


# --- lock date ---------------------------------------------------------------------------------


@pytest.fixture
def locked_to_monday(org) -> Organisation:
    org.lock_date = MONDAY
    org.save()
    return org


def test_lock_date_blocks_create(engineer, ticket, locked_to_monday):
    with pytest.raises(Conflict) as caught:
        log(engineer, at(MONDAY, 23), ticket=ticket)
    assert caught.value.code == "locked_period"
    assert "2026-11-16" in caught.value.message
    log(engineer, at(MONDAY + dt.timedelta(days=1), 0), ticket=ticket)  # the next day is open


def test_lock_date_uses_the_agents_local_day(org, engineer, ticket, locked_to_monday):
    engineer.agent.timezone = "America/New_York"
    engineer.agent.save()
    # Tuesday 03:00 UTC is still Monday evening in New York, so it is inside the lock.
    with pytest.raises(Conflict):
        log(engineer, NEW_YORK_MONDAY_EVENING_UTC, ticket=ticket)


def test_lock_date_blocks_edit_and_delete(engineer, ticket, org):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    org.lock_date = MONDAY
    org.save()
    with pytest.raises(Conflict, match="locked"):
        time_entry_update(entry=entry, actor=engineer, changes={"note": "x"})
    with pytest.raises(Conflict, match="locked"):
        time_entry_delete(entry=entry, actor=engineer)
    later = log(engineer, at(MONDAY + dt.timedelta(days=2), 9), ticket=ticket)
    with pytest.raises(Conflict, match="locked"):  # moving open time into the closed period
        time_entry_update(
            entry=later,
            actor=engineer,
            changes={"started_at": at(MONDAY, 12), "ended_at": at(MONDAY, 13)},
        )


def test_admin_with_reason_may_change_locked_period(engineer, admin, ticket, org):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    org.lock_date = MONDAY
    org.save()
    with pytest.raises(Conflict):
        time_entry_update(entry=entry, actor=admin, changes={"note": "x"})  # no reason
    entry = time_entry_update(
        entry=entry, actor=admin, changes={"note": "x"}, reason="Client disputed the time"
    )
    assert entry.note == "x"
    created = log(engineer, at(MONDAY, 14), ticket=ticket, actor=admin, reason="Missed entry")
    time_entry_delete(entry=created, actor=admin, reason="Entered twice")
    assert history_for(entry).last().reason == "Client disputed the time"


# --- audit -------------------------------------------------------------------------------------


def test_every_change_is_audited_with_before_and_after(engineer, ticket):
    entry = log(engineer, at(MONDAY, 9), ticket=ticket)
    entry_id = entry.pk
    time_entry_update(
        entry=entry, actor=engineer, changes={"note": "toner", "duration_minutes": 30}
    )
    time_entry_delete(entry=entry, actor=engineer, reason="duplicate")
    create, update, delete = AuditEntry.objects.filter(
        object_type="timetracking.timeentry", object_id=str(entry_id)
    )
    assert (create.action, create.before, create.actor) == ("time_entry.create", None, engineer)
    assert create.after["worked_seconds"] == 3600
    assert create.after["started_at"] == "2026-11-16T09:00:00+00:00"
    assert update.action == "time_entry.update"
    assert (update.before["note"], update.after["note"]) == ("", "toner")
    assert (update.before["worked_seconds"], update.after["worked_seconds"]) == (3600, 1800)
    assert (delete.action, delete.after, delete.reason) == ("time_entry.delete", None, "duplicate")
    assert delete.before["note"] == "toner"
