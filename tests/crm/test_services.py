"""Client writes: who may, what is validated, what is audited."""

from decimal import Decimal

import pytest

from tallyhour.core.audit import history_for
from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.crm.models import Client
from tallyhour.crm.services import client_create, client_update

pytestmark = pytest.mark.django_db


def test_billing_creates_a_client_with_billing_details(billing):
    client = client_create(
        name="  Nimbus Ltd ",
        currency="eur",
        tax_rate=Decimal("19.00"),
        actor=billing,
        billing_email="accounts@nimbus.example",
        payment_terms_days=14,
        reverse_charge=True,
    )
    client.refresh_from_db()
    assert (client.name, client.currency, client.payment_terms_days) == ("Nimbus Ltd", "EUR", 14)
    assert client.reverse_charge
    (entry,) = history_for(client)
    assert entry.action == "client.create" and entry.after["billing_email"].startswith("accounts@")


@pytest.mark.parametrize("persona", ["engineer", "approver"])
def test_engineers_and_approvers_may_not_create_clients(request, persona):
    with pytest.raises(Forbidden):
        client_create(
            name="Nope",
            currency="GBP",
            tax_rate=Decimal("20"),
            actor=request.getfixturevalue(persona),
        )
    assert not Client.objects.filter(name="Nope").exists()


def test_bad_values_are_invalid_input(billing, client_acme):
    with pytest.raises(InvalidInput) as caught:
        client_create(name="Acme Ltd", currency="GB", tax_rate=Decimal("120"), actor=billing)
    assert {"name", "currency", "tax_rate"} <= set(caught.value.fields)


def test_update_audits_only_what_changed(admin, client_acme):
    client_update(client=client_acme, actor=admin, tax_rate=Decimal("0.00"), tax_id=" GB1 ")
    client_acme.refresh_from_db()
    assert (client_acme.tax_rate, client_acme.tax_id) == (Decimal("0.00"), "GB1")
    (entry,) = history_for(client_acme).filter(action="client.update")
    assert entry.before == {"tax_rate": "20.00", "tax_id": ""}
    assert entry.after == {"tax_rate": "0.00", "tax_id": "GB1"}


def test_update_without_changes_writes_no_audit_row(billing, client_acme):
    client_update(client=client_acme, actor=billing, name="Acme Ltd")
    assert not history_for(client_acme).filter(action="client.update").exists()


def test_engineer_may_not_update(engineer, client_acme):
    with pytest.raises(Forbidden):
        client_update(client=client_acme, actor=engineer, name="Hijacked")


def test_update_rejects_unknown_fields(billing, client_acme):
    with pytest.raises(TypeError):
        client_update(client=client_acme, actor=billing, created_at=None)
