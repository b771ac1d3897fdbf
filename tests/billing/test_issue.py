"""Issuing: gapless numbers per year under a lock, snapshots of both parties, frozen state."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceNumberSequence, InvoiceState
from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db

NEW_YEARS_EVE = dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC)
NEW_YEAR = dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def make_draft(client_acme):
    def make(client=client_acme, amount="90.00") -> Invoice:
        invoice = Invoice.objects.create(
            client=client,
            currency=client.currency,
            tax_rate=client.tax_rate,
            period_end=MONDAY,
            buyer_name=client.name,
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            description="Remote support",
            quantity=Decimal("1"),
            rate=Decimal(amount),
            amount=Decimal(amount),
        )
        return invoice

    return make


def test_numbers_are_gapless_and_restart_each_year(billing, make_draft):
    issued = [
        invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEARS_EVE) for _ in range(3)
    ]
    assert [i.number for i in issued] == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    assert [(i.number_year, i.number_sequence) for i in issued] == [(2026, 1), (2026, 2), (2026, 3)]
    january = invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR)
    assert (january.number, january.issue_date) == ("INV-2027-000001", dt.date(2027, 1, 1))
    assert (
        invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEARS_EVE).number
        == "INV-2026-000004"
    )


def test_issue_year_and_date_are_the_organisations(org, billing, make_draft):
    org.timezone = "Pacific/Auckland"  # already 1 January 01:00 there
    org.save()
    invoice = invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEARS_EVE)
    assert (invoice.number, invoice.issue_date) == ("INV-2027-000001", dt.date(2027, 1, 1))


def test_number_format_is_configurable(org, billing, make_draft):
    org.invoice_number_format = "{year}/{number}"
    org.save()
    assert invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR).number == "2027/1"


def test_issue_snapshots_buyer_and_seller(org, billing, client_acme, make_draft):
    client_acme.billing_address = "2 Client Road\nLeeds"
    client_acme.tax_id = "GB987654321"
    client_acme.save()
    invoice = invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEARS_EVE)

    client_acme.name, client_acme.billing_address, client_acme.tax_id = "Acme Group", "Gone", ""
    client_acme.save()
    org.name, org.address, org.tax_id = "Renamed MSP", "Elsewhere", "X"
    org.save()

    invoice.refresh_from_db()
    assert (invoice.buyer_name, invoice.buyer_address, invoice.buyer_tax_id) == (
        "Acme Ltd",
        "2 Client Road\nLeeds",
        "GB987654321",
    )
    assert (invoice.seller_name, invoice.seller_address, invoice.seller_tax_id) == (
        "Test MSP",
        "1 Test Street\nLondon",
        "GB123456789",
    )
    assert (invoice.state, invoice.issued_by) == (InvoiceState.ISSUED, billing)


def test_due_date_uses_client_terms_else_organisation_terms(billing, client_acme, make_draft):
    assert invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR).due_date == dt.date(
        2027, 1, 15
    )
    client_acme.payment_terms_days = 30
    client_acme.save()
    assert invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR).due_date == dt.date(
        2027, 1, 31
    )
    client_acme.payment_terms_days = 0  # due on receipt, not "use the default"
    client_acme.save()
    assert invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR).due_date == dt.date(
        2027, 1, 1
    )


def test_issuing_twice_is_a_conflict_and_uses_no_number(billing, make_draft):
    invoice = invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR)
    with pytest.raises(Conflict, match="issued"):
        invoice_issue(invoice=invoice, actor=billing, now=NEW_YEAR)
    assert InvoiceNumberSequence.objects.get(year=2027).last_number == 1
    invoice.refresh_from_db()
    assert invoice.number == "INV-2027-000001"


def test_void_or_empty_invoices_are_not_issued(billing, client_acme, make_draft):
    void = make_draft()
    Invoice.objects.filter(pk=void.pk).update(state=InvoiceState.VOID)
    empty = Invoice.objects.create(
        client=client_acme, currency="GBP", tax_rate=Decimal("20"), period_end=MONDAY
    )
    for invoice in (void, empty):
        with pytest.raises(Conflict):
            invoice_issue(invoice=invoice, actor=billing, now=NEW_YEAR)
    assert not InvoiceNumberSequence.objects.filter(last_number__gt=0).exists()
    assert invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR).number_sequence == 1


@pytest.mark.parametrize("role", ["engineer", "approver"])
def test_only_billing_issues(role, request, make_draft):
    draft = make_draft()
    with pytest.raises(Forbidden):
        invoice_issue(invoice=draft, actor=request.getfixturevalue(role), now=NEW_YEAR)
    draft.refresh_from_db()
    assert (draft.state, draft.number) == (InvoiceState.DRAFT, None)


def test_issue_is_audited(billing, make_draft):
    invoice = invoice_issue(invoice=make_draft(), actor=billing, now=NEW_YEAR)
    row = history_for(invoice).get()
    assert (row.action, row.actor) == ("invoice.issue", billing)
    assert (row.before["state"], row.after["state"]) == ("draft", "issued")
    assert (row.before["number"], row.after["number"]) == (None, "INV-2027-000001")
