"""Charge type pages under Settings: the list in words, the form, its errors and who may."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tallyhour.core.models import AuditEntry
from tallyhour.timetracking.models import ChargeType
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db

LIST = reverse("charge_types:list")


def _form(charge_type: ChargeType, **changes: object) -> dict[str, object]:
    data = {
        "name": charge_type.name,
        "is_billable": "on",
        "hourly_rate": str(charge_type.hourly_rate),
        "rounding_increment_minutes": charge_type.rounding_increment_minutes,
        "rounding_mode": charge_type.rounding_mode,
        "rounding_minimum_minutes": charge_type.rounding_minimum_minutes,
        "rounding_scope": charge_type.rounding_scope,
        "multiplier_out_of_hours": str(charge_type.multiplier_out_of_hours),
        "multiplier_weekend": str(charge_type.multiplier_weekend),
        "multiplier_holiday": str(charge_type.multiplier_holiday),
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_list_shows_rules_in_words(admin, remote_support, internal):
    remote_support.rounding_increment_minutes = 15
    remote_support.rounding_minimum_minutes = 30
    remote_support.multiplier_out_of_hours = Decimal("1.50")
    remote_support.save()
    page = login(admin).get(LIST).content.decode()
    assert "15 min up, min 30 min, per entry" in page
    assert "×1.5 out of hours" in page
    assert "Exact, no rounding" in page  # Internal has no rounding
    assert reverse("charge_types:edit", args=[remote_support.pk]) in page
    assert "agent's own workday" in page  # out of hours is the agent's, said read-only


def test_settings_overview_links_to_the_page(admin):
    assert LIST in login(admin).get(reverse("settings_overview")).content.decode()


def test_billing_sees_the_list_without_edit_links(billing, remote_support):
    http = login(billing)
    page = http.get(LIST)
    assert page.status_code == 200
    assert reverse("charge_types:edit", args=[remote_support.pk]) not in page.content.decode()
    edit = reverse("charge_types:edit", args=[remote_support.pk])
    assert http.get(edit).status_code == 403
    assert http.post(edit, _form(remote_support, name="Hacked")).status_code == 403
    remote_support.refresh_from_db()
    assert remote_support.name == "Remote support"


@pytest.mark.parametrize("persona", ["engineer", "approver"])
def test_other_roles_get_403(request, persona, remote_support):
    http = login(request.getfixturevalue(persona))
    assert http.get(LIST).status_code == 403
    assert http.get(reverse("charge_types:new")).status_code == 403
    assert http.post(reverse("charge_types:new"), {"name": "Sneaky"}).status_code == 403
    assert not ChargeType.objects.filter(name="Sneaky").exists()


def test_admin_edits_rounding_and_multipliers(admin, remote_support):
    edit = reverse("charge_types:edit", args=[remote_support.pk])
    http = login(admin)
    form = http.get(edit).content.decode()
    assert 'value="Remote support"' in form
    response = http.post(
        edit,
        _form(
            remote_support,
            rounding_increment_minutes=15,
            rounding_mode="nearest",
            rounding_scope="ticket_day",
            multiplier_weekend="2",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == LIST
    remote_support.refresh_from_db()
    assert remote_support.rounding_increment_minutes == 15
    assert remote_support.rounding_scope == "ticket_day"
    assert remote_support.multiplier_weekend == Decimal("2.00")
    assert AuditEntry.objects.filter(action="charge_type.update").count() == 1


def test_unticking_active_deactivates(admin, remote_support):
    edit = reverse("charge_types:edit", args=[remote_support.pk])
    login(admin).post(edit, _form(remote_support, is_active=None))
    remote_support.refresh_from_db()
    assert not remote_support.is_active


def test_errors_are_shown_next_to_their_fields(admin, remote_support, internal):
    edit = reverse("charge_types:edit", args=[remote_support.pk])
    http = login(admin)
    response = http.post(edit, _form(remote_support, multiplier_out_of_hours="0"))
    assert response.status_code == 422
    assert "field field--invalid" in response.content.decode()
    clash = http.post(edit, _form(remote_support, name="internal"))
    assert clash.status_code == 422
    assert "A charge type with this name already exists." in clash.content.decode()
    remote_support.refresh_from_db()
    assert remote_support.name == "Remote support"
    assert remote_support.multiplier_out_of_hours == Decimal("1.00")


def test_admin_creates_one(admin):
    http = login(admin)
    assert http.get(reverse("charge_types:new")).status_code == 200
    data = {
        "name": "Onsite",
        "is_billable": "on",
        "hourly_rate": "120",
        "rounding_increment_minutes": "30",
        "rounding_mode": "up",
        "rounding_minimum_minutes": "60",
        "rounding_scope": "entry",
        "multiplier_out_of_hours": "1.5",
        "multiplier_weekend": "2",
        "multiplier_holiday": "2",
        "is_active": "on",
    }
    response = http.post(reverse("charge_types:new"), data)
    assert response.status_code == 302
    ct = ChargeType.objects.get(name="Onsite")
    assert (ct.rounding_minimum_minutes, ct.multiplier_out_of_hours) == (60, Decimal("1.50"))
