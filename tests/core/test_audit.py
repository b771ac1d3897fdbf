"""The audit log: one row per change, JSON-safe snapshots, append-only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from tallyhour.core.audit import audit_record, history_for, snapshot
from tallyhour.core.errors import Conflict, InvalidInput, full_clean_or_invalid
from tallyhour.core.models import AuditEntry
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import TimeEntry
from tests.conftest import MONDAY, at
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_snapshot_is_json_safe(engineer, ticket):
    entry = TimeEntryFactory(
        agent=engineer,
        ticket=ticket,
        charge_type=ticket.charge_type,
        started_at=at(MONDAY, 9),
        note="fixed",
    )
    data = snapshot(entry, ["agent", "ticket", "started_at", "worked_seconds", "note"])
    assert data == {
        "agent": engineer.pk,
        "ticket": ticket.pk,
        "started_at": "2026-11-16T09:00:00+00:00",
        "worked_seconds": 3600,
        "note": "fixed",
    }
    assert snapshot(Client(name="X", tax_rate=Decimal("12.50")), ["tax_rate"]) == {
        "tax_rate": "12.50"
    }


def test_audit_record_and_history(engineer, client_acme):
    row = audit_record(
        actor=engineer,
        action="client.rename",
        obj=client_acme,
        before={"name": "Old"},
        after={"name": "Acme Ltd"},
        reason="typo",
    )
    assert (row.actor, row.object_type, row.object_id) == (
        engineer,
        "crm.client",
        str(client_acme.pk),
    )
    assert list(history_for(client_acme)) == [row]


def test_audit_record_without_a_saved_actor(client_acme):
    row = audit_record(actor=None, action="system", obj=client_acme)
    assert row.actor is None


def test_audit_log_is_append_only(engineer, client_acme):
    row = audit_record(actor=engineer, action="x", obj=client_acme)
    row.reason = "rewritten"
    attempts = [
        row.save,
        row.delete,
        lambda: AuditEntry.objects.filter(pk=row.pk).update(reason="rewritten"),
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.bulk_update([row], ["reason"]),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict), transaction.atomic():
            attempt()
    row.refresh_from_db()
    assert row.reason == ""
    assert AuditEntry.objects.count() == 1


def test_full_clean_or_invalid_reports_fields(engineer, ticket):
    entry = TimeEntry(
        agent=engineer,
        ticket=ticket,
        charge_type=ticket.charge_type,
        started_at=at(MONDAY, 9),
        ended_at=at(MONDAY, 10),
        worked_seconds=3600,
        is_billable=True,
        billable_seconds=3600,
        source="fax",
    )
    with pytest.raises(InvalidInput) as caught:
        full_clean_or_invalid(entry, exclude=["submission", "invoice_line"])
    assert "source" in caught.value.fields


def test_full_clean_or_invalid_reports_constraints(engineer, ticket):
    entry = TimeEntry(
        agent=engineer,
        ticket=ticket,
        charge_type=ticket.charge_type,
        started_at=at(MONDAY, 9),
        ended_at=at(MONDAY, 9) - dt.timedelta(hours=1),
        worked_seconds=3600,
        is_billable=True,
        billable_seconds=3600,
    )
    with pytest.raises(InvalidInput) as caught:
        full_clean_or_invalid(entry, exclude=["submission", "invoice_line"])
    assert "__all__" in caught.value.fields
