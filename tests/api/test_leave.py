"""Leave through the API: list (paged, filtered, ordered), record with Idempotency-Key,
delete; engineers their own, approvers and admins also their agents'."""

import pytest

from tallyhour.accounts.models import Agent, Leave
from tallyhour.accounts.services import leave_create
from tallyhour.core.models import AuditEntry
from tests.api.conftest import Api, assert_error
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


def _leave(user, first, last=None, **kwargs):
    return leave_create(
        agent=Agent.objects.get(user=user), actor=user, first_day=first, last_day=last, **kwargs
    )


def test_engineer_records_own_leave_and_sees_it(engineer):
    api = Api(engineer)
    response = api.post(
        "/leave", {"kind": "annual", "first_day": "2026-12-21", "last_day": "2026-12-24"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["agent_id"] == engineer.pk
    assert (body["first_day"], body["last_day"], body["hours"]) == (
        "2026-12-21",
        "2026-12-24",
        None,
    )
    listed = api.get("/leave").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert AuditEntry.objects.filter(action="leave.create").count() == 1


def test_one_day_of_some_hours(engineer):
    response = Api(engineer).post(
        "/leave", {"kind": "other", "first_day": "2026-11-18", "hours": "4", "note": "Dentist"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["last_day"] == "2026-11-18"
    assert response.json()["hours"] == "4.00"


def test_idempotency_key_records_once(engineer):
    api = Api(engineer)
    body = {"first_day": "2026-12-01"}
    first = api.post("/leave", body, headers={"Idempotency-Key": "leave-1"})
    again = api.post("/leave", body, headers={"Idempotency-Key": "leave-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Leave.objects.count() == 1


def test_overlap_is_409_and_bad_range_422(engineer):
    api = Api(engineer)
    _leave(engineer, MONDAY, MONDAY)
    assert_error(api.post("/leave", {"first_day": str(MONDAY)}), 409, "first_day")
    body = assert_error(
        api.post("/leave", {"first_day": "2026-12-10", "last_day": "2026-12-01"}), 422, "last_day"
    )
    assert body["error"] == "invalid"
    assert_error(api.post("/leave", {"first_day": "2026-12-10", "hours": "25"}), 422, "hours")
    assert Leave.objects.count() == 1


def test_engineer_cannot_record_or_see_others_leave(engineer, other_engineer):
    _leave(other_engineer, MONDAY)
    api = Api(engineer)
    assert api.get("/leave").json()["count"] == 0
    response = api.post("/leave", {"first_day": "2026-12-01", "agent_id": other_engineer.pk})
    assert_error(response, 422, "agent_id")
    assert Leave.objects.count() == 1


def test_approver_records_and_deletes_for_their_agent(approver, engineer, other_engineer):
    api = Api(approver)
    response = api.post("/leave", {"first_day": "2026-12-01", "agent_id": engineer.pk})
    assert response.status_code == 201, response.content
    assert response.json()["created_by_id"] == approver.pk
    other = _leave(other_engineer, MONDAY)
    assert [item["agent_id"] for item in api.get("/leave").json()["items"]] == [engineer.pk]
    assert_error(api.delete(f"/leave/{other.pk}"), 404)
    assert api.delete(f"/leave/{response.json()['id']}").status_code == 204
    assert list(Leave.objects.all()) == [other]


def test_billing_sees_all_leave_but_may_not_delete_it(billing, engineer):
    leave = _leave(engineer, MONDAY)
    api = Api(billing)
    assert api.get("/leave").json()["count"] == 1
    assert_error(api.delete(f"/leave/{leave.pk}"), 403)
    assert Leave.objects.exists()


def test_engineer_deletes_own_leave(engineer):
    leave = _leave(engineer, MONDAY)
    api = Api(engineer)
    assert api.delete(f"/leave/{leave.pk}").status_code == 204
    assert not Leave.objects.exists()
    assert_error(api.delete(f"/leave/{leave.pk}"), 404)


def test_filters_paging_and_ordering(admin, engineer, approver):
    jan = _leave(engineer, MONDAY.replace(month=12, day=1), kind="sick")
    nov = _leave(engineer, MONDAY)
    dec = _leave(approver, MONDAY.replace(month=12, day=20), MONDAY.replace(month=12, day=31))
    api = Api(admin)
    items = api.get("/leave").json()["items"]
    assert [i["id"] for i in items] == [dec.pk, jan.pk, nov.pk]
    oldest_first = api.get("/leave", ordering="first_day").json()["items"]
    assert [i["id"] for i in oldest_first] == [nov.pk, jan.pk, dec.pk]
    assert api.get("/leave", agent_id=approver.pk).json()["items"][0]["id"] == dec.pk
    assert [i["id"] for i in api.get("/leave", kind="sick").json()["items"]] == [jan.pk]
    overlapping = api.get("/leave", start="2026-12-25", end="2027-01-05").json()
    assert [i["id"] for i in overlapping["items"]] == [dec.pk]
    page = api.get("/leave", limit=1, offset=1).json()
    assert page["count"] == 3 and [i["id"] for i in page["items"]] == [jan.pk]
    assert_error(api.get("/leave", start="2026-12-10", end="2026-12-01"), 422, "end")
    assert_error(api.get("/leave", ordering="note"), 422, "ordering")


def test_leave_needs_a_token_with_the_time_scope(engineer):
    from tallyhour.accounts.services import api_token_create

    _, raw = api_token_create(user=engineer, name="ro", scopes=["read"])
    api = Api(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/leave").status_code == 200
    body = assert_error(api.post("/leave", {"first_day": "2026-12-01"}), 403)
    assert body["error"] == "insufficient_scope"
