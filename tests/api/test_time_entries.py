"""Time entries: create, list, filter, page, change and delete; bad input writes nothing."""

import pytest

from tallyhour.timetracking.models import TimeEntry
from tests.api.conftest import assert_error
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

START = "2026-11-16T09:00:00+00:00"


def test_create_with_end_and_zone_offset(api_as, engineer, ticket, internal):
    response = api_as(engineer).post(
        "/time-entries",
        {
            "started_at": "2026-11-16T10:00:00+01:00",
            "ended_at": "2026-11-16T10:45:00+01:00",
            "charge_type_id": internal.pk,
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["started_at"], entry["ended_at"]) == (
        "2026-11-16T09:00:00Z",
        "2026-11-16T09:45:00Z",
    )
    assert (entry["worked_seconds"], entry["is_billable"], entry["billable_seconds"]) == (
        2700,
        False,
        0,
    )
    assert (entry["agent_id"], entry["ticket_id"], entry["source"]) == (engineer.pk, None, "manual")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"started_at": START, "ended_at": "2026-11-16T08:00:00+00:00"}, "ended_at"),
        ({"started_at": START, "ended_at": START}, "ended_at"),
        ({"started_at": START, "duration_minutes": -30}, "duration_minutes"),
        ({"started_at": START, "duration_minutes": 0}, "duration_minutes"),
        ({"started_at": START, "duration_minutes": 10**9}, "duration_minutes"),
        ({"started_at": START, "duration_minutes": 30, "ticket_id": 987654}, "ticket_id"),
        ({"started_at": START, "duration_minutes": 30, "ticket_id": 10**30}, "ticket_id"),
        ({"started_at": START, "duration_minutes": 30, "charge_type_id": 987654}, "charge_type_id"),
        ({"started_at": START, "duration_minutes": 30, "agent_id": 987654}, "agent_id"),
        ({"started_at": "2026-11-16T09:00:00", "duration_minutes": 30}, "started_at"),
        ({"started_at": START, "ended_at": "2026-11-16T10:00:00"}, "ended_at"),
        ({"started_at": "16/11/2026 09:00", "duration_minutes": 30}, "started_at"),
        ({"started_at": "2026-02-30T09:00:00Z", "duration_minutes": 30}, "started_at"),
        ({"started_at": "9999-12-31T23:00:00-14:00", "duration_minutes": 30}, "started_at"),
        ({"started_at": START, "ended_at": "2026-11-18T09:00:00Z"}, "ended_at"),
        ({"started_at": START}, "ended_at"),
        ({"duration_minutes": 30}, "started_at"),
        ({"started_at": START, "duration_minutes": 30, "is_billable": "perhaps"}, "is_billable"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api_as, engineer, ticket, body, field):
    before = TimeEntry.objects.count()
    response = api_as(engineer).post("/time-entries", {"ticket_id": ticket.pk, **body})
    assert_error(response, 422, field)
    assert TimeEntry.objects.count() == before


def test_malformed_json_is_a_400(api_as, engineer):
    assert_error(api_as(engineer).post("/time-entries", "{not json"), 400)
    assert not TimeEntry.objects.exists()


def test_overlap_is_a_conflict(api_as, engineer, draft_entry):
    response = api_as(engineer).post("/time-entries", {"started_at": START, "duration_minutes": 15})
    assert assert_error(response, 409, "started_at")["error"] == "overlap"
    assert TimeEntry.objects.count() == 1


def test_engineer_cannot_log_for_someone_else(api_as, engineer, other_engineer, admin):
    body = {"started_at": START, "duration_minutes": 30, "agent_id": other_engineer.pk}
    assert_error(api_as(engineer).post("/time-entries", body), 422, "agent_id")
    response = api_as(admin).post("/time-entries", body)
    assert response.status_code == 201 and response.json()["agent_id"] == other_engineer.pk


def test_engineer_cannot_see_another_engineers_entry(api_as, other_engineer, draft_entry):
    as_other = api_as(other_engineer)
    assert_error(as_other.get(f"/time-entries/{draft_entry.pk}"), 404)
    assert_error(as_other.patch(f"/time-entries/{draft_entry.pk}", {"note": "mine now"}), 404)
    assert_error(as_other.delete(f"/time-entries/{draft_entry.pk}"), 404)
    assert as_other.get("/time-entries").json() == {"count": 0, "items": []}
    draft_entry.refresh_from_db()
    assert draft_entry.note == "" and draft_entry.version == 1


def test_approver_sees_their_agents_entries(api_as, approver, other_approver, draft_entry):
    assert api_as(approver).get(f"/time-entries/{draft_entry.pk}").status_code == 200
    assert_error(api_as(other_approver).get(f"/time-entries/{draft_entry.pk}"), 404)


