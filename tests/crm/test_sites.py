"""Client sites: audited writes for billing and admin users, the native API, the client page."""

import pytest
from django.urls import reverse

from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.core.models import AuditEntry
from tallyhour.crm.models import Site
from tallyhour.crm.services import site_create, site_update
from tests.api.conftest import Api, assert_error
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def leeds(billing, client_acme) -> Site:
    return site_create(client=client_acme, name="Leeds office", address="1 Park Row", actor=billing)


# --- services --------------------------------------------------------------------------------


def test_create_is_audited_and_names_are_unique_per_client_in_any_case(
    billing, client_acme, client_globex, leeds
):
    assert AuditEntry.objects.get(action="site.create").after["name"] == "Leeds office"
    with pytest.raises(Conflict) as taken:
        site_create(client=client_acme, name=" leeds OFFICE ", actor=billing)
    assert taken.value.fields == {"name": "taken"}
    # Another client may have a site of the same name.
    assert site_create(client=client_globex, name="Leeds office", actor=billing).pk


def test_blank_names_and_engineers_are_refused(engineer, billing, client_acme):
    with pytest.raises(InvalidInput) as blank:
        site_create(client=client_acme, name="  ", actor=billing)
    assert "name" in blank.value.fields
    with pytest.raises(Forbidden):
        site_create(client=client_acme, name="Leeds", actor=engineer)
    assert not Site.objects.exists()


def test_rename_and_deactivate_audit_only_what_changed(billing, leeds):
    site_update(site=leeds, actor=billing, name="Leeds HQ")
    site_update(site=leeds, actor=billing, is_active=False)
    site_update(site=leeds, actor=billing, is_active=False)  # no change, no audit row
    rows = AuditEntry.objects.filter(action="site.update").order_by("id")
    assert [(r.before, r.after) for r in rows] == [
        ({"name": "Leeds office"}, {"name": "Leeds HQ"}),
        ({"is_active": True}, {"is_active": False}),
    ]
    with pytest.raises(TypeError):
        site_update(site=leeds, actor=billing, client_id=1)


def test_renaming_onto_a_sibling_is_a_conflict(billing, client_acme, leeds):
    york = site_create(client=client_acme, name="York", actor=billing)
    with pytest.raises(Conflict):
        site_update(site=york, actor=billing, name="Leeds Office")
    york.refresh_from_db()
    assert york.name == "York"


# --- native API ------------------------------------------------------------------------------


def test_everyone_reads_sites_billing_writes_them(engineer, billing, client_acme, leeds):
    listed = Api(engineer).get(f"/clients/{client_acme.pk}/sites")
    assert listed.status_code == 200
    assert listed.json()["items"] == [
        {
            "id": leeds.pk,
            "client_id": client_acme.pk,
            "name": "Leeds office",
            "address": "1 Park Row",
            "is_active": True,
        }
    ]
    assert_error(Api(engineer).post(f"/clients/{client_acme.pk}/sites", {"name": "York"}), 403)
    created = Api(billing).post(f"/clients/{client_acme.pk}/sites", {"name": "York"})
    assert created.status_code == 201 and created.json()["name"] == "York"
    assert_error(Api(billing).post(f"/clients/{client_acme.pk}/sites", {"name": "york"}), 409)
    assert_error(Api(billing).post(f"/clients/{client_acme.pk}/sites", {"name": ""}), 422)
    inactive = Api(engineer).get(f"/clients/{client_acme.pk}/sites", active="false")
    assert inactive.json()["count"] == 0


def test_patch_deactivates_with_etag_and_other_clients_sites_are_not_found(
    billing, client_acme, client_globex, leeds
):
    api = Api(billing)
    path = f"/clients/{client_acme.pk}/sites/{leeds.pk}"
    tag = api.get(path)["ETag"]
    done = api.patch(path, {"is_active": False}, headers={"If-Match": tag})
    assert done.status_code == 200 and done.json()["is_active"] is False
    assert_error(api.patch(path, {"name": "Again"}, headers={"If-Match": tag}), 412)
    assert_error(api.patch(path, {"name": None}), 422, "name")
    assert_error(api.get(f"/clients/{client_globex.pk}/sites/{leeds.pk}"), 404)


# --- the client page -------------------------------------------------------------------------


def test_client_page_lists_sites_and_offers_forms_to_billing_only(engineer, billing, leeds):
    page = reverse("crm:client_detail", args=[leeds.client_id])
    as_engineer = login(engineer).get(page).content.decode()
    assert "Leeds office" in as_engineer and "Add a site" not in as_engineer
    assert "Add a site" in login(billing).get(page).content.decode()


def test_site_forms_add_rename_and_deactivate(billing, engineer, client_acme, leeds):
    http = login(billing)
    add = reverse("crm:site_add", args=[client_acme.pk])
    assert http.post(add, {"name": "York", "address": ""}).status_code == 302
    change = reverse("crm:site_change", args=[client_acme.pk, leeds.pk])
    renamed = http.post(change, {"change": "rename", "name": "Leeds HQ", "address": ""})
    assert renamed.status_code == 302
    assert http.post(change, {"change": "deactivate"}).status_code == 302
    leeds.refresh_from_db()
    assert (leeds.name, leeds.address, leeds.is_active) == ("Leeds HQ", "", False)
    assert sorted(Site.objects.values_list("name", flat=True)) == ["Leeds HQ", "York"]
    # A clash comes back to the page as a message, not a crash; engineers are refused.
    again = http.post(add, {"name": "york"}, follow=True)
    assert "already has a site" in again.content.decode()
    refused = login(engineer).post(add, {"name": "Hull"}, follow=True)
    assert "Only billing and admin users" in refused.content.decode()
    assert Site.objects.count() == 2
