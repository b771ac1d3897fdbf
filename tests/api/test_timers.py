"""Timers: start, pause, resume, stop into an entry."""

import datetime as dt

import pytest
import time_machine

from tallyhour.timetracking.models import TimeEntry, Timer
from tests.api.conftest import assert_error
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_start_then_stop_logs_an_entry(api_as, engineer, ticket):
    as_engineer = api_as(engineer)
    with time_machine.travel(at(MONDAY, 9), tick=False) as clock:
        response = as_engineer.post("/timers", {"ticket_id": ticket.pk, "note": "printer"})
        assert response.status_code == 201, response.content
        timer = response.json()
        assert (timer["state"], timer["ticket_id"], timer["elapsed_seconds"]) == (
            "running",
            ticket.pk,
            0,
        )
        assert timer["running_since"] == "2026-11-16T09:00:00Z"

        clock.shift(dt.timedelta(minutes=25))
        [listed] = as_engineer.get("/timers").json()
        assert listed["elapsed_seconds"] == 1500

        response = as_engineer.post(f"/timers/{timer['id']}/stop")
    assert response.status_code == 200, response.content
    entry = response.json()["entry"]
    assert (entry["worked_seconds"], entry["source"], entry["note"], entry["ticket_id"]) == (
        1500,
        "timer",
        "printer",
        ticket.pk,
    )
    assert entry["ended_at"] == "2026-11-16T09:25:00Z"
    assert not Timer.objects.exists()


def test_stop_under_a_second_logs_nothing(api_as, engineer):
    as_engineer = api_as(engineer)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        timer = as_engineer.post("/timers").json()
        response = as_engineer.post(f"/timers/{timer['id']}/stop", {})
    assert response.status_code == 200 and response.json() == {"entry": None}
    assert not TimeEntry.objects.exists()


def test_starting_another_timer_pauses_the_first(api_as, engineer, ticket):
    as_engineer = api_as(engineer)
    with time_machine.travel(at(MONDAY, 9), tick=False) as clock:
        first = as_engineer.post("/timers", {"ticket_id": ticket.pk}).json()
        clock.shift(dt.timedelta(minutes=10))
        second = as_engineer.post("/timers").json()
        states = {
            t["id"]: (t["state"], t["elapsed_seconds"]) for t in as_engineer.get("/timers").json()
        }
        assert states == {first["id"]: ("paused", 600), second["id"]: ("running", 0)}

        resumed = as_engineer.post(f"/timers/{first['id']}/resume").json()
        assert resumed["state"] == "running"
        paused = as_engineer.post(f"/timers/{first['id']}/pause").json()
        assert (paused["state"], paused["accumulated_seconds"]) == ("paused", 600)


def test_other_peoples_timers_are_404(api_as, engineer, other_engineer):
    timer = api_as(engineer).post("/timers").json()
    assert_error(api_as(other_engineer).post(f"/timers/{timer['id']}/stop"), 404)
    assert api_as(other_engineer).get("/timers").json() == []
    assert Timer.objects.count() == 1


def test_bad_timer_input(api_as, engineer):
    as_engineer = api_as(engineer)
    assert_error(as_engineer.post("/timers", {"ticket_id": 987654}), 422, "ticket_id")
    assert_error(as_engineer.post("/timers", {"charge_type_id": "x"}), 422, "charge_type_id")
    assert not Timer.objects.exists()
