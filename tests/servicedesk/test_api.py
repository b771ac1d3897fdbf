"""The ticket and capture API, with the clock frozen by time_machine."""

import datetime as dt

import pytest

from tallyhour.core.models import IdempotencyKey
from tallyhour.servicedesk.models import Action, TicketStatus
from tallyhour.timetracking.forgotten import timers_cap_forgotten
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState
from tallyhour.timetracking.timers import timer_start
from tests.api.conftest import Api, assert_error
from tests.conftest import MONDAY, at
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    def move(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
        instant = at(day, hour, minute)
        time_machine.move_to(instant, tick=False)
        return instant

    return move


def test_get_and_patch_a_ticket(engineer, approver, ticket):
    api = Api(engineer)
    body = api.get(f"/tickets/{ticket.pk}").json()
    assert (body["summary"], body["status"], body["client_name"]) == (
        "Printer offline",
        "new",
        "Acme Ltd",
    )
    changed = api.patch(f"/tickets/{ticket.pk}", {"assignee_id": approver.pk})
    assert changed.status_code == 200 and changed.json()["assignee_id"] == approver.pk
    assert api.patch(f"/tickets/{ticket.pk}", {"assignee_id": None}).json()["assignee_id"] is None
    assert_error(api.patch(f"/tickets/{ticket.pk}", {"summary": None}), 422, "summary")
    assert_error(api.get("/tickets/999999"), 404)


def test_reading_a_ticket_through_the_api_starts_no_timer(engineer, ticket):
    Api(engineer).get(f"/tickets/{ticket.pk}")
    assert not Timer.objects.exists()


def test_action_logs_the_timers_time_and_restarts_it(engineer, ticket, clock):
    api = Api(engineer)
    clock(9)
    started = api.post("/timers", {"ticket_id": ticket.pk})
    assert started.status_code == 201
    clock(9, 25)
    response = api.post(f"/tickets/{ticket.pk}/actions", {"body": "Cleared the queue"})
    assert response.status_code == 201, response.content
    action = response.json()
    assert action["time_entry"]["worked_seconds"] == 25 * 60
    assert action["time_entry"]["source"] == "action"
    [timer] = api.get("/timers", running="true").json()
    assert (timer["elapsed_seconds"], timer["ticket_id"]) == (0, ticket.pk)
    listed = api.get(f"/tickets/{ticket.pk}/actions").json()
    assert [a["id"] for a in listed] == [action["id"]]


def test_action_with_edited_time_and_overrides(engineer, ticket, internal, clock):
    api = Api(engineer)
    clock(9)
    api.post("/timers", {"ticket_id": ticket.pk})
    clock(9, 10)
    action = api.post(
        f"/tickets/{ticket.pk}/actions",
        {
            "kind": "reply",
            "body": "Fixed",
            "time_minutes": 15,
            "charge_type_id": internal.pk,
            "is_billable": False,
        },
    ).json()
    entry = action["time_entry"]
    assert (entry["worked_seconds"], entry["charge_type_id"], entry["is_billable"]) == (
        900,
        internal.pk,
        False,
    )
    assert action["client_visible"] is True


def test_status_rules_through_the_api(engineer, ticket, clock):
    api = Api(engineer)
    clock(9)
    api.post("/timers", {"ticket_id": ticket.pk})
    clock(9, 30)
    held = api.patch(f"/tickets/{ticket.pk}", {"status": "on_hold"})
    assert held.json()["status"] == "on_hold"
    [timer] = api.get("/timers").json()
    assert (timer["state"], timer["accumulated_seconds"]) == ("paused", 0)
    clock(10)
    api.post(f"/timers/{timer['id']}/resume")
    clock(10, 20)
    closing = api.post(
        f"/tickets/{ticket.pk}/actions",
        {"kind": "status_change", "new_status": "closed", "body": "Done"},
    ).json()
    assert closing["time_entry"]["worked_seconds"] == 20 * 60
    assert closing["new_status"] == TicketStatus.CLOSED
    assert api.get("/timers").json() == []
    total = sum(TimeEntry.objects.filter(ticket=ticket).values_list("worked_seconds", flat=True))
    assert total == 50 * 60


def test_bad_actions_are_422(engineer, ticket):
    api = Api(engineer)
    assert_error(api.post(f"/tickets/{ticket.pk}/actions", {"body": ""}), 422, "body")
    assert_error(
        api.post(f"/tickets/{ticket.pk}/actions", {"kind": "status_change"}), 422, "new_status"
    )
    assert_error(
        api.post(f"/tickets/{ticket.pk}/actions", {"body": "x", "time_minutes": -1}),
        422,
        "time_minutes",
    )
    assert_error(api.post("/tickets/999999/actions", {"body": "x"}), 404)


def test_starting_another_timer_pauses_the_running_one(engineer, ticket, client_acme, clock):
    api = Api(engineer)
    clock(9)
    first = api.post("/timers", {"ticket_id": ticket.pk}).json()
    clock(9, 15)
    api.post("/timers", {"ticket_id": TicketFactory(client=client_acme).pk})
    states = {t["id"]: t["state"] for t in api.get("/timers").json()}
    assert states[first["id"]] == "paused"
    assert len(api.get("/timers", running="true").json()) == 1
    assert len(api.get("/timers", running="false").json()) == 1


def test_activity_timer_stopped_onto_a_ticket(engineer, internal, ticket, clock):
    api = Api(engineer)
    clock(9)
    timer = api.post("/timers", {"charge_type_id": internal.pk, "note": "Team meeting"}).json()
    clock(9, 45)
    stopped = api.post(f"/timers/{timer['id']}/stop", {"ticket_id": ticket.pk}).json()
    assert (stopped["entry"]["ticket_id"], stopped["entry"]["worked_seconds"]) == (ticket.pk, 2700)


def test_overlapping_manual_entry_names_the_entry_it_overlaps(engineer, ticket):
    api = Api(engineer)
    first = api.post(
        "/time-entries",
        {"started_at": "2026-11-16T09:00:00Z", "duration_minutes": 60, "ticket_id": ticket.pk},
    ).json()
    clash = api.post(
        "/time-entries",
        {"started_at": "2026-11-16T09:30:00Z", "duration_minutes": 60, "ticket_id": ticket.pk},
    )
    body = assert_error(clash, 409, "started_at")
    assert f"time entry {first['id']}" in body["message"]
    engineer.agent.allow_overlaps = True
    engineer.agent.save()
    allowed = api.post(
        "/time-entries",
        {"started_at": "2026-11-16T09:30:00Z", "duration_minutes": 60, "ticket_id": ticket.pk},
    )
    assert allowed.status_code == 201


def test_capped_entry_is_confirmed_through_the_api(engineer, approver, ticket):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    [entry] = timers_cap_forgotten(now=at(MONDAY, 23))
    assert Api(engineer).get(f"/time-entries/{entry.pk}").json()["needs_review"] is True
    assert_error(
        Api(approver).post(f"/time-entries/{entry.pk}/confirm", {"worked_minutes": 0}), 422
    )
    confirmed = Api(approver).post(f"/time-entries/{entry.pk}/confirm", {"worked_minutes": 480})
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["needs_review"], confirmed.json()["worked_seconds"]) == (False, 28800)


