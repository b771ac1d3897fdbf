"""Parallel invoice runs and issuing on PostgreSQL: every entry billed once, numbers gapless."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceState
from tallyhour.billing.pricing import billed_hours
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core.money import round_money
from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.conftest import MONDAY, at
from tests.core.concurrency import run_in_parallel
from tests.factories import ClientFactory, TicketFactory, TimeEntryFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_parallel_runs_bill_each_entry_once(engineer, billing, remote_support, internal):
    clients = [ClientFactory(name=f"Parallel {i}") for i in range(3)]
    entries = []
    for c, client in enumerate(clients):
        for t in range(3):
            ticket = TicketFactory(client=client)
            for e in range(4):
                start = at(MONDAY, 8 + e) + dt.timedelta(days=c, minutes=t * 15)
                entries.append(
                    TimeEntryFactory(
                        agent=engineer,
                        ticket=ticket,
                        charge_type=remote_support,
                        started_at=start,
                        ended_at=start + dt.timedelta(minutes=10 + e),
                        state=EntryState.APPROVED,
                    )
                )
    expected_seconds = sum(e.billable_seconds for e in entries)

    results, errors = run_in_parallel(
        4,
        lambda _: invoice_run_execute(
            cut_off=MONDAY + dt.timedelta(days=6),
            actor=billing,
            commit=True,
            client_ids=[c.pk for c in clients],
        ),
    )

    assert errors == []
    assert len(results) == 4
    assert not TimeEntry.objects.filter(pk__in=[e.pk for e in entries], invoice_line=None).exists()
    lines = InvoiceLine.objects.filter(invoice__state=InvoiceState.DRAFT)
    # Every line is priced from exactly the entries that point at it, so no time is counted
    # on two lines even though four runs saw the same entries in their preview.
    for line in lines:
        claimed = line.entries.aggregate(s=Sum("billable_seconds"))["s"]
        assert line.billed_seconds == claimed
        assert line.quantity == billed_hours(claimed, 2)
        assert line.amount == round_money(line.quantity * line.rate, "GBP")
    assert lines.aggregate(s=Sum("billed_seconds"))["s"] == expected_seconds
    assert sum(r.run.entry_count for r in results) == len(entries)
    for invoice in Invoice.objects.all():
        assert invoice.subtotal == invoice.lines.aggregate(s=Sum("amount"))["s"]


def test_parallel_issue_numbers_are_gapless(billing, client_acme):
    drafts = [
        Invoice.objects.create(
            client=client_acme, currency="GBP", tax_rate=Decimal("20"), period_end=MONDAY
        )
        for _ in range(8)
    ]
    for draft in drafts:
        InvoiceLine.objects.create(
            invoice=draft,
            description="Work",
            quantity=Decimal("1"),
            rate=Decimal("90"),
            amount=Decimal("90"),
        )
    now = at(MONDAY, 12)

    results, errors = run_in_parallel(
        8, lambda i: invoice_issue(invoice=drafts[i], actor=billing, now=now)
    )

    assert errors == []
    sequences = sorted(Invoice.objects.values_list("number_sequence", flat=True))
    assert sequences == list(range(1, 9))
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert numbers == {f"INV-2026-{n:06d}" for n in range(1, 9)}
