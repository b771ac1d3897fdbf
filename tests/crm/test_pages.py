"""Client pages: list, detail (with prepay, retainer, invoices, tickets), create and edit.

Engineers and approvers may look clients up and see the client page without amounts (no
invoices, no purchase prices); only billing and admin users create or edit clients."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import ContractKind
from tallyhour.contracts.services import contract_create, prepay_purchase
from tallyhour.core.audit import history_for
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import TicketStatus
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ClientFactory, TicketFactory
from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db
LIST = reverse("crm:client_list")
NEW = reverse("crm:client_new")


def detail(client: Client) -> str:
    return reverse("crm:client_detail", args=[client.pk])


@pytest.fixture
def prepaid(billing, engineer, client_acme, ticket):
    """Acme on prepaid hours: 10 h bought for £850, 90 minutes drawn by a draft invoice."""
    contract = contract_create(
        client=client_acme,
        name="Prepaid support",
        kind=ContractKind.PREPAY,
        starts_on=dt.date(2026, 1, 1),
        is_default=True,
        actor=billing,
    )
    prepay_purchase(
        contract=contract,
        hours=Decimal("10"),
        amount=Decimal("850.00"),
        purchased_on=dt.date(2026, 11, 1),
        expires_on=dt.date(2027, 1, 1),
        note="Ten-hour block",
        actor=billing,
    )
    approved(engineer, ticket, at(MONDAY, 10), 90 * 60)
    invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True)
    return contract


def test_client_list_for_every_staff_role(engineer, approver, billing, admin, client_acme):
    for user in (engineer, approver, billing, admin):
        response = login(user).get(LIST)
        assert response.status_code == 200
        assert "Acme Ltd" in response.content.decode()


def test_list_shows_money_columns_only_to_billing(engineer, billing, prepaid):
    assert "Prepaid hours left" in login(billing).get(LIST).content.decode()
    page = login(engineer).get(LIST).content.decode()
    assert "Prepaid hours left" not in page and "New client" not in page


def test_list_search_and_active_filter(billing, client_acme):
    ClientFactory(name="Beta Brewing")
    ClientFactory(name="Gone Ltd", is_active=False)
    http = login(billing)
    page = http.get(LIST, {"q": "brew"}).content.decode()
    assert "Beta Brewing" in page and "Acme Ltd" not in page
    page = http.get(LIST).content.decode()  # active only by default
    assert "Gone Ltd" not in page and "Acme Ltd" in page
    page = http.get(LIST, {"active": "no"}).content.decode()
    assert "Gone Ltd" in page and "Acme Ltd" not in page
    assert "Gone Ltd" in http.get(LIST, {"active": "all"}).content.decode()


def test_list_htmx_renders_the_table_only(billing, client_acme):
    response = login(billing).get(LIST, {"q": "acme"}, **HTMX)
    page = response.content.decode()
    assert 'id="clients"' in page and "<html" not in page and "Acme Ltd" in page


def test_list_pages(billing):
    for n in range(55):
        ClientFactory(name=f"Client {n:02d}")
    http = login(billing)
    first = http.get(LIST).content.decode()
    assert "Page 1 of 2" in first and "Client 49" in first and "Client 50" not in first
    assert "Client 54" in http.get(LIST, {"page": 2}).content.decode()


def _queries(http, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return len(ctx.captured_queries)


def _client_with_everything(billing, n: int) -> Client:
    client = ClientFactory(name=f"Busy {n:02d}")
    contract = contract_create(
        client=client,
        name="Prepaid",
        kind=ContractKind.PREPAY,
        starts_on=dt.date(2026, 1, 1),
        is_default=True,
        actor=billing,
    )
    prepay_purchase(contract=contract, hours=Decimal("5"), amount=Decimal("1"), actor=billing)
    TicketFactory(client=client)
    return client


def test_list_query_count_does_not_grow_with_rows(billing):
    http = login(billing)
    for n in range(2):
        _client_with_everything(billing, n)
    few = _queries(http, LIST)
    for n in range(2, 12):
        _client_with_everything(billing, n)
    assert _queries(http, LIST) == few


def test_detail_query_count_does_not_grow_with_history(billing, engineer, prepaid, client_acme):
    http = login(billing)
    few = _queries(http, detail(client_acme))
    for _ in range(5):
        prepay_purchase(contract=prepaid, hours=Decimal("1"), amount=Decimal("85"), actor=billing)
        TicketFactory(client=client_acme)
    assert _queries(http, detail(client_acme)) == few


def test_detail_for_billing_shows_ledger_invoices_and_tickets(billing, prepaid, client_acme):
    response = login(billing).get(detail(client_acme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Prepaid support" in page and "Prepaid hours" in page
    # Balance = 10 h bought − 1.5 h drawn.
    assert "8.50 h" in page and "£850.00" in page and "Ten-hour block" in page
    # The drawn time was all prepaid: a no-charge record, not a 0.00 draft.
    assert "Drawdown" in page and "Recent invoices" in page and "No-charge record" in page
    assert "Printer offline" in page


@pytest.mark.parametrize("persona", ["engineer", "approver"])
def test_detail_for_engineers_has_no_amounts(request, persona, prepaid, client_acme):
    response = login(request.getfixturevalue(persona)).get(detail(client_acme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Prepaid support" in page and "8.50 h" in page and "Printer offline" in page
    assert "£850.00" not in page and "Recent invoices" not in page and "Edit client" not in page


def test_detail_lists_only_open_tickets(engineer, client_acme, ticket):
    TicketFactory(client=client_acme, summary="Old fix", status=TicketStatus.CLOSED)
    page = login(engineer).get(detail(client_acme)).content.decode()
    assert "Printer offline" in page and "Old fix" not in page


def test_detail_shows_retainer_usage_this_month(billing, engineer, remote_support):
    client = ClientFactory(name="Retained Ltd")
    contract_create(
        client=client,
        name="Support retainer",
        kind=ContractKind.RETAINER,
        starts_on=dt.date(2026, 1, 1),
        is_default=True,
        retainer_fee=Decimal("1000.00"),
        retainer_included_minutes=10 * 60,
        actor=billing,
    )
    ticket = TicketFactory(client=client, charge_type=remote_support)
    approved(engineer, ticket, at(MONDAY, 9), 2 * 3600)
    approved(engineer, ticket, at(dt.date(2026, 10, 30), 9), 3600)  # last month: not counted
    page = login(billing).get(detail(client)).content.decode()
    assert "Retainer this month" in page
    assert "2.00 h</strong> of 10.00 h included" in page and "8.00 h left" in page
    assert "£1,000.00" in page


def test_unknown_client_is_404(engineer):
    assert login(engineer).get(reverse("crm:client_detail", args=[999])).status_code == 404


@pytest.mark.parametrize("persona", ["engineer", "approver"])
def test_create_and_edit_are_forbidden_to_engineers(request, persona, client_acme):
    http = login(request.getfixturevalue(persona))
    edit = reverse("crm:client_edit", args=[client_acme.pk])
    assert http.get(NEW).status_code == 403
    assert http.post(NEW, {"name": "X", "currency": "GBP", "tax_rate": "20"}).status_code == 403
    assert http.get(edit).status_code == 403
    assert http.post(edit, {"name": "X", "currency": "GBP", "tax_rate": "20"}).status_code == 403
    assert not Client.objects.filter(name="X").exists()


def test_billing_creates_a_client_through_the_form(billing):
    response = login(billing).post(
        NEW,
        {
            "name": "Nimbus Ltd",
            "currency": "eur",
            "tax_rate": "19.00",
            "payment_terms_days": "14",
            "billing_email": "ap@nimbus.example",
            "billing_address": "1 Cloud Way\nBerlin",
            "is_active": "on",
        },
    )
    client = Client.objects.get(name="Nimbus Ltd")
    assert response.status_code == 302 and response["Location"] == detail(client)
    assert (client.currency, client.payment_terms_days, client.is_active) == ("EUR", 14, True)
    assert history_for(client).filter(action="client.create", actor=billing).exists()


def test_service_errors_show_on_the_form(billing, client_acme):
    response = login(billing).post(NEW, {"name": "Acme Ltd", "currency": "GBP", "tax_rate": "20"})
    assert response.status_code == 422
    assert "already exists" in response.content.decode()


def test_admin_edits_a_client_through_the_form(admin, client_acme):
    edit = reverse("crm:client_edit", args=[client_acme.pk])
    http = login(admin)
    form = http.get(edit).content.decode()
    assert 'value="Acme Ltd"' in form
    response = http.post(
        edit, {"name": "Acme Group", "currency": "GBP", "tax_rate": "0", "reverse_charge": "on"}
    )
    assert response.status_code == 302
    client_acme.refresh_from_db()
    assert client_acme.name == "Acme Group" and client_acme.reverse_charge
    assert not client_acme.is_active  # unticked box
    assert history_for(client_acme).filter(action="client.update").exists()


def test_document_fields_on_the_client_form(billing, client_acme):
    edit = reverse("crm:client_edit", args=[client_acme.pk])
    http = login(billing)
    base = {"name": "Acme Ltd", "currency": "EUR", "tax_rate": "19", "is_active": "on"}
    fields = {"purchase_order": " PO-77 ", "timezone": "Europe/Berlin", "locale": "de_DE"}
    assert http.post(edit, {**base, **fields}).status_code == 302
    client_acme.refresh_from_db()
    assert (client_acme.purchase_order, client_acme.timezone, client_acme.locale) == (
        "PO-77",
        "Europe/Berlin",
        "de_DE",
    )
    for name, bad in (("timezone", "Mars/Olympus"), ("locale", "xx_NOPE")):
        response = http.post(edit, {**base, **fields, name: bad})
        assert response.status_code == 422, name
    client_acme.refresh_from_db()
    assert client_acme.locale == "de_DE"
