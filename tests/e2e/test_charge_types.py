"""An admin changes a charge type's rounding and a multiplier on a phone."""

import pytest

from tallyhour.timetracking.models import ChargeType
from tests.e2e.conftest import PHONE, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_admin_edits_rounding_and_multiplier_on_a_phone(
    new_page, live_server, admin, remote_support
):
    page = new_page(admin, viewport=PHONE)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Charge types").click()
    page.wait_for_url("**/settings/charge-types/")
    page.get_by_role("link", name="Remote support", exact=True).click()
    page.get_by_label("Round to (minutes)").fill("15")
    page.get_by_label("Rounding direction").select_option("nearest")
    page.get_by_label("Minimum (minutes)").fill("30")
    page.get_by_label("Out of hours ×").fill("1.5")
    shot(page, "charge-type-edit-phone")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/charge-types/")
    row = page.get_by_role("row", name="Remote support")
    assert "15 min to nearest, min 30 min, per entry" in row.inner_text()
    assert "×1.5 out of hours" in row.inner_text()
    # Nothing wider than the phone: the page scrolls down, not sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "charge-types-phone")
    ct = ChargeType.objects.get(pk=remote_support.pk)
    assert (ct.rounding_increment_minutes, ct.rounding_mode, ct.rounding_minimum_minutes) == (
        15,
        "nearest",
        30,
    )
    assert str(ct.multiplier_out_of_hours) == "1.50"
