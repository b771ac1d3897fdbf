"""Admin: contracts and rates are configuration; ledger rows and retainer charges are
read-only because they are only ever added, never edited in place."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tallyhour.contracts.models import ContractKind, PrepayEntry
from tallyhour.contracts.services import contract_create, prepay_purchase
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return admin


@pytest.fixture
def ledger_row(billing, client_acme) -> PrepayEntry:
    contract = contract_create(
        client=client_acme,
        name="Prepaid",
        kind=ContractKind.PREPAY,
        starts_on=dt.date(2026, 1, 1),
        actor=billing,
    )
    return prepay_purchase(
        contract=contract, hours=Decimal("2"), amount=Decimal("1"), actor=billing
    )


def test_changelists_render(superuser, ledger_row):
    http = login(superuser)
    for model in ("contract", "rate", "prepayentry", "retainercharge"):
        assert http.get(reverse(f"admin:contracts_{model}_changelist")).status_code == 200


def test_contract_is_editable_ledger_rows_are_not(superuser, ledger_row):
    http = login(superuser)
    assert http.get(reverse("admin:contracts_contract_add")).status_code == 200
    assert http.get(reverse("admin:contracts_prepayentry_add")).status_code == 403
    change = reverse("admin:contracts_prepayentry_change", args=[ledger_row.pk])
    page = http.get(change)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    delete = reverse("admin:contracts_prepayentry_delete", args=[ledger_row.pk])
    assert http.post(delete, {"post": "yes"}).status_code == 403
    assert PrepayEntry.objects.filter(pk=ledger_row.pk).exists()
