"""The capture rules, driven through the services with the clock passed in (servicedesk's
services reach them through its signals)."""

import datetime as dt

import pytest

from tallyhour.core.audit import history_for
from tallyhour.core.errors import InvalidInput
from tallyhour.servicedesk.models import Action, ActionKind, TicketStatus, TicketType
from tallyhour.servicedesk.services import action_create, ticket_create, ticket_update
from tallyhour.timetracking import capture
from tallyhour.timetracking.capture import ticket_work
from tallyhour.timetracking.models import EntrySource, TimeEntry, Timer, TimerState
from tallyhour.timetracking.timers import timer_start, timer_stop
from tests.conftest import MONDAY, at
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def ticket_open(*, ticket, actor, now):  # noqa: ANN001, ANN201
    """Open the ticket as the agent who works it: on_open captures only for the assignee
    (the rule itself is tested below with the real service)."""
    if ticket.assignee_id is None:
        ticket.assignee = actor
        ticket.save(update_fields=["assignee"])
    return capture.ticket_open(ticket=ticket, actor=actor, now=now)


def running(agent) -> Timer | None:
    return Timer.objects.filter(agent=agent, state=TimerState.RUNNING).first()


# --- working a ticket starts its timer --------------------------------------------------------


def test_on_open_opening_a_ticket_starts_its_timer(engineer, ticket):
    timer = ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    assert timer is not None and timer.ticket == ticket
    assert (timer.state, timer.running_since) == (TimerState.RUNNING, at(MONDAY, 9))


def test_opening_again_keeps_the_same_timer_running(engineer, ticket):
    first = ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    again = ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9, 20))
    assert again.pk == first.pk
    assert again.running_since == at(MONDAY, 9)
    assert Timer.objects.filter(agent=engineer).count() == 1


def test_reopening_resumes_the_paused_timer(engineer, ticket, client_acme):
    first = ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    ticket_open(ticket=TicketFactory(client=client_acme), actor=engineer, now=at(MONDAY, 9, 10))
    back = ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9, 30))
    assert back.pk == first.pk
    assert back.elapsed_seconds(at(MONDAY, 9, 40)) == 10 * 60 + 10 * 60


def test_on_action_opening_does_not_start_but_pressing_an_action_does(
    engineer, ticket, capture_mode
):
    capture_mode("on_action")
    assert ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9)) is None
    assert not Timer.objects.exists()
    timer = ticket_work(ticket=ticket, actor=engineer, now=at(MONDAY, 9, 5))
    assert timer is not None and timer.running_since == at(MONDAY, 9, 5)


def test_capture_off_starts_nothing(engineer, ticket, capture_mode):
    capture_mode("off")
    assert ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9)) is None
    assert ticket_work(ticket=ticket, actor=engineer, now=at(MONDAY, 9)) is None
    action_create(ticket=ticket, actor=engineer, body="Looked", now=at(MONDAY, 9, 5))
    assert not Timer.objects.exists()


@pytest.mark.parametrize(
    "status", [TicketStatus.ON_HOLD, TicketStatus.RESOLVED, TicketStatus.CLOSED]
)
def test_opening_a_ticket_nobody_works_starts_nothing(engineer, ticket, status):
    ticket.status = status
    ticket.save()
    assert ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9)) is None


# --- one running timer per agent ----------------------------------------------------------------


def test_switching_tickets_pauses_the_first(engineer, ticket, client_acme):
    other = TicketFactory(client=client_acme)
    first = ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    second = ticket_open(ticket=other, actor=engineer, now=at(MONDAY, 9, 25))
    first.refresh_from_db()
    assert (first.state, first.accumulated_seconds) == (TimerState.PAUSED, 25 * 60)
    assert running(engineer) == second


# --- on hold, resolved and closed --------------------------------------------------------------


@pytest.mark.parametrize("status", [TicketStatus.ON_HOLD, TicketStatus.RESOLVED])
def test_on_hold_or_resolved_pauses_the_timer_and_logs_its_time(engineer, ticket, status):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    action = action_create(
        ticket=ticket,
        actor=engineer,
        kind=ActionKind.STATUS_CHANGE,
        new_status=status,
        now=at(MONDAY, 9, 40),
    )
    timer = Timer.objects.get(agent=engineer, ticket=ticket)
    assert (timer.state, timer.accumulated_seconds) == (TimerState.PAUSED, 0)
    assert action.time_entry.worked_seconds == 40 * 60
    assert action.time_entry.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == status
    assert (action.old_status, action.new_status) == (TicketStatus.NEW, status)


