"""No empty documents: a client whose time is all covered gets no 0.00 draft; its time is
recorded (claimed, counted as billed at nothing) unless the organisation wants statements."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.billing.invoices import invoice_issue, invoice_void
from tallyhour.billing.models import Invoice, InvoiceState, LineKind, LineTime
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import Contract, ContractKind
from tallyhour.core.errors import Conflict
from tallyhour.timetracking.models import TimeEntry
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, TicketFactory

pytestmark = pytest.mark.django_db
SUNDAY = MONDAY + dt.timedelta(days=6)


@pytest.fixture
def covered_ticket(client_acme, remote_support):
    contract = Contract.objects.create(
        client=client_acme, name="Goodwill", kind=ContractKind.NO_CHARGE, starts_on=MONDAY
    )
    return TicketFactory(client=client_acme, contract=contract, charge_type=remote_support)


def run(billing):
    return invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True)


def test_all_covered_time_is_recorded_without_a_draft(engineer, billing, covered_ticket):
    entry = approved(engineer, covered_ticket, at(MONDAY, 10), 3600)
    result = run(billing)
    (record,) = result.invoices
    assert record.state == InvoiceState.NO_CHARGE and record.number is None
    assert record.title == f"No-charge record {record.pk}"
    assert result.run.invoice_count == 0
    assert not Invoice.objects.filter(state=InvoiceState.DRAFT).exists()
    (line,) = record.lines.all()
    assert (line.kind, line.amount, line.billed_seconds) == (LineKind.COVERED, 0, 3600)
    # The time is processed: claimed, billed at nothing, and a second run finds nothing.
    entry.refresh_from_db()
    assert entry.invoice_line_id == line.pk
    assert LineTime.objects.get(entry=entry).billed
    assert run(billing).invoices == []
    # A record is never issued (so never numbered or sent).
    with pytest.raises(Conflict):
        invoice_issue(invoice=record, actor=billing)


def test_voiding_a_record_frees_its_time(engineer, billing, covered_ticket):
    entry = approved(engineer, covered_ticket, at(MONDAY, 10), 3600)
    (record,) = run(billing).invoices
    invoice_void(invoice=record, actor=billing, reason="Contract set up wrongly")
    entry.refresh_from_db()
    assert entry.invoice_line_id is None
    assert not LineTime.objects.filter(entry=entry, billed=True).exists()


def test_zero_value_statements_when_the_organisation_asks(org, engineer, billing, covered_ticket):
    org.zero_value_statements = True
    org.save()
    approved(engineer, covered_ticket, at(MONDAY, 10), 3600)
    (statement,) = run(billing).invoices
    assert (statement.state, statement.total) == (InvoiceState.DRAFT, Decimal("0"))
    assert invoice_issue(invoice=statement, actor=billing).number


def test_covered_and_charged_time_make_one_draft(
    engineer, billing, client_acme, covered_ticket, ticket
):
    approved(engineer, covered_ticket, at(MONDAY, 10), 3600)
    approved(engineer, ticket, at(MONDAY, 12), 3600)
    (draft,) = run(billing).invoices
    assert draft.state == InvoiceState.DRAFT
    assert {line.kind for line in draft.lines.all()} == {LineKind.COVERED, LineKind.TIME}
    assert TimeEntry.objects.filter(invoice_line__invoice=draft).count() == 2


def test_unpriced_time_is_a_draft_not_a_record(engineer, billing, client_acme):
    """Time with no rate bills 0 but is not covered: someone must look at it."""
    unpriced = ChargeTypeFactory(name="Unpriced", hourly_rate=Decimal("0"))
    approved(engineer, TicketFactory(client=client_acme, charge_type=unpriced), at(MONDAY, 9), 60)
    (draft,) = run(billing).invoices
    assert draft.state == InvoiceState.DRAFT and draft.total == 0
