"""Charge types in the native API: every rule readable, created and changed by admins."""

import pytest

from tallyhour.core.models import AuditEntry
from tallyhour.timetracking.models import ChargeType
from tests.api.conftest import Api, assert_error

pytestmark = pytest.mark.django_db

RULES = {
    "rounding_increment_minutes": 15,
    "rounding_minimum_minutes": 30,
    "rounding_mode": "nearest",
    "rounding_scope": "ticket_day",
    "multiplier_out_of_hours": "1.5",
    "multiplier_weekend": "2",
    "multiplier_holiday": "2.5",
    "business_hours_start": "08:00:00",
    "business_hours_end": "18:00:00",
}


def test_list_and_get_show_every_field(engineer, remote_support):
    api = Api(engineer)
    listed = api.get("/charge-types").json()
    assert listed[0]["rounding_mode"] == "up"
    assert listed[0]["multiplier_out_of_hours"] == "1.00"
    one = api.get(f"/charge-types/{remote_support.pk}")
    assert one.status_code == 200
    assert one["ETag"].startswith('"')
    assert one.json()["name"] == "Remote support"
    assert set(one.json()) == {"id", "name", "is_billable", "hourly_rate", "is_active", *RULES}
    assert_error(api.get("/charge-types/999999"), 404)


def test_admin_creates_with_every_field(admin):
    response = Api(admin).post("/charge-types", {"name": "Onsite", "hourly_rate": "120", **RULES})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rounding_scope"] == "ticket_day"
    assert body["multiplier_holiday"] == "2.50"
    ct = ChargeType.objects.get(name="Onsite")
    assert ct.rounding_increment_minutes == 15


def test_admin_patches_only_what_is_sent(admin, remote_support):
    api = Api(admin)
    response = api.patch(
        f"/charge-types/{remote_support.pk}",
        {"rounding_increment_minutes": 6, "multiplier_weekend": "1.75"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["hourly_rate"] == "90.00"
    assert response["ETag"] == api.get(f"/charge-types/{remote_support.pk}")["ETag"]
    remote_support.refresh_from_db()
    assert remote_support.rounding_increment_minutes == 6
    assert str(remote_support.multiplier_weekend) == "1.75"
    assert AuditEntry.objects.filter(action="charge_type.update").count() == 1


def test_stale_if_match_is_412_and_changes_nothing(admin, remote_support):
    api = Api(admin)
    path = f"/charge-types/{remote_support.pk}"
    stale = api.get(path)["ETag"]
    assert api.patch(path, {"multiplier_weekend": "2"}).status_code == 200
    body = assert_error(api.patch(path, {"multiplier_weekend": "3"}, {"If-Match": stale}), 412)
    assert body["error"] == "precondition_failed"
    remote_support.refresh_from_db()
    assert str(remote_support.multiplier_weekend) == "2.00"
    fresh = api.get(path)["ETag"]
    assert api.patch(path, {"multiplier_weekend": "3"}, {"If-Match": fresh}).status_code == 200


@pytest.mark.parametrize("persona", ["engineer", "approver", "billing"])
def test_non_admins_may_not_create_or_change(request, persona, remote_support):
    api = Api(request.getfixturevalue(persona))
    assert_error(api.post("/charge-types", {"name": "X"}), 403)
    assert_error(api.patch(f"/charge-types/{remote_support.pk}", {"is_active": False}), 403)
    remote_support.refresh_from_db()
    assert remote_support.is_active


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"multiplier_out_of_hours": "0"}, "multiplier_out_of_hours"),
        ({"multiplier_weekend": "-1"}, "multiplier_weekend"),
        ({"rounding_mode": "sideways"}, "rounding_mode"),
        ({"rounding_scope": "monthly"}, "rounding_scope"),
        ({"rounding_increment_minutes": -5}, "rounding_increment_minutes"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "internal"}, "name"),  # clashes with "Internal", ignoring case
        ({"is_active": None}, "is_active"),
    ],
)
def test_bad_patches_are_422_naming_the_field(admin, remote_support, internal, body, field):
    response = Api(admin).patch(f"/charge-types/{remote_support.pk}", body)
    assert_error(response, 422, field)
    remote_support.refresh_from_db()
    assert remote_support.name == "Remote support"


def test_create_with_a_taken_name_is_422_naming_it(admin, remote_support):
    assert_error(Api(admin).post("/charge-types", {"name": "REMOTE SUPPORT"}), 422, "name")
    assert_error(
        Api(admin).post("/charge-types", {"name": "X", **RULES, "multiplier_weekend": "0"}),
        422,
        "multiplier_weekend",
    )


def test_business_hours_are_set_and_cleared_with_null(admin, remote_support):
    api = Api(admin)
    path = f"/charge-types/{remote_support.pk}"
    window = {"business_hours_start": "07:30", "business_hours_end": "19:00"}
    assert api.patch(path, window).json()["business_hours_end"] == "19:00:00"
    refused = assert_error(api.patch(path, {"business_hours_start": "20:00"}), 422)
    assert "business_hours_end" in str(refused)
    cleared = api.patch(path, {"business_hours_start": None, "business_hours_end": None})
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["business_hours_start"] is None
    assert_error(api.patch(path, {"multiplier_weekend": None}), 422)
