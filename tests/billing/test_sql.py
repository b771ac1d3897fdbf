"""billing/sql.py's COPY writes the line times its ORM version writes."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from tallyhour.billing import sql
from tallyhour.billing.models import Invoice, InvoiceLine, LineTime
from tests.billing.entries import approved
from tests.conftest import MONDAY, at

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]


class Rollback(Exception):
    pass


def _written(write, rows) -> list[tuple[int, int, int]]:
    try:
        with transaction.atomic():
            write(rows)
            result = sorted(LineTime.objects.values_list("line_id", "entry_id", "seconds"))
            raise Rollback
    except Rollback:
        return result


def test_copy_matches_bulk_create(client_acme, engineer, ticket):
    invoice = Invoice.objects.create(
        client=client_acme, currency="GBP", tax_rate=Decimal("20"), period_end=MONDAY
    )
    lines = [
        InvoiceLine.objects.create(
            invoice=invoice, description=f"L{n}", quantity=1, base_rate=1, rate=1, amount=1
        )
        for n in range(2)
    ]
    entries = [approved(engineer, ticket, at(MONDAY, 9 + n), 900) for n in range(3)]
    rows = [(lines[n % 2].pk, entry.pk, 300 * (n + 1)) for n, entry in enumerate(entries)]
    rows.append((lines[1].pk, entries[0].pk, 1))
    orm = _written(sql.insert_line_times_orm, rows)
    assert len(orm) == 4
    assert _written(sql.copy_line_times, rows) == orm
