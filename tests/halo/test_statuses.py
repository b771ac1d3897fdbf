"""Halo status ids: the built-in defaults, an MSP's custom ids, and the outcome ids."""

import pytest

from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.core.models import AuditEntry
from tallyhour.halo.models import HaloStatus
from tallyhour.halo.statuses import (
    DEFAULT_STATUSES,
    halo_status_create,
    halo_status_delete,
    halo_status_id,
    halo_status_name,
    halo_statuses,
    outcome_for_id,
    status_for_halo_id,
)
from tallyhour.servicedesk.models import TicketStatus
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "status, halo_id",
    [("new", 1), ("in_progress", 2), ("on_hold", 4), ("resolved", 8), ("closed", 9)],
)
def test_each_status_has_one_builtin_id_both_ways(status, halo_id):
    assert halo_status_id(status) == halo_id
    assert status_for_halo_id(halo_id) == status
    assert halo_status_name(status) == {i: n for i, n, _ in DEFAULT_STATUSES}[halo_id]


def test_every_status_of_ours_has_a_builtin_id():
    assert {status for _, _, status in DEFAULT_STATUSES} == set(TicketStatus.values)


@pytest.mark.parametrize("halo_id", [3, 0, 10**12, 2**63])
def test_an_unknown_id_is_bad_input_naming_the_field(halo_id):
    with pytest.raises(InvalidInput) as raised:
        status_for_halo_id(halo_id, field="new_status")
    assert raised.value.fields == {"new_status": "unknown status"}


def test_a_custom_id_maps_onto_our_status_and_is_listed_after_the_defaults(admin):
    row = halo_status_create(halo_id=21, name="Waiting on Client", status="on_hold", actor=admin)
    assert status_for_halo_id(21) == "on_hold"
    assert halo_statuses()[-1] == (21, "Waiting on Client", "on_hold")
    assert halo_statuses()[: len(DEFAULT_STATUSES)] == list(DEFAULT_STATUSES)
    # Reads keep answering the built-in id: the ticket holds our status, not the custom id.
    assert halo_status_id("on_hold") == 4
    audit = AuditEntry.objects.get(action="halo_status.create")
    assert audit.actor == admin and audit.object_id == str(row.pk)


def test_custom_ids_may_not_shadow_a_builtin_or_repeat(admin):
    with pytest.raises(Conflict) as builtin:
        halo_status_create(halo_id=9, name="Done", status="resolved", actor=admin)
    assert builtin.value.fields == {"halo_id": "built in"}
    halo_status_create(halo_id=21, name="Waiting", status="on_hold", actor=admin)
    with pytest.raises(Conflict) as taken:
        halo_status_create(halo_id=21, name="Again", status="new", actor=admin)
    assert "halo_id" in taken.value.fields
    assert HaloStatus.objects.count() == 1


@pytest.mark.parametrize(
    "halo_id, name, status, field",
    [(22, "", "new", "name"), (22, "Odd", "archived", "status"), (2**40, "Big", "new", "halo_id")],
)
def test_bad_custom_statuses_are_refused_naming_the_field(admin, halo_id, name, status, field):
    with pytest.raises(InvalidInput) as raised:
        halo_status_create(halo_id=halo_id, name=name, status=status, actor=admin)
    assert field in raised.value.fields
    assert not HaloStatus.objects.exists()


def test_only_admins_map_or_forget_status_ids(admin, billing):
    with pytest.raises(Forbidden):
        halo_status_create(halo_id=21, name="Waiting", status="on_hold", actor=billing)
    row = halo_status_create(halo_id=21, name="Waiting", status="on_hold", actor=admin)
    with pytest.raises(Forbidden):
        halo_status_delete(halo_status=row, actor=billing)
    halo_status_delete(halo_status=row, actor=admin)
    assert AuditEntry.objects.filter(action="halo_status.delete").count() == 1
    with pytest.raises(InvalidInput):
        status_for_halo_id(21)


def test_django_admin_adds_through_the_audited_service_and_refuses_builtins(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    http = login(admin)
    added = http.post(
        "/admin/halo/halostatus/add/", {"halo_id": "21", "name": "Waiting", "status": "on_hold"}
    )
    assert added.status_code == 302, added.content[:2000]
    assert AuditEntry.objects.filter(action="halo_status.create").count() == 1
    refused = http.post(
        "/admin/halo/halostatus/add/", {"halo_id": "9", "name": "Done", "status": "closed"}
    )
    assert refused.status_code == 200 and b"built-in" in refused.content
    row = HaloStatus.objects.get()
    deleted = http.post(f"/admin/halo/halostatus/{row.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not HaloStatus.objects.exists()
    assert AuditEntry.objects.filter(action="halo_status.delete").count() == 1


def test_outcome_ids_are_stable_and_unknown_ones_name_the_field():
    assert outcome_for_id(1) == ("Private Note", "note")
    assert outcome_for_id(2) == ("Email User", "reply")
    assert outcome_for_id(3) == ("Change Status", "status_change")
    with pytest.raises(InvalidInput) as raised:
        outcome_for_id(99)
    assert raised.value.fields == {"outcome_id": "unknown outcome"}
