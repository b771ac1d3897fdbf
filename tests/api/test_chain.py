"""The whole chain through the API: log → submit → approve → invoice run → invoice → issue."""

from decimal import Decimal

import pytest

from tallyhour.billing.models import Invoice, InvoiceRun
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"  # the week of tests.conftest.MONDAY


def test_entry_to_issued_invoice(api_as, engineer, approver, billing, ticket, remote_support):
    as_engineer, as_approver, as_billing = api_as(engineer), api_as(approver), api_as(billing)

    response = as_engineer.post(
        "/time-entries",
        {
            "ticket_id": ticket.pk,
            "started_at": "2026-11-16T09:00:00+00:00",
            "duration_minutes": 90,
            "note": "Replaced the fuser",
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["state"], entry["hours"], entry["charge_type_id"]) == (
        "draft",
        "1.50",
        remote_support.pk,
    )
    assert entry["started_at"] == "2026-11-16T09:00:00Z"

    response = as_engineer.post(f"/timesheets/{engineer.pk}/{WEEK}/submit", {"comment": "done"})
    assert response.status_code == 201, response.content
    submission = response.json()
    assert (submission["state"], submission["week"], submission["total_hours"]) == (
        "submitted",
        WEEK,
        "1.50",
    )

    # Nobody approves their own time.
    assert_error(as_engineer.post(f"/submissions/{submission['id']}/approve"), 403)
    response = as_approver.post(f"/submissions/{submission['id']}/approve")
    assert response.status_code == 200 and response.json()["state"] == "approved"

    week = as_engineer.get(f"/timesheets/{engineer.pk}/{WEEK}").json()
    assert week["state"] == "approved" and week["totals"]["logged_hours"] == "1.50"

    response = as_billing.post("/invoice-runs", {"cut_off": "2026-11-30", "commit": True})
    assert response.status_code == 201, response.content
    run = response.json()
    [preview] = run["clients"]
    assert (preview["client_id"], preview["hours"], preview["subtotal"], preview["entries"]) == (
        ticket.client_id,
        "1.50",
        "135.00",
        1,
    )
    [invoice_id] = run["invoice_ids"]

    invoice = as_billing.get(f"/invoices/{invoice_id}").json()
    [line] = invoice["lines"]
    assert (line["hours"], Decimal(line["rate"]), line["ticket_id"]) == ("1.5000", 90, ticket.pk)
    assert Decimal(line["hours"]) * Decimal(line["rate"]) == Decimal(line["amount"])
    assert (invoice["state"], invoice["subtotal"], invoice["tax_amount"], invoice["total"]) == (
        "draft",
        "135.00",
        "27.00",
        "162.00",
    )

    # A rerun finds nothing left to bill.
    rerun = as_billing.post("/invoice-runs", {"cut_off": "2026-11-30", "commit": True}).json()
    assert (rerun["clients"], rerun["invoice_ids"]) == ([], [])
    assert Invoice.objects.count() == 1

    response = as_billing.post(f"/invoices/{invoice_id}/issue")
    assert response.status_code == 200, response.content
    issued = response.json()
    assert issued["state"] == "issued" and issued["number"].endswith("-000001")
    assert as_engineer.get(f"/time-entries/{entry['id']}").json()["invoice_line_id"] == line["id"]


def test_idempotency_key_returns_the_first_run(api_as, billing, approved_entry):
    as_billing = api_as(billing)
    key = {"Idempotency-Key": "run-2026-11"}
    first = as_billing.post("/invoice-runs", {"cut_off": "2026-11-30", "commit": True}, key)
    again = as_billing.post("/invoice-runs", {"cut_off": "2026-11-30", "commit": True}, key)
    assert first.status_code == again.status_code == 201
    assert again.json()["run_id"] == first.json()["run_id"]
    assert again.json()["invoice_ids"] == first.json()["invoice_ids"] != []
    assert InvoiceRun.objects.count() == 1


def test_dry_run_writes_nothing(api_as, billing, approved_entry):
    response = api_as(billing).post("/invoice-runs", {"cut_off": "2026-11-30"})
    assert response.status_code == 200
    body = response.json()
    assert body["run_id"] is None and body["committed"] is False
    assert body["clients"][0]["subtotal"] == "90.00" and body["invoice_ids"] == []
    assert InvoiceRun.objects.count() == Invoice.objects.count() == 0
