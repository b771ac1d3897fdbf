"""The invoicing settings page: admins only, validated, audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tallyhour.accounts.models import Organisation
from tallyhour.core.models import AuditEntry
from tests.billing.test_documents import PNG
from tests.conftest import login

pytestmark = pytest.mark.django_db
URL = "/settings/invoicing/"
VALID = {
    "brand_colour": "#aa3300",
    "locale": "de_DE",
    "payment_terms_days": "30",
    "invoice_hours_places": "1",
    "overdue_reminder_days": "10",
    "bank_details": "Northern Bank\nIBAN GB29 NWBK 6016 1331 9268 19",
    "payment_instructions": "Quote the invoice number.",
    "zero_value_statements": "on",
}


def test_url_name():
    assert reverse("settings_invoicing") == URL


@pytest.mark.parametrize("persona", ["engineer", "billing"])
def test_only_admins(persona, request):
    http = login(request.getfixturevalue(persona))
    assert http.get(URL).status_code == 403
    assert http.post(URL, VALID).status_code == 403
    assert Organisation.current().locale == "en_GB"


def test_admin_saves_and_it_is_audited(admin):
    http = login(admin)
    page = http.get(URL)
    assert page.status_code == 200 and b'name="brand_colour"' in page.content
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = http.post(URL, {**VALID, "logo": logo})
    assert response.status_code == 302
    org = Organisation.current()
    assert (org.locale, org.brand_colour, org.payment_terms_days) == ("de_DE", "#aa3300", 30)
    assert (org.invoice_hours_places, org.zero_value_statements) == (1, True)
    assert bytes(org.logo) == PNG and org.logo_content_type == "image/png"
    entry = AuditEntry.objects.get(action="organisation.invoicing")
    assert entry.after["locale"] == "de_DE" and entry.before["locale"] == "en_GB"
    assert entry.after["logo"] == f"{len(PNG)} bytes image/png"
    assert b"data:image/png;base64," in http.get(URL).content


@pytest.mark.parametrize(
    ("field", "value"),
    [("locale", "xx_NOPE"), ("brand_colour", "red"), ("invoice_hours_places", "3")],
)
def test_bad_values_are_refused(admin, field, value):
    response = login(admin).post(URL, {**VALID, field: value})
    assert response.status_code == 422
    assert Organisation.current().locale == "en_GB"


@pytest.mark.parametrize(
    ("name", "data"),
    [("logo.gif", b"GIF89a" + b"\0" * 20), ("big.png", PNG + b"\0" * 300 * 1024)],
)
def test_logo_must_be_a_small_png_or_jpeg(admin, name, data):
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    response = login(admin).post(URL, {**VALID, "logo": upload})
    assert response.status_code == 422
    assert b"PNG or JPEG" in response.content or b"over 300 KB" in response.content
    assert not bytes(Organisation.current().logo)
