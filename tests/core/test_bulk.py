"""copy_create writes the rows bulk_create would, ids included (COPY on PostgreSQL)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from tallyhour.billing.models import Invoice, InvoiceLine, LineKind
from tallyhour.core.bulk import copy_create
from tallyhour.core.models import AuditEntry
from tallyhour.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def _lines(invoice: Invoice, ticket: Ticket) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice=invoice,
            ticket=ticket if n % 2 else None,
            charge_type=ticket.charge_type,
            kind=LineKind.TIME,
            period_start=dt.date(2026, 9, 1) if n % 3 else None,
            description=f"Line {n} – naïve, tab\there",
            billed_seconds=n * 60,
            quantity=Decimal("1.23456789"),  # more places than the column keeps
            multiplier=Decimal("1.50"),
            rate=Decimal("90.1234"),
            amount=Decimal("111.11"),
        )
        for n in range(5)
    ]


def _rows(lines: list[InvoiceLine]) -> list[dict]:
    by_id = {
        row.pop("id"): row
        for row in InvoiceLine.objects.filter(pk__in=[line.pk for line in lines]).values()
    }
    return [by_id[line.pk] for line in lines]


def test_lines_match_bulk_create(client_acme, ticket):
    invoice = Invoice.objects.create(
        client=client_acme, currency="GBP", tax_rate=Decimal("20"), period_end=dt.date(2026, 9, 30)
    )
    copied = copy_create(_lines(invoice, ticket))
    created = InvoiceLine.objects.bulk_create(_lines(invoice, ticket))
    ids = [line.pk for line in copied]
    assert all(ids) and ids == sorted(ids)  # in order, as the run relies on
    assert all(not line._state.adding for line in copied)
    assert _rows(list(copied)) == _rows(created)
    # The sequence moved past the ids taken: a later insert does not collide.
    later = InvoiceLine.objects.create(
        invoice=invoice, description="later", quantity=1, rate=1, amount=1
    )
    assert later.pk > max(ids)


def test_auto_now_json_and_related_ids(billing):
    entries = [
        AuditEntry(
            actor=billing,
            action="x.test",
            object_type="t",
            object_id=str(n),
            after={"n": n, "s": "é"},
        )
        for n in range(3)
    ]
    copy_create(entries)
    stored = AuditEntry.objects.filter(action="x.test").order_by("pk")
    assert [(e.actor_id, e.after, e.created_at is not None) for e in stored] == [
        (billing.pk, {"n": n, "s": "é"}, True) for n in range(3)
    ]


def test_rolls_back_with_its_transaction(client_acme, ticket):
    invoice = Invoice.objects.create(
        client=client_acme, currency="GBP", tax_rate=Decimal("20"), period_end=dt.date(2026, 9, 30)
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        copy_create(_lines(invoice, ticket))
        raise RuntimeError
    assert not InvoiceLine.objects.filter(invoice=invoice).exists()