def test_other_agents_timers_pause_when_the_ticket_goes_on_hold(engineer, admin, ticket):
    ticket_open(ticket=ticket, actor=admin, now=at(MONDAY, 9))
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9, 10))
    ticket_update(
        ticket=ticket, actor=engineer, changes={"status": "on_hold"}, now=at(MONDAY, 9, 30)
    )
    admins = Timer.objects.get(agent=admin)
    assert (admins.state, admins.accumulated_seconds) == (TimerState.PAUSED, 30 * 60)


def test_closing_stops_the_timer_and_logs_the_rest_on_the_closing_action(engineer, ticket):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    action_create(ticket=ticket, actor=engineer, body="Swapped toner", now=at(MONDAY, 9, 30))
    closing = action_create(
        ticket=ticket,
        actor=engineer,
        kind=ActionKind.STATUS_CHANGE,
        new_status=TicketStatus.CLOSED,
        body="Confirmed with the client",
        now=at(MONDAY, 9, 45),
    )
    assert not Timer.objects.filter(agent=engineer).exists()
    assert closing.time_entry.worked_seconds == 15 * 60
    assert closing.time_entry.ended_at == at(MONDAY, 9, 45)
    assert closing.time_entry.note == "Confirmed with the client"
    total = sum(TimeEntry.objects.filter(ticket=ticket).values_list("worked_seconds", flat=True))
    assert total == 45 * 60


def test_closing_through_a_ticket_update_follows_the_same_rule(engineer, ticket):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    ticket_update(ticket=ticket, actor=engineer, changes={"status": "closed"}, now=at(MONDAY, 10))
    action = Action.objects.get(ticket=ticket)
    assert action.kind == ActionKind.STATUS_CHANGE
    assert action.time_entry.worked_seconds == 3600
    assert not Timer.objects.exists()


# --- actions take the timer's time -------------------------------------------------------------


def test_an_action_logs_the_timers_time_and_restarts_it(engineer, ticket):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    action = action_create(ticket=ticket, actor=engineer, body="Rebooted", now=at(MONDAY, 9, 20))
    entry = action.time_entry
    assert (entry.started_at, entry.ended_at) == (at(MONDAY, 9), at(MONDAY, 9, 20))
    assert (entry.source, entry.note, entry.agent) == (EntrySource.ACTION, "Rebooted", engineer)
    timer = running(engineer)
    assert (timer.accumulated_seconds, timer.running_since) == (0, at(MONDAY, 9, 20))


def test_the_offered_time_can_be_edited(engineer, ticket):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    action = action_create(
        ticket=ticket, actor=engineer, body="Call", time_seconds=30 * 60, now=at(MONDAY, 9, 20)
    )
    assert action.time_entry.worked_seconds == 30 * 60
    assert running(engineer).elapsed_seconds(at(MONDAY, 9, 20)) == 0


def test_zero_time_logs_nothing(engineer, ticket):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    action = action_create(
        ticket=ticket, actor=engineer, body="FYI", time_seconds=0, now=at(MONDAY, 9, 20)
    )
    assert action.time_entry is None
    assert not TimeEntry.objects.exists()


def test_an_action_after_a_paused_stretch_runs_that_ticket_again(engineer, ticket, client_acme):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    other = TicketFactory(client=client_acme)
    ticket_open(ticket=other, actor=engineer, now=at(MONDAY, 9, 10))
    action = action_create(ticket=ticket, actor=engineer, body="Back", now=at(MONDAY, 9, 30))
    assert action.time_entry.worked_seconds == 10 * 60  # the paused stretch is not counted
    assert running(engineer).ticket == ticket
    assert Timer.objects.get(ticket=other).state == TimerState.PAUSED


