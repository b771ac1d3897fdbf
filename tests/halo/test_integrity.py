"""Halo writes store what was sent, when it was sent for, under the rules of every other path:
action dates, all-or-nothing batches, TimesheetEvent fields, no timer time from the API."""

import datetime as dt

import pytest
import time_machine
from django.test import Client as HttpClient

from tallyhour.servicedesk.models import Action, Ticket, TicketStatus
from tallyhour.timesheets.services import submission_submit
from tallyhour.timetracking.models import EntrySource, TimeEntry, Timer
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at, bearer
from tests.halo.test_halo_api import Halo

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + dt.timedelta(days=1)


@pytest.fixture
def halo_engineer(frozen_tuesday, engineer, admin):
    return Halo(engineer, admin)


@pytest.fixture
def frozen_tuesday():
    with time_machine.travel(at(TUESDAY, 15), tick=False):
        yield


def iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- action times ---------------------------------------------------------------------------


def test_arrival_and_completion_are_the_entry_and_land_on_their_day(
    halo_engineer, engineer, ticket
):
    answer = halo_engineer.post(
        "/api/Actions",
        [
            {
                "ticket_id": ticket.pk,
                "note": "Yesterday's visit",
                "actionarrivaldate": iso(at(MONDAY, 9)),
                "actioncompletiondate": iso(at(MONDAY, 10, 30)),
            }
        ],
    )
    assert answer.status_code == 200, answer.content
    record = answer.json()
    assert record["timetaken"] == 1.5
    assert record["actionarrivaldate"] == "2026-11-16T09:00:00Z"
    assert record["actioncompletiondate"] == "2026-11-16T10:30:00Z"
    entry = TimeEntry.objects.get()
    assert (entry.started_at, entry.ended_at) == (at(MONDAY, 9), at(MONDAY, 10, 30))
    assert entry.source == EntrySource.ACTION
    # Without its own `datetime` the action is dated when its work ended.
    assert record["datetime"] == "2026-11-16T10:30:00Z"
    # The native API agrees: the entry is Monday's, not "now".
    native = HttpClient().get(
        "/api/v1/time-entries",
        {"start": "2026-11-16", "end": "2026-11-16"},
        headers=bearer(engineer),
    )
    assert native.status_code == 200
    assert [e["id"] for e in native.json()["items"]] == [entry.pk]


@pytest.mark.parametrize(
    ("fields", "start", "end"),
    [
        ({"actionarrivaldate": "2026-11-16T09:00:00Z"}, at(MONDAY, 9), at(MONDAY, 10)),
        ({"actioncompletiondate": "2026-11-16T12:00:00Z"}, at(MONDAY, 11), at(MONDAY, 12)),
        ({"datetime": "2026-11-16T17:00:00Z"}, at(MONDAY, 16), at(MONDAY, 17)),
        ({}, at(TUESDAY, 14), at(TUESDAY, 15)),
    ],
)
def test_timetaken_with_one_date_is_placed_by_it(halo_engineer, ticket, fields, start, end):
    answer = halo_engineer.post(
        "/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 1, **fields}]
    )
    assert answer.status_code == 200, answer.content
    entry = TimeEntry.objects.get()
    assert (entry.started_at, entry.ended_at) == (start, end)


def test_the_action_is_dated_as_sent(halo_engineer, ticket):
    answer = halo_engineer.post(
        "/api/Actions", [{"ticket_id": ticket.pk, "note": "x", "datetime": "2026-11-16T17:00:00Z"}]
    )
    assert answer.json()["datetime"] == "2026-11-16T17:00:00Z"
    assert Action.objects.get().created_at == at(MONDAY, 17)


def test_timetaken_that_disagrees_with_the_dates_is_refused(halo_engineer, ticket):
    answer = halo_engineer.post(
        "/api/Actions",
        [
            {
                "ticket_id": ticket.pk,
                "timetaken": 3,
                "actionarrivaldate": "2026-11-16T09:00:00Z",
                "actioncompletiondate": "2026-11-16T10:00:00Z",
            }
        ],
    )
    assert answer.status_code == 422 and "timetaken" in answer.json()["fields"]
    assert not Action.objects.exists()


def test_two_overlapping_actions_are_refused_and_the_batch_saves_nothing(halo_engineer, ticket):
    same_hour = {
        "ticket_id": ticket.pk,
        "actionarrivaldate": "2026-11-16T09:00:00Z",
        "actioncompletiondate": "2026-11-16T10:00:00Z",
    }
    answer = halo_engineer.post("/api/Actions", [same_hour, same_hour])
    assert answer.status_code == 409, answer.content
    assert answer.json()["index"] == 1
    assert "Record 1" in answer.json()["message"]
    assert not TimeEntry.objects.exists() and not Action.objects.exists()


