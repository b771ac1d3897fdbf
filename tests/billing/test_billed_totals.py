"""Billed figures kept on billing's line times (what utilisation sums), and batched runs writing the
same invoices as one client at a time."""

import datetime as dt
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from tallyhour.billing.invoices import invoice_credit, invoice_issue, invoice_void
from tallyhour.billing.models import Invoice, InvoiceLine, LineTime
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.billing.selectors import billed_line_times
from tallyhour.timetracking.models import TimeEntry
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ClientFactory, TicketFactory

pytestmark = pytest.mark.django_db

SUNDAY = MONDAY + dt.timedelta(days=6)


@pytest.fixture
def three_clients(engineer, remote_support):
    tickets = []
    for n, currency in enumerate(["GBP", "EUR", "USD"]):
        client = ClientFactory(name=f"Client {n}", currency=currency)
        ticket = TicketFactory(client=client, charge_type=remote_support)
        tickets.append(ticket)
        # 20 + 25 + 40 minutes: one line whose amount is shared out unevenly.
        for hour, minutes in ((9, 20), (10, 25), (11, 40)):
            approved(engineer, ticket, at(MONDAY + dt.timedelta(days=n), hour), minutes * 60)
    return tickets


def figures() -> dict[int, tuple[int, int, str]]:
    """Per entry id: the billed seconds, money share and currency reports read (billing's
    line times of issued invoices no credit note has taken back), or (0, 0, "")."""
    result = dict.fromkeys(TimeEntry.objects.values_list("pk", flat=True), (0, 0, ""))
    for entry_id, seconds, micros, currency in billed_line_times().values_list(
        "entry_id", "seconds", "micros", "line__invoice__currency"
    ):
        before = result[entry_id]
        result[entry_id] = (before[0] + seconds, before[1] + micros, currency)
    return result


def billed() -> list[tuple[int, int, str]]:
    return [row for _, row in sorted(figures().items())]


def test_issue_records_each_entrys_share_and_credit_clears_it(three_clients, billing):
    result = invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True)
    assert len(result.invoices) == 3
    # Drafts bill nothing yet.
    assert {row[0] for row in billed()} == {0}
    first = result.invoices[0]
    invoice_issue(invoice=first, actor=billing)
    now_billed = figures()
    on_first = TimeEntry.objects.filter(invoice_line__invoice=first)
    for entry in on_first:
        assert now_billed[entry.pk][0] == entry.billable_seconds
        assert now_billed[entry.pk][2] == first.currency
    for line in InvoiceLine.objects.filter(invoice=first):
        shares = sum(now_billed[e.pk][1] for e in on_first.filter(invoice_line=line))
        assert abs(Decimal(shares) / 1_000_000 - line.amount) < Decimal("0.00001")
    others = TimeEntry.objects.exclude(invoice_line__invoice=first).values_list("pk", flat=True)
    assert others.exists()
    assert not any(now_billed[pk][0] > 0 for pk in others)

    invoice_credit(invoice=first, actor=billing, reason="Disputed")
    assert set(billed()) == {(0, 0, "")}


def test_credit_without_release_keeps_the_shares_but_bills_nothing(three_clients, billing):
    first = invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True).invoices[0]
    invoice_issue(invoice=first, actor=billing)
    shares = dict(LineTime.objects.filter(line__invoice=first).values_list("pk", "micros"))
    invoice_credit(invoice=first, actor=billing, reason="Disputed", release_time=False)
    assert set(billed()) == {(0, 0, "")}
    # The record of what the invoice billed stays with it.
    assert dict(LineTime.objects.filter(line__invoice=first).values_list("pk", "micros")) == shares


def test_migration_backfill_records_what_issuing_records(three_clients, billing):
    """The data migration that moved the figures off the entries gives line times the same
    shares and counts the same ones as issuing and crediting do."""
    backfill = import_module("tallyhour.billing.migrations.0004_line_time_billed_figures").backfill
    invoices = invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True).invoices
    for invoice in invoices:
        invoice_issue(invoice=invoice, actor=billing)
    invoice_credit(invoice=invoices[0], actor=billing, reason="Disputed", release_time=False)
    recorded = list(LineTime.objects.order_by("pk").values_list("pk", "micros", "billed"))
    assert any(billed for *_, billed in recorded) and not all(b for *_, b in recorded)
    LineTime.objects.update(micros=0, billed=False)
    backfill(django_apps, None)
    assert list(LineTime.objects.order_by("pk").values_list("pk", "micros", "billed")) == recorded


def test_batched_run_writes_what_single_client_runs_write(three_clients, billing):
    def shape() -> list[tuple]:
        return sorted(
            (line.invoice.client_id, line.description, line.billed_seconds, line.amount)
            for line in InvoiceLine.objects.select_related("invoice")
        )

    invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True)
    batched = (shape(), Invoice.objects.count(), LineTime.objects.count())
    claimed = dict(TimeEntry.objects.values_list("pk", "invoice_line__description"))
    for invoice in Invoice.objects.all():
        invoice_void(invoice=invoice, actor=billing, reason="again")
    InvoiceLine.objects.filter(invoice__state="void").delete()
    Invoice.objects.filter(state="void").delete()

    invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True, clients_per_batch=1)
    assert (shape(), Invoice.objects.count(), LineTime.objects.count()) == batched
    assert dict(TimeEntry.objects.values_list("pk", "invoice_line__description")) == claimed


def test_preview_matches_the_committed_run(three_clients, billing):
    previews = invoice_run_execute(cut_off=SUNDAY, actor=billing).previews
    result = invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True)
    assert [(p.client.pk, p.subtotal, p.entries, p.seconds) for p in previews] == [
        (p.client.pk, p.subtotal, p.entries, p.seconds) for p in result.previews
    ]
    assert [i.subtotal for i in result.invoices] == [p.subtotal for p in previews]
