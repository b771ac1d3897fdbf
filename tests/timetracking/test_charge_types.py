"""Charge type services: admins create and change them, audited; names stay unique."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.core.models import AuditEntry
from tallyhour.timetracking.charge_types import charge_type_create, charge_type_update
from tallyhour.timetracking.models import ChargeType, RoundingMode, RoundingScope
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_admin_creates_with_every_rule(admin):
    ct = charge_type_create(
        name="  Onsite  ",
        actor=admin,
        hourly_rate=Decimal("120.00"),
        rounding_increment_minutes=15,
        rounding_minimum_minutes=60,
        rounding_mode=RoundingMode.NEAREST,
        rounding_scope=RoundingScope.TICKET_DAY,
        multiplier_out_of_hours=Decimal("1.5"),
        multiplier_weekend=Decimal("2"),
        multiplier_holiday=Decimal("2.5"),
    )
    ct.refresh_from_db()
    assert ct.name == "Onsite"
    assert (ct.rounding_increment_minutes, ct.rounding_minimum_minutes) == (15, 60)
    assert (ct.rounding_mode, ct.rounding_scope) == ("nearest", "ticket_day")
    assert ct.multiplier_holiday == Decimal("2.50")
    audit = AuditEntry.objects.get(action="charge_type.create")
    assert audit.after["multiplier_out_of_hours"] == "1.50"


@pytest.mark.parametrize("persona", ["engineer", "approver", "billing"])
def test_only_admins_create_or_change(request, persona, remote_support):
    actor = request.getfixturevalue(persona)
    with pytest.raises(Forbidden):
        charge_type_create(name="Sneaky", actor=actor)
    with pytest.raises(Forbidden):
        charge_type_update(charge_type=remote_support, actor=actor, changes={"is_active": False})
    remote_support.refresh_from_db()
    assert remote_support.is_active
    assert not AuditEntry.objects.filter(action__startswith="charge_type.").exists()


def test_update_audits_before_and_after_of_what_changed(admin, remote_support):
    charge_type_update(
        charge_type=remote_support,
        actor=admin,
        changes={
            "rounding_increment_minutes": 15,
            "multiplier_out_of_hours": Decimal("1.5"),
            "hourly_rate": Decimal("90.00"),  # unchanged: not in the audit row
        },
    )
    audit = AuditEntry.objects.get(action="charge_type.update")
    assert audit.before == {"rounding_increment_minutes": 0, "multiplier_out_of_hours": "1.00"}
    assert audit.after == {"rounding_increment_minutes": 15, "multiplier_out_of_hours": "1.50"}
    assert audit.object_id == str(remote_support.pk)


def test_an_update_that_changes_nothing_writes_no_audit(admin, remote_support):
    charge_type_update(
        charge_type=remote_support, actor=admin, changes={"multiplier_weekend": Decimal("1.0")}
    )
    assert not AuditEntry.objects.filter(action="charge_type.update").exists()


def test_rename_onto_another_name_is_refused_naming_the_field(admin, remote_support, internal):
    for name in ("Remote support", "remote SUPPORT ", "Internal"):
        target = internal if name != "Internal" else remote_support
        with pytest.raises(InvalidInput) as refused:
            charge_type_update(charge_type=target, actor=admin, changes={"name": name})
        assert "name" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        charge_type_create(name="internal", actor=admin)
    assert "name" in refused.value.fields
    assert sorted(ChargeType.objects.values_list("name", flat=True)) == [
        "Internal",
        "Remote support",
    ]


def test_rename_in_case_only_is_allowed(admin, remote_support):
    charge_type_update(charge_type=remote_support, actor=admin, changes={"name": "Remote Support"})
    remote_support.refresh_from_db()
    assert remote_support.name == "Remote Support"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("multiplier_out_of_hours", Decimal("0")),
        ("multiplier_weekend", Decimal("-1")),
        ("multiplier_holiday", Decimal("11")),
        ("rounding_increment_minutes", 24 * 60 + 1),
        ("hourly_rate", Decimal("-5")),
        ("rounding_mode", "sideways"),
        ("rounding_scope", "per_month"),
        ("name", "  "),
    ],
)
def test_invalid_values_are_refused_naming_the_field(admin, remote_support, field, value):
    with pytest.raises(InvalidInput) as refused:
        charge_type_update(charge_type=remote_support, actor=admin, changes={field: value})
    assert field in refused.value.fields
    assert not AuditEntry.objects.exists()


def test_deactivating_a_used_charge_type_keeps_its_time(admin, remote_support, engineer, ticket):
    draft_entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    charge_type_update(charge_type=remote_support, actor=admin, changes={"is_active": False})
    draft_entry.refresh_from_db()
    assert draft_entry.charge_type_id == remote_support.pk
    assert not ChargeType.objects.get(pk=remote_support.pk).is_active


def test_unknown_fields_are_a_programming_error(admin, remote_support):
    with pytest.raises(TypeError):
        charge_type_update(charge_type=remote_support, actor=admin, changes={"id": 5})


def test_business_hours_need_both_ends_in_order(admin, remote_support):
    with pytest.raises(InvalidInput) as refused:
        charge_type_update(
            charge_type=remote_support, actor=admin, changes={"business_hours_start": dt.time(8)}
        )
    assert "business_hours_end" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        charge_type_update(
            charge_type=remote_support,
            actor=admin,
            changes={"business_hours_start": dt.time(18), "business_hours_end": dt.time(8)},
        )
    assert "business_hours_end" in refused.value.fields
    charge_type_update(
        charge_type=remote_support,
        actor=admin,
        changes={"business_hours_start": dt.time(8), "business_hours_end": dt.time(18)},
    )
    remote_support.refresh_from_db()
    assert (remote_support.business_hours_start, remote_support.business_hours_end) == (
        dt.time(8),
        dt.time(18),
    )
