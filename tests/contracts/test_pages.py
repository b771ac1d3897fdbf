"""Contract and rate pages: billing and admin only; every form writes through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry, Rate
from tallyhour.contracts.services import contract_create, prepay_purchase, rate_create
from tallyhour.core.audit import history_for
from tests.factories import ClientFactory
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db
LIST = reverse("contracts:contract_list")
NEW = reverse("contracts:contract_new")
RATES = reverse("contracts:rate_list")
JAN = dt.date(2026, 1, 1)


def detail(contract: Contract) -> str:
    return reverse("contracts:contract_detail", args=[contract.pk])


def purchase_url(contract: Contract) -> str:
    return reverse("contracts:prepay_purchase", args=[contract.pk])


@pytest.fixture
def prepay(billing, client_acme):
    contract = contract_create(
        client=client_acme,
        name="Prepaid support",
        kind=ContractKind.PREPAY,
        starts_on=JAN,
        is_default=True,
        actor=billing,
    )
    prepay_purchase(
        contract=contract,
        hours=Decimal("10"),
        amount=Decimal("850"),
        purchased_on=JAN,
        expires_on=dt.date(2026, 6, 30),
        actor=billing,
    )
    return contract


@pytest.fixture
def retainer(billing):
    return contract_create(
        client=ClientFactory(name="Retained Ltd"),
        name="Gold retainer",
        kind=ContractKind.RETAINER,
        starts_on=JAN,
        retainer_fee=Decimal("1500"),
        retainer_included_minutes=20 * 60,
        overage_multiplier=Decimal("1.25"),
        rollover=True,
        actor=billing,
    )


@pytest.mark.parametrize("persona", ["engineer", "approver"])
def test_every_contract_page_is_forbidden_to_engineers(request, persona, prepay):
    http = login(request.getfixturevalue(persona))
    for url in (LIST, NEW, detail(prepay), RATES):
        assert http.get(url).status_code == 403, url
    assert http.post(NEW, {"client": prepay.client_id, "name": "x"}).status_code == 403
    assert http.post(RATES, {"hourly_rate": "1", "valid_from": "2026-01-01"}).status_code == 403
    response = http.post(purchase_url(prepay), {"hours": "5", "amount": "1"})
    assert response.status_code == 302  # back to the page with the error as a message
    assert PrepayEntry.objects.count() == 1 and Rate.objects.count() == 0


@pytest.mark.parametrize("persona", ["billing", "admin"])
def test_pages_render_for_billing_and_admin(request, persona, prepay, retainer):
    http = login(request.getfixturevalue(persona))
    page = http.get(LIST).content.decode()
    assert "Prepaid support" in page and "Gold retainer" in page and "10.00 h" in page
    assert "£1,500.00/month incl. 20.00 h, rollover" in page
    for url in (NEW, detail(prepay), detail(retainer), RATES):
        assert http.get(url).status_code == 200, url


def test_list_filters_by_client_and_kind(billing, prepay, retainer):
    http = login(billing)
    page = http.get(LIST, {"kind": "retainer"}).content.decode()
    assert "Gold retainer" in page and "Prepaid support" not in page
    page = http.get(LIST, {"client": prepay.client_id}).content.decode()
    assert "Prepaid support" in page and "Gold retainer" not in page


def test_list_query_count_does_not_grow_with_rows(billing):
    http = login(billing)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        contract = contract_create(
            client=ClientFactory(name=f"C{n:02d}"),
            name="Prepaid",
            kind=ContractKind.PREPAY,
            starts_on=JAN,
            actor=billing,
        )
        prepay_purchase(contract=contract, hours=Decimal("1"), amount=Decimal("1"), actor=billing)

    for n in range(2):
        add(n)
    few = queries()
    for n in range(2, 12):
        add(n)
    assert queries() == few


def test_rate_list_query_count_does_not_grow_with_rows(billing, engineer, prepay, remote_support):
    http = login(billing)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(RATES).status_code == 200
        return len(ctx.captured_queries)

    rate_create(hourly_rate=Decimal("1"), valid_from=JAN, contract=prepay, actor=billing)
    few = queries()
    for day in range(2, 12):
        rate_create(
            hourly_rate=Decimal(day),
            valid_from=JAN.replace(day=day),
            contract=prepay,
            agent=engineer,
            charge_type=remote_support,
            actor=billing,
        )
    assert queries() == few


def test_prepay_detail_shows_the_ledger_with_running_balance(billing, prepay):
    prepay_purchase(
        contract=prepay, hours=Decimal("5"), amount=Decimal("450"), purchased_on=JAN, actor=billing
    )
    page = login(billing).get(detail(prepay)).content.decode()
    assert "Record a purchase" in page and "£850.00" in page and "£450.00" in page
    assert "15.00 h" in page  # balance after the second purchase
    assert "Expired" in page  # the first block ran out on 30 June


def test_create_every_kind_through_the_form(billing, client_acme):
    http = login(billing)
    base = {"client": client_acme.pk, "starts_on": "2026-12-01"}
    for kind in ContractKind.values:
        response = http.post(NEW, {**base, "name": f"{kind} deal", "kind": kind})
        assert response.status_code == 302, response.content.decode()
    assert Contract.objects.filter(client=client_acme).count() == len(ContractKind.values)
    assert (
        history_for(Contract.objects.get(name="prepay deal"))
        .filter(action="contract.create", actor=billing)
        .exists()
    )


def test_retainer_fields_are_used_only_for_retainers(billing, client_acme):
    http = login(billing)
    fields = {
        "client": client_acme.pk,
        "starts_on": "2026-12-01",
        "retainer_fee": "900.00",
        "included_hours": "12.5",
        "overage_multiplier": "1.50",
        "rollover": "on",
        "is_default": "on",
    }
    http.post(NEW, {**fields, "name": "Retainer", "kind": "retainer"})
    retainer = Contract.objects.get(name="Retainer")
    assert (retainer.retainer_fee, retainer.retainer_included_minutes) == (Decimal("900"), 750)
    assert (retainer.overage_multiplier, retainer.rollover, retainer.is_default) == (
        Decimal("1.50"),
        True,
        True,
    )
    del fields["is_default"]
    http.post(NEW, {**fields, "name": "T&M", "kind": "time_and_materials"})
    tm = Contract.objects.get(name="T&M")
    assert (tm.retainer_fee, tm.retainer_included_minutes, tm.rollover) == (0, 0, False)


def test_service_conflict_shows_on_the_form(billing, prepay):
    response = login(billing).post(
        NEW,
        {
            "client": prepay.client_id,
            "name": "Second default",
            "kind": "time_and_materials",
            "starts_on": "2026-12-01",
            "is_default": "on",
        },
    )
    assert response.status_code == 422
    assert "already has a default contract" in response.content.decode()


def test_new_contract_form_takes_the_client_from_the_query(billing, client_acme):
    page = login(billing).get(NEW, {"client": client_acme.pk}).content.decode()
    assert f'<option value="{client_acme.pk}" selected>' in page


def test_add_a_prepay_purchase(billing, prepay):
    response = login(billing).post(
        purchase_url(prepay),
        {"hours": "4.5", "amount": "382.50", "purchased_on": "2026-11-18", "note": "Top-up"},
    )
    assert response.status_code == 302 and response["Location"] == detail(prepay)
    row = PrepayEntry.objects.get(note="Top-up")
    assert (row.seconds, row.amount, row.created_by) == (16200, Decimal("382.50"), billing)


def test_bad_purchase_is_a_message_not_a_row(billing, prepay):
    http = login(billing)
    response = http.post(purchase_url(prepay), {"hours": "0", "amount": "1"}, follow=True)
    assert "Check the purchase" in response.content.decode()
    assert PrepayEntry.objects.count() == 1


def test_purchase_on_a_non_prepay_contract_conflicts(billing, retainer):
    response = login(billing).post(
        purchase_url(retainer), {"hours": "1", "amount": "1"}, follow=True
    )
    assert "Only prepay contracts" in response.content.decode()


def test_add_rates_from_the_rate_page_with_each_scope(billing, engineer, prepay, remote_support):
    http = login(billing)
    scopes = [
        {"contract": prepay.pk, "agent": engineer.pk},
        {"contract": prepay.pk},
        {"client": prepay.client_id, "agent": engineer.pk},
        {"client": prepay.client_id},
        {"agent": engineer.pk},
        {"charge_type": remote_support.pk},
    ]
    for scope in scopes:
        response = http.post(RATES, {"hourly_rate": "99.00", "valid_from": "2026-01-01", **scope})
        assert response.status_code == 302, response.content.decode()
    assert Rate.objects.count() == len(scopes)
    page = http.get(RATES).content.decode()
    assert "Contract Acme Ltd — Prepaid support, agent engineer" in page


def test_rate_errors_show_on_the_rate_page(billing, prepay):
    http = login(billing)
    response = http.post(
        RATES,
        {
            "hourly_rate": "99",
            "valid_from": "2026-01-01",
            "contract": prepay.pk,
            "client": prepay.client_id,
        },
    )
    assert response.status_code == 422 and "not both" in response.content.decode()
    response = http.post(RATES, {"hourly_rate": "99", "valid_from": "2026-01-01"})
    assert response.status_code == 422 and "at least one scope" in response.content.decode()
    assert not Rate.objects.exists()


def test_add_a_rate_from_the_contract_page(billing, prepay):
    http = login(billing)
    page = http.get(detail(prepay)).content.decode()
    assert "Add a rate" in page
    data = {"hourly_rate": "75", "valid_from": "2026-02-01", "contract": prepay.pk}
    response = http.post(RATES, {**data, "next": detail(prepay)})
    assert response.status_code == 302 and response["Location"] == detail(prepay)
    assert "75.00" in http.get(detail(prepay)).content.decode()
    # The same scope and day again: back to the contract page with the reason.
    response = http.post(RATES, {**data, "next": detail(prepay)}, follow=True)
    assert "already starts that day" in response.content.decode()
    assert Rate.objects.count() == 1
