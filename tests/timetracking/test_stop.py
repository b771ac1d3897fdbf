"""Opening a ticket to work it, and stopping a timer: who captures on open, what a stop logs
(an entry, a note on the ticket, nothing for a stray click), overlaps refused on the timer and
action paths, and time that ran into a closed day split off and flagged, never stuck."""

import datetime as dt

import pytest

from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.servicedesk.models import Action, TicketStatus
from tallyhour.servicedesk.services import action_create
from tallyhour.timesheets.models import Submission, SubmissionKind, SubmissionState
from tallyhour.timetracking.capture import captures_on_open, ticket_open, timer_stop_as_action
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_pause, timer_start, timer_stop
from tests.conftest import MONDAY, at
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


# --- who captures on open -----------------------------------------------------------------------


def test_on_open_captures_only_the_agents_own_tickets(
    engineer, other_engineer, client_acme, team_a, team_b
):
    cases = {
        "assigned to them": (TicketFactory(client=client_acme, assignee=engineer), True),
        "assigned to someone else": (
            TicketFactory(client=client_acme, assignee=other_engineer),
            False,
        ),
        "unassigned in their team": (TicketFactory(client=client_acme, team=team_a), True),
        "unassigned in another team": (TicketFactory(client=client_acme, team=team_b), False),
        "unassigned, no team": (TicketFactory(client=client_acme), False),
        "theirs but closed": (
            TicketFactory(client=client_acme, assignee=engineer, status=TicketStatus.CLOSED),
            False,
        ),
    }
    seen = {name: captures_on_open(ticket=t, actor=engineer) for name, (t, _) in cases.items()}
    assert seen == {name: expected for name, (_, expected) in cases.items()}


def test_opening_a_colleagues_ticket_leaves_the_running_timer_alone(
    engineer, other_engineer, client_acme
):
    mine = TicketFactory(client=client_acme, assignee=engineer)
    theirs = TicketFactory(client=client_acme, assignee=other_engineer)
    ticket_open(ticket=mine, actor=engineer, now=at(MONDAY, 9))
    assert ticket_open(ticket=theirs, actor=engineer, now=at(MONDAY, 9, 5)) is None
    assert list(Timer.objects.values_list("ticket_id", "state")) == [(mine.pk, "running")]


# --- what a stop logs -------------------------------------------------------------------------