def test_charge_type_and_billable_override(engineer, ticket, internal):
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    action = action_create(
        ticket=ticket,
        actor=engineer,
        body="Internal write-up",
        charge_type=internal,
        now=at(MONDAY, 9, 30),
    )
    assert (action.time_entry.charge_type, action.time_entry.is_billable) == (internal, False)
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9, 30))
    free = action_create(
        ticket=ticket, actor=engineer, body="Goodwill", is_billable=False, now=at(MONDAY, 10)
    )
    assert free.time_entry.is_billable is False
    assert free.time_entry.billable_seconds == 0


def test_a_note_needs_a_body_and_a_status_change_a_new_status(engineer, ticket):
    with pytest.raises(InvalidInput) as note:
        action_create(ticket=ticket, actor=engineer, body="  ", now=at(MONDAY, 9))
    assert "body" in note.value.fields
    with pytest.raises(InvalidInput) as same:
        action_create(
            ticket=ticket,
            actor=engineer,
            kind=ActionKind.STATUS_CHANGE,
            new_status=TicketStatus.NEW,
            now=at(MONDAY, 9),
        )
    assert "new_status" in same.value.fields


def test_replies_are_client_visible_notes_are_not(engineer, ticket):
    reply = action_create(
        ticket=ticket, actor=engineer, kind=ActionKind.REPLY, body="On it", now=at(MONDAY, 9)
    )
    note = action_create(ticket=ticket, actor=engineer, body="Internal", now=at(MONDAY, 9, 1))
    assert (reply.client_visible, note.client_visible) == (True, False)


# --- charge types -------------------------------------------------------------------------------


def test_ticket_type_default_charge_type_wins_over_the_agents(
    engineer, client_acme, internal, admin
):
    kind = TicketType.objects.create(name="Training", default_charge_type=internal)
    ticket = ticket_create(client=client_acme, summary="Teach", ticket_type=kind, actor=admin)
    assert ticket.charge_type == internal
    ticket_open(ticket=ticket, actor=engineer, now=at(MONDAY, 9))
    action = action_create(ticket=ticket, actor=engineer, body="Done", now=at(MONDAY, 10))
    assert action.time_entry.charge_type == internal  # not the agent's remote support


def test_manual_activity_timer_logs_to_a_ticket_on_stop(engineer, internal, ticket):
    timer = timer_start(agent=engineer, actor=engineer, charge_type=internal, now=at(MONDAY, 9))
    entry = timer_stop(timer=timer, actor=engineer, ticket=ticket, now=at(MONDAY, 9, 45))
    assert (entry.ticket, entry.worked_seconds, entry.source) == (ticket, 45 * 60, "timer")


def test_every_action_is_audited(engineer, ticket):
    action = action_create(ticket=ticket, actor=engineer, body="x", now=at(MONDAY, 9))
    assert history_for(action).get().action == "action.create"


def test_day_boundary_uses_the_agents_zone(engineer, ticket):
    """Sunday 22:30 in New York is Monday in UTC: the entry belongs to Sunday, so to the
    week of 16 November, and a submitted week there refuses it."""
    from tallyhour.core import dates
    from tallyhour.timesheets.models import Submission, SubmissionState

    profile = engineer.agent
    profile.timezone = "America/New_York"
    profile.save()
    sunday_late = dt.datetime(2026, 11, 23, 3, 30, tzinfo=dt.UTC)
    ticket_open(ticket=ticket, actor=engineer, now=sunday_late - dt.timedelta(hours=1))
    action = action_create(ticket=ticket, actor=engineer, body="Late fix", now=sunday_late)
    local = dates.local_date(action.time_entry.started_at, dates.zone("America/New_York"))
    assert local == dt.date(2026, 11, 22)
    assert dates.week_start(local) == MONDAY

    Submission.objects.create(
        agent=engineer,
        week_start=MONDAY,
        through=MONDAY + dt.timedelta(days=6),
        state=SubmissionState.SUBMITTED,
        submitted_at=sunday_late,
    )
    ticket_open(ticket=ticket, actor=engineer, now=sunday_late + dt.timedelta(minutes=1))
    from tallyhour.core.errors import Conflict

    with pytest.raises(Conflict) as refused:
        action_create(
            ticket=ticket, actor=engineer, body="More", now=sunday_late + dt.timedelta(minutes=20)
        )
    assert refused.value.code == "week_locked"
