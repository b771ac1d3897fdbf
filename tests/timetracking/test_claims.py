"""Billing claims time entries through timetracking: a guarded, all-or-nothing update, and
on PostgreSQL its hand-written SQL gives what the ORM version gives on the same rows."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from tallyhour.billing.models import Invoice, InvoiceLine
from tallyhour.core.errors import Forbidden
from tallyhour.timetracking import sql
from tallyhour.timetracking.claims import (
    EntriesTaken,
    claim_entries_orm,
    time_entries_claim,
    time_entries_release,
)
from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.billing.entries import approved
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture
def lines(client_acme):
    invoice = Invoice.objects.create(
        client=client_acme, currency="GBP", tax_rate=Decimal("20"), period_end=MONDAY
    )
    return [
        InvoiceLine.objects.create(
            invoice=invoice,
            description=f"Line {n}",
            quantity=1,
            base_rate=90,
            rate=90,
            amount=90,
        )
        for n in range(2)
    ]


@pytest.fixture
def entries(engineer, ticket, lines):
    """Three entries a run may claim, one claimed already, one not approved."""
    made = [approved(engineer, ticket, at(MONDAY, 9 + n), 900) for n in range(3)]
    made.append(approved(engineer, ticket, at(MONDAY, 13), 900, invoice_line=lines[0]))
    made.append(approved(engineer, ticket, at(MONDAY, 14), 900, state=EntryState.SUBMITTED))
    return made


def _claims(entries, lines) -> dict[int, int]:
    first, second = lines
    targets = [first, second, second, second, first]
    return {entry.pk: line.pk for entry, line in zip(entries, targets, strict=True)}


def _state() -> dict[int, int | None]:
    return dict(TimeEntry.objects.values_list("pk", "invoice_line_id"))


def _outcome(claim, claims) -> tuple[int, dict[int, int | None]]:
    try:
        with transaction.atomic():
            count = claim(claims)
            result = (count, _state())
            raise Rollback
    except Rollback:
        return result


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL version is PostgreSQL's")
def test_sql_claim_matches_the_orm_version(entries, lines):
    claims = _claims(entries, lines)
    orm = _outcome(claim_entries_orm, claims)
    assert orm[0] == 3
    assert _outcome(sql.claim_entries, claims) == orm
    assert _outcome(sql.claim_entries, {}) == _outcome(claim_entries_orm, {})


def test_claim_is_all_or_nothing(entries, lines, billing):
    with pytest.raises(EntriesTaken):
        time_entries_claim(claims=_claims(entries, lines), actor=billing)
    assert TimeEntry.objects.filter(invoice_line__isnull=False).count() == 1

    first_three = {entry.pk for entry in entries[:3]}
    claimable = {pk: line for pk, line in _claims(entries, lines).items() if pk in first_three}
    assert time_entries_claim(claims=claimable, actor=billing) == 3
    assert {pk: _state()[pk] for pk in claimable} == claimable


def test_release_frees_the_lines_entries(entries, lines, billing):
    assert time_entries_release(line_ids=[lines[0].pk], actor=billing) == 1
    assert not TimeEntry.objects.filter(invoice_line__isnull=False).exists()


def test_only_billing_users_claim(entries, lines, engineer):
    with pytest.raises(Forbidden):
        time_entries_claim(claims={entries[0].pk: lines[0].pk}, actor=engineer)
