"""Portal pages beyond isolation: statement months, sign-out, the overview for each contact."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_statement_month_is_validated(contact):
    http = login(contact.user)
    response = http.get(reverse("portal:statement") + "?month=2026-13")
    assert response.status_code == 422
    assert b"Month as YYYY-MM" in response.content
    assert http.get(reverse("portal:statement_csv") + "?month=nonsense").status_code == 422
    page = http.get(reverse("portal:statement") + "?month=2026-01").content.decode()
    assert "?month=2025-12" in page and "?month=2026-02" in page


def test_statement_csv_of_an_empty_month(contact):
    response = login(contact.user).get(reverse("portal:statement_csv") + "?month=2025-01")
    assert response["Content-Disposition"] == 'attachment; filename="statement-2025-01.csv"'
    assert response.content.decode().splitlines() == [
        "month,ticket,summary,billed_hours",
        "2025-01,,Total,0.00",
    ]


def test_sign_out_returns_to_the_portal_sign_in(contact):
    http = login(contact.user)
    response = http.post(reverse("portal:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    assert http.get(reverse("portal:home")).status_code == 302


def test_overview_without_invoices_offers_no_invoice_links(contact):
    contact.can_see_invoices = False
    contact.save()
    page = login(contact.user).get(reverse("portal:home")).content.decode()
    assert "Ada Lovelace" in page and "Acme Ltd" in page
    assert reverse("portal:invoice_list") not in page


def test_unknown_invitation_link(db):
    response = HttpClient().get(reverse("portal:accept", args=["not-a-token"]))
    assert response.status_code == 404
    assert b"Invitation not valid" in response.content