def test_a_stray_timer_with_nothing_typed_is_discarded(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    assert (
        timer_stop(
            timer=timer, actor=engineer, note="", now=at(MONDAY, 9, 0) + dt.timedelta(seconds=40)
        )
        is None
    )
    assert not Timer.objects.exists() and not TimeEntry.objects.exists()


def test_a_short_timer_with_a_note_is_logged(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    entry = timer_stop(
        timer=timer,
        actor=engineer,
        note="Quick reset",
        now=at(MONDAY, 9) + dt.timedelta(seconds=40),
    )
    assert entry is not None and entry.worked_seconds == 40 and entry.note == "Quick reset"


def test_the_threshold_is_the_organisations(engineer, ticket, org):
    org.timer_discard_seconds = 0
    org.save()
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    entry = timer_stop(timer=timer, actor=engineer, now=at(MONDAY, 9) + dt.timedelta(seconds=5))
    assert entry is not None and entry.worked_seconds == 5


def test_an_edited_time_is_logged_as_typed_ending_now(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    entry = timer_stop(timer=timer, actor=engineer, seconds=20 * 60, now=at(MONDAY, 10))
    assert entry is not None
    assert (entry.started_at, entry.ended_at) == (at(MONDAY, 9, 40), at(MONDAY, 10))


def test_discard_logs_nothing_whatever_was_counted(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    assert timer_stop(timer=timer, actor=engineer, discard=True, now=at(MONDAY, 11)) is None
    assert not Timer.objects.exists() and not TimeEntry.objects.exists()


def test_stop_as_a_note_on_the_ticket(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    action = timer_stop_as_action(
        timer=timer,
        actor=engineer,
        note="Replaced the fuser",
        client_visible=True,
        now=at(MONDAY, 9, 45),
    )
    assert action is not None and action.client_visible and action.body == "Replaced the fuser"
    assert action.time_entry.worked_seconds == 45 * 60
    assert not Timer.objects.exists()  # stopped, not restarted as an action would


def test_stop_as_a_note_needs_the_note_unless_it_is_a_stray_click(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    with pytest.raises(InvalidInput) as refused:
        timer_stop_as_action(timer=timer, actor=engineer, note=" ", now=at(MONDAY, 9, 30))
    assert refused.value.fields == {"note": "required"}
    assert Timer.objects.exists()
    assert (
        timer_stop_as_action(
            timer=timer, actor=engineer, note="", now=at(MONDAY, 9) + dt.timedelta(seconds=30)
        )
        is None
    )
    assert not Timer.objects.exists() and not Action.objects.exists()


# --- overlaps on the timer and action paths -------------------------------------------------------


def test_a_timer_over_a_manual_entry_is_refused_naming_it_and_keeps_running(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    manual = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9, 30), duration_minutes=15
    )
    with pytest.raises(Conflict) as refused:
        timer_stop(timer=timer, actor=engineer, now=at(MONDAY, 10))
    assert refused.value.code == "overlap" and f"time entry {manual.pk}" in refused.value.message
    assert Timer.objects.get().state == TimerState.RUNNING  # nothing lost: fix the time, stop
    entry = timer_stop(timer=timer, actor=engineer, seconds=15 * 60, now=at(MONDAY, 10))
    assert entry is not None and entry.started_at == at(MONDAY, 9, 45)


def test_an_action_back_dated_over_an_entry_is_refused(engineer, ticket):
    first = action_create(
        ticket=ticket, actor=engineer, body="Fuser", time_seconds=3600, now=at(MONDAY, 10)
    )
    with pytest.raises(Conflict) as refused:
        action_create(
            ticket=ticket, actor=engineer, body="Call", time_seconds=25 * 60, now=at(MONDAY, 10, 5)
        )
    assert f"time entry {first.time_entry_id}" in refused.value.message
    assert Action.objects.count() == 1 and TimeEntry.objects.count() == 1


def test_an_agent_allowed_to_overlap_may(engineer, ticket):
    engineer.agent.allow_overlaps = True
    engineer.agent.save()
    action_create(ticket=ticket, actor=engineer, body="A", time_seconds=3600, now=at(MONDAY, 10))
    action_create(ticket=ticket, actor=engineer, body="B", time_seconds=1800, now=at(MONDAY, 10))
    assert TimeEntry.objects.count() == 2


# --- a timer that ran into a closed day -----------------------------------------------------------


def _submitted_through(agent, day):  # noqa: ANN001, ANN202
    return Submission.objects.create(
        agent=agent,
        kind=SubmissionKind.WEEK,
        week_start=MONDAY,
        through=day,
        state=SubmissionState.SUBMITTED,
        submitted_at=at(day, 18),
    )


def test_a_paused_timer_into_a_submitted_day_is_split_and_flagged(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 22))
    timer_pause(timer=timer, actor=engineer, now=at(TUESDAY, 1))  # 3 h: from Monday 22:00
    _submitted_through(engineer, MONDAY)
    timer.refresh_from_db()
    # Stopped at Tuesday 02:00: the 3 h counted span Monday 23:00 – Tuesday 02:00.
    entry = timer_stop(timer=timer, actor=engineer, now=at(TUESDAY, 2))
    entries = list(TimeEntry.objects.order_by("started_at"))
    assert [(e.started_at, e.ended_at, e.needs_review) for e in entries] == [
        (at(MONDAY, 23), at(TUESDAY, 0), True),  # Monday's part, on its closed day: flagged
        (at(TUESDAY, 0), at(TUESDAY, 2), False),
    ]
    assert entry == entries[-1] and not Timer.objects.exists()
    assert sum(e.worked_seconds for e in entries) == 3 * 3600  # nothing lost


def test_a_timer_wholly_on_a_locked_day_is_logged_there_flagged(engineer, ticket, org):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    org.lock_date = MONDAY
    org.save()
    entry = timer_stop(timer=timer, actor=engineer, now=at(MONDAY, 10))
    assert entry is not None and entry.needs_review and entry.worked_seconds == 3600


def test_a_note_over_a_closed_day_says_to_log_an_entry(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 22))
    timer_pause(timer=timer, actor=engineer, now=at(TUESDAY, 1))
    _submitted_through(engineer, MONDAY)
    timer.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        timer_stop_as_action(timer=timer, actor=engineer, note="Patching", now=at(TUESDAY, 2))
    assert refused.value.fields == {"log_as": "closed day"}
    assert "Log it as a time entry" in refused.value.message
    assert Timer.objects.exists() and not TimeEntry.objects.exists()