def test_an_action_in_a_submitted_week_or_before_the_lock_date_is_refused(
    halo_engineer, engineer, org, ticket
):
    last_week = MONDAY - dt.timedelta(days=7)
    submission_submit(agent=engineer, week_start=last_week, actor=engineer)
    answer = halo_engineer.post(
        "/api/Actions",
        [{"ticket_id": ticket.pk, "timetaken": 1, "actionarrivaldate": iso(at(last_week, 9))}],
    )
    assert answer.status_code == 409 and answer.json()["error"] == "week_locked"
    org.lock_date = MONDAY
    org.save()
    answer = halo_engineer.post(
        "/api/Actions",
        [{"ticket_id": ticket.pk, "timetaken": 1, "actionarrivaldate": iso(at(MONDAY, 9))}],
    )
    assert answer.status_code == 409 and answer.json()["error"] == "locked_period"
    assert not TimeEntry.objects.exists()


# --- no timer time through the API ------------------------------------------------------------


def test_closing_a_ticket_logs_no_time_and_starts_no_timer(halo_engineer, ticket, capture_mode):
    capture_mode("on_action")
    halo_engineer.post("/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 0.5}])
    assert not Timer.objects.exists()  # an integration's action starts no timer
    closed = halo_engineer.post("/api/Tickets", [{"id": ticket.pk, "status_id": 9}])
    assert closed.status_code == 200, closed.content
    assert closed.json()["status_name"] == "Closed"
    assert TimeEntry.objects.count() == 1  # the half hour sent, nothing else
    assert Ticket.objects.get().status == TicketStatus.CLOSED


def test_closing_leaves_a_running_browser_timer_paused_not_logged(halo_engineer, engineer, ticket):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(TUESDAY, 14))
    halo_engineer.post("/api/Tickets", [{"id": ticket.pk, "status_id": 9}])
    assert not TimeEntry.objects.exists()
    timer = Timer.objects.get()
    assert timer.state == "paused" and timer.accumulated_seconds == 3600  # nothing lost


# --- all-or-nothing batches ---------------------------------------------------------------------


def test_a_batch_whose_second_record_fails_saves_nothing_and_names_it(halo_engineer, ticket):
    tickets = halo_engineer.post(
        "/api/Tickets",
        [
            {"client_id": ticket.client_id, "summary": "First"},
            {"client_id": ticket.client_id, "summary": "Second", "priority_id": 7},
        ],
    )
    assert tickets.status_code == 422
    assert tickets.json()["index"] == 1 and "priority_id" in tickets.json()["fields"]
    assert Ticket.objects.count() == 1  # only the fixture's
    events = halo_engineer.post(
        "/api/TimesheetEvent",
        [
            {"start_date": "2026-11-16T09:00:00Z", "end_date": "2026-11-16T10:00:00Z"},
            {"start_date": "2026-11-16T11:00:00Z", "end_date": "9999-13-01"},
        ],
    )
    assert events.status_code == 422
    assert events.json()["index"] == 1 and "end_date" in events.json()["fields"]
    assert not TimeEntry.objects.exists()


# --- TimesheetEvent fields --------------------------------------------------------------------


def test_timesheet_event_charge_rate_event_type_and_subject_are_kept(
    halo_engineer, engineer, internal
):
    answer = halo_engineer.post(
        "/api/TimesheetEvent",
        [
            {
                "agent_id": str(engineer.pk),
                "start_date": "2026-11-16T09:00:00.000Z",
                "end_date": "2026-11-16T10:00:00.000Z",
                "charge_rate": str(internal.pk),
                "event_type": 0,
                "subject": "Team training",
                "note": "Backup product course",
            }
        ],
    )
    assert answer.status_code == 200, answer.content
    record = answer.json()
    assert record["charge_rate"] == internal.pk and record["chargeable"] is False
    assert record["event_type"] == 0
    assert record["subject"] == "Team training"
    entry = TimeEntry.objects.get()
    assert entry.charge_type == internal and not entry.is_billable
    assert entry.note == "Team training\n\nBackup product course"
    again = halo_engineer.get(f"/api/TimesheetEvent/{entry.pk}").json()
    assert (again["event_type"], again["subject"]) == (0, "Team training")


@pytest.mark.parametrize("body", [{"event_type": 2}, {"break_type": 1}])
def test_event_types_that_are_not_work_are_refused(halo_engineer, body):
    answer = halo_engineer.post(
        "/api/TimesheetEvent",
        [{"start_date": "2026-11-16T09:00:00Z", "end_date": "2026-11-16T10:00:00Z", **body}],
    )
    assert answer.status_code == 422 and set(body) <= set(answer.json()["fields"])
    assert not TimeEntry.objects.exists()


def test_charge_rate_and_chargerate_that_disagree_are_refused(
    halo_engineer, internal, remote_support
):
    answer = halo_engineer.post(
        "/api/TimesheetEvent",
        [
            {
                "start_date": "2026-11-16T09:00:00Z",
                "timetaken": 1,
                "charge_rate": internal.pk,
                "chargerate": remote_support.pk,
            }
        ],
    )
    assert answer.status_code == 422 and "chargerate" in answer.json()["fields"]


def test_unknown_charge_rate_is_refused_not_defaulted(halo_engineer):
    answer = halo_engineer.post(
        "/api/TimesheetEvent",
        [{"start_date": "2026-11-16T09:00:00Z", "timetaken": 1, "charge_rate": 99999}],
    )
    assert answer.status_code == 422 and "charge_rate" in answer.json()["fields"]
    assert not TimeEntry.objects.exists()