def test_list_filters_and_pages(
    api_as, engineer, other_engineer, billing, ticket, django_assert_max_num_queries
):
    as_engineer = api_as(engineer)
    for day in range(3):
        as_engineer.post(
            "/time-entries",
            {
                "ticket_id": ticket.pk,
                "duration_minutes": 60,
                "started_at": f"2026-11-{16 + day}T09:00:00Z",
            },
        )
    api_as(other_engineer).post("/time-entries", {"started_at": START, "duration_minutes": 30})
    as_billing = api_as(billing)

    page = as_billing.get("/time-entries", limit=2, offset=1).json()
    assert page["count"] == 4 and len(page["items"]) == 2
    mine = as_billing.get("/time-entries", agent_id=engineer.pk).json()
    assert [e["started_at"][:10] for e in mine["items"]] == [
        "2026-11-18",
        "2026-11-17",
        "2026-11-16",
    ]
    middle = as_engineer.get("/time-entries", start="2026-11-17", end="2026-11-17").json()
    assert [e["started_at"][:10] for e in middle["items"]] == ["2026-11-17"]
    assert as_engineer.get("/time-entries", state="approved").json()["count"] == 0
    assert_error(as_engineer.get("/time-entries", start="2026-11-18", end="2026-11-17"), 422, "end")
    assert_error(as_engineer.get("/time-entries", start="18 Nov"), 422, "start")
    assert_error(as_engineer.get("/time-entries", limit=0), 422, "limit")
    # The list costs the same few queries however many entries it holds.
    with django_assert_max_num_queries(6):
        assert as_billing.get("/time-entries", limit=500).json()["count"] == 4


def test_patch_changes_only_what_is_sent(api_as, engineer, draft_entry, internal):
    as_engineer = api_as(engineer)
    response = as_engineer.patch(
        f"/time-entries/{draft_entry.pk}", {"duration_minutes": 45, "note": "shorter"}
    )
    assert response.status_code == 200, response.content
    entry = response.json()
    assert (entry["worked_seconds"], entry["note"], entry["ticket_id"], entry["version"]) == (
        2700,
        "shorter",
        draft_entry.ticket_id,
        2,
    )

    entry = as_engineer.patch(
        f"/time-entries/{draft_entry.pk}", {"charge_type_id": internal.pk, "ticket_id": None}
    ).json()
    assert (entry["charge_type_id"], entry["ticket_id"], entry["is_billable"]) == (
        internal.pk,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"started_at": None}, "started_at"),
        ({"ended_at": "2026-11-16T08:00:00Z"}, "ended_at"),
        ({"ended_at": "2026-11-16T11:00:00Z", "duration_minutes": 30}, "duration_minutes"),
        ({"charge_type_id": 987654}, "charge_type_id"),
        ({"ticket_id": 987654}, "ticket_id"),
        ({"note": None}, "note"),
    ],
)
def test_bad_patch_changes_nothing(api_as, engineer, draft_entry, body, field):
    assert_error(api_as(engineer).patch(f"/time-entries/{draft_entry.pk}", body), 422, field)
    unchanged = TimeEntry.objects.get(pk=draft_entry.pk)
    assert (unchanged.version, unchanged.ended_at, unchanged.ticket_id) == (
        1,
        draft_entry.ended_at,
        draft_entry.ticket_id,
    )


def test_editing_an_approved_entry_is_a_conflict_naming_why(api_as, engineer, approved_entry):
    as_engineer = api_as(engineer)
    body = assert_error(
        as_engineer.patch(f"/time-entries/{approved_entry.pk}", {"note": "late"}), 409
    )
    assert body["error"] == "entry_approved" and "approved" in body["message"]
    assert (
        "approved"
        in assert_error(as_engineer.delete(f"/time-entries/{approved_entry.pk}"), 409)["message"]
    )
    assert TimeEntry.objects.get(pk=approved_entry.pk).note == ""


def test_delete_a_draft(api_as, engineer, draft_entry):
    response = api_as(engineer).delete(f"/time-entries/{draft_entry.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not TimeEntry.objects.exists()


def test_submitted_week_refuses_new_time(api_as, engineer, draft_entry):
    as_engineer = api_as(engineer)
    as_engineer.post(f"/timesheets/{engineer.pk}/2026-W47/submit")
    body = {"started_at": at(MONDAY, 14).isoformat(), "duration_minutes": 30}
    assert assert_error(as_engineer.post("/time-entries", body), 409)["error"] == "week_locked"
