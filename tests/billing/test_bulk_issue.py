"""Issuing a run's drafts in bulk: each on its own, failures reported, the rest issued."""

import pytest

from tallyhour.billing.bulk import invoice_run_issue
from tallyhour.billing.models import DeliveryState, Invoice, InvoiceRun, InvoiceState
from tallyhour.core import dates
from tallyhour.core.errors import Forbidden
from tests.billing.drafts import billing_contact, draft
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(billing, client_acme, client_globex):
    run = InvoiceRun.objects.create(
        cut_off=MONDAY, started_by=billing, started_at=dates.now(), state="completed"
    )
    billing_contact(client_acme, "ap@acme.example")  # Globex has nobody to send to
    draft(client_acme, run=run)
    draft(client_globex, run=run)
    empty = Invoice.objects.create(  # no lines: cannot be issued
        client=client_acme, run=run, currency="GBP", tax_rate=0, period_end=MONDAY
    )
    return run, empty


def test_one_bad_draft_does_not_stop_the_others(run, billing):
    run, empty = run
    outcomes = invoice_run_issue(run=run, actor=billing)
    assert [o.ok for o in outcomes] == [True, True, False]
    assert outcomes[2].invoice_id == empty.pk and "without lines" in outcomes[2].error
    assert all(o.number for o in outcomes[:2])
    states = list(run.invoices.order_by("pk").values_list("state", flat=True))
    assert states == [InvoiceState.ISSUED, InvoiceState.ISSUED, InvoiceState.DRAFT]


def test_issue_and_send_reports_clients_with_nobody_to_send_to(run, billing, client_globex):
    run, _ = run
    acme, globex, empty = run.invoices.order_by("pk")
    outcomes = invoice_run_issue(
        run=run, actor=billing, invoice_ids=[acme.pk, globex.pk], send=True
    )
    assert outcomes[0].ok and outcomes[0].delivery_id
    assert not outcomes[1].ok and "Nobody receives invoices" in outcomes[1].error
    globex.refresh_from_db()
    assert globex.state == InvoiceState.DRAFT  # not issued without its email
    acme.refresh_from_db()
    assert acme.deliveries.get().state == DeliveryState.QUEUED
    empty.refresh_from_db()
    assert empty.state == InvoiceState.DRAFT  # not selected


def test_ids_outside_the_run_are_reported(run, billing, client_acme):
    run, _ = run
    stranger = draft(client_acme)
    [outcome] = invoice_run_issue(run=run, actor=billing, invoice_ids=[stranger.pk])
    assert not outcome.ok and outcome.error == "Not an invoice of this run."
    stranger.refresh_from_db()
    assert stranger.state == InvoiceState.DRAFT


def test_only_billing_issues_in_bulk(run, engineer, approver):
    run, _ = run
    for outsider in (engineer, approver):
        with pytest.raises(Forbidden):
            invoice_run_issue(run=run, actor=outsider)