# --- Idempotency-Key ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/timers", {"note": "call"}),
        ("/time-entries", {"started_at": "2026-11-16T09:00:00Z", "duration_minutes": 30}),
        ("/tickets", None),
    ],
)
def test_the_same_key_returns_the_first_result(engineer, client_acme, path, body):
    api = Api(engineer)
    body = body or {"client_id": client_acme.pk, "summary": "Email down"}
    first = api.post(path, body, headers={"Idempotency-Key": "k-1"})
    again = api.post(path, body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201, first.content
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    fresh = api.post(
        path,
        body if path != "/time-entries" else {**body, "started_at": "2026-11-16T10:00:00Z"},
        headers={"Idempotency-Key": "k-2"},
    )
    assert fresh.json()["id"] != first.json()["id"]


def test_actions_and_stops_honour_the_key(engineer, ticket, clock):
    api = Api(engineer)
    clock(9)
    timer = api.post("/timers", {"ticket_id": ticket.pk}).json()
    clock(9, 30)
    key = {"Idempotency-Key": "act-1"}
    one = api.post(f"/tickets/{ticket.pk}/actions", {"body": "x"}, headers=key)
    two = api.post(f"/tickets/{ticket.pk}/actions", {"body": "x"}, headers=key)
    assert one.json() == two.json() and Action.objects.count() == 1
    clock(9, 40)
    key = {"Idempotency-Key": "stop-1"}
    stop = api.post(f"/timers/{timer['id']}/stop", {}, headers=key)
    repeat = api.post(f"/timers/{timer['id']}/stop", {}, headers=key)
    assert stop.status_code == repeat.status_code == 200
    assert stop.json() == repeat.json()
    assert TimeEntry.objects.count() == 2


def test_a_reused_key_with_another_body_is_422(engineer):
    api = Api(engineer)
    api.post("/timers", {"note": "a"}, headers={"Idempotency-Key": "same"})
    body = assert_error(
        api.post("/timers", {"note": "b"}, headers={"Idempotency-Key": "same"}), 422
    )
    assert body["error"] == "idempotency_key_reused"
    assert Timer.objects.count() == 1


def test_keys_are_per_user(engineer, other_engineer):
    Api(engineer).post("/timers", {}, headers={"Idempotency-Key": "shared"})
    other = Api(other_engineer).post("/timers", {}, headers={"Idempotency-Key": "shared"})
    assert other.status_code == 201
    assert Timer.objects.filter(state=TimerState.RUNNING).count() == 2
    assert IdempotencyKey.objects.count() == 2


def test_a_failed_request_stores_nothing(engineer):
    api = Api(engineer)
    failed = api.post("/timers", {"ticket_id": 999999}, headers={"Idempotency-Key": "f"})
    assert failed.status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert api.post("/timers", {}, headers={"Idempotency-Key": "f"}).status_code == 201
