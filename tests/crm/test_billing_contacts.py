"""Which contacts receive invoices by email: set when inviting, switched on the client page."""

import pytest
from django.urls import reverse

from tallyhour.billing.delivery import billing_recipients
from tallyhour.core.audit import history_for
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db


def test_invite_a_contact_who_receives_invoices(billing, client_acme):
    http = login(billing)
    http.post(
        reverse("crm:contact_invite", args=[client_acme.pk]),
        {"name": "Ada", "email": "ada@acme.example", "receives_invoices": "on"},
    )
    contact = client_acme.contacts.get(email="ada@acme.example")
    assert contact.receives_invoices and not contact.can_see_invoices
    assert billing_recipients(client_acme) == ["ada@acme.example"]


def test_switch_receiving_invoices_on_and_off(billing, client_acme, contact):
    http = login(billing)
    change = reverse("crm:contact_change", args=[client_acme.pk, contact.pk])
    page = reverse("crm:client_detail", args=[client_acme.pk])
    assert "Email invoices" in http.get(page).content.decode()
    http.post(change, {"change": "billing_on"})
    contact.refresh_from_db()
    assert contact.receives_invoices
    assert "Stop emailing invoices" in http.get(page).content.decode()
    http.post(change, {"change": "billing_off"})
    contact.refresh_from_db()
    assert not contact.receives_invoices
    audited = [entry for entry in history_for(contact) if entry.action == "contact.update"]
    assert [e.after["receives_invoices"] for e in audited] == [True, False]


def test_engineers_cannot_change_it(engineer, client_acme, contact):
    http = login(engineer)
    http.post(
        reverse("crm:contact_change", args=[client_acme.pk, contact.pk]), {"change": "billing_on"}
    )
    contact.refresh_from_db()
    assert not contact.receives_invoices
