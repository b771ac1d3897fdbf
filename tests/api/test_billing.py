"""Invoice runs and invoices are for billing and admin users; bad input writes nothing."""

import pytest

from tallyhour.billing.models import Invoice, InvoiceRun
from tallyhour.timetracking.models import TimeEntry
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice_id(api_as, billing, approved_entry) -> int:
    run = api_as(billing).post("/invoice-runs", {"cut_off": "2026-11-30", "commit": True}).json()
    return run["invoice_ids"][0]


@pytest.mark.parametrize("persona", ["engineer", "approver"])
def test_only_billing_runs_and_sees_invoices(request, api_as, approved_entry, persona):
    caller = api_as(request.getfixturevalue(persona))
    body = {"cut_off": "2026-11-30", "commit": True}
    assert assert_error(caller.post("/invoice-runs", body), 403)["error"] == "forbidden"
    assert_error(caller.get("/invoices"), 403)
    assert not InvoiceRun.objects.exists()
    assert TimeEntry.objects.get().invoice_line_id is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cut_off": "30/11/2026", "commit": True}, "cut_off"),
        ({"cut_off": "9999-12-31", "commit": True}, "cut_off"),
        ({"commit": True}, "cut_off"),
        ({"cut_off": "2026-11-30", "client_ids": [987654], "commit": True}, "client_ids"),
        ({"cut_off": "2026-11-30", "client_ids": "all", "commit": True}, "client_ids"),
        ({"cut_off": "2026-11-30", "commit": "soon"}, "commit"),
    ],
)
def test_bad_run_input_names_the_field(api_as, billing, approved_entry, body, field):
    assert_error(api_as(billing).post("/invoice-runs", body), 422, field)
    assert not InvoiceRun.objects.exists() and not Invoice.objects.exists()


def test_idempotency_key_is_bounded(api_as, billing, approved_entry):
    response = api_as(billing).post(
        "/invoice-runs", {"cut_off": "2026-11-30", "commit": True}, {"Idempotency-Key": "k" * 101}
    )
    assert_error(response, 422, "Idempotency-Key")
    assert not InvoiceRun.objects.exists()


def test_list_filters_and_pages(api_as, billing, invoice_id, client_acme):
    as_billing = api_as(billing)
    page = as_billing.get("/invoices", state="draft", client_id=client_acme.pk).json()
    assert page["count"] == 1 and page["items"][0]["id"] == invoice_id
    assert page["items"][0]["client_name"] == "Acme Ltd" and "lines" not in page["items"][0]
    assert as_billing.get("/invoices", state="issued").json()["count"] == 0
    assert_error(as_billing.get("/invoices", state="lost"), 422, "state")
    assert_error(as_billing.get("/invoices/987654"), 404)


def test_void_needs_a_reason_and_releases_the_time(api_as, billing, invoice_id):
    as_billing = api_as(billing)
    assert_error(as_billing.post(f"/invoices/{invoice_id}/void", {}), 422, "reason")
    assert_error(as_billing.post(f"/invoices/{invoice_id}/void", {"reason": ""}), 422, "reason")
    assert Invoice.objects.get().state == "draft"

    response = as_billing.post(f"/invoices/{invoice_id}/void", {"reason": "wrong client"})
    assert response.status_code == 200 and response.json()["state"] == "void"
    assert TimeEntry.objects.get().invoice_line_id is None


def test_issued_invoices_cannot_be_voided_or_reissued(api_as, billing, invoice_id):
    as_billing = api_as(billing)
    as_billing.post(f"/invoices/{invoice_id}/issue")
    assert_error(as_billing.post(f"/invoices/{invoice_id}/issue"), 409)
    assert_error(as_billing.post(f"/invoices/{invoice_id}/void", {"reason": "oops"}), 409)
    assert Invoice.objects.get().state == "issued"


def test_edit_credit_paid_exports_and_run_progress(api_as, billing, invoice_id, client_acme):
    api = api_as(billing)
    base = f"/invoices/{invoice_id}"
    added = api.post(f"{base}/lines", {"description": "Cable", "quantity": "2", "unit_price": "5"})
    assert added.status_code == 201
    manual = next(line for line in added.json()["lines"] if line["kind"] == "manual")
    assert manual["amount"] == "10.00"
    assert api.delete(f"{base}/lines/{manual['id']}").status_code == 200
    assert api.post(f"{base}/credit", {"reason": "x"}).status_code == 409  # still a draft
    assert api.post(f"{base}/issue").status_code == 200
    assert api.get(f"{base}/pdf").content.startswith(b"%PDF")
    assert api.get(f"{base}/ubl").content.startswith(b"<?xml")
    assert api.post(f"{base}/paid").json()["state"] == "paid"
    credit = api.post(f"{base}/credit", {"reason": "Duplicate", "release_time": True})
    assert credit.status_code == 201
    body = credit.json()
    assert (body["kind"], body["credits_id"]) == ("credit_note", invoice_id)
    assert TimeEntry.objects.filter(invoice_line__isnull=False).count() == 0
    run_id = Invoice.objects.get(pk=invoice_id).run_id
    run = api.get(f"/invoice-runs/{run_id}").json()
    assert (run["state"], run["clients_done"], run["clients_total"]) == ("completed", 1, 1)


def test_contracts_rates_and_prepay_ledger(api_as, billing, engineer, client_acme):
    api = api_as(billing)
    created = api.post(
        "/contracts",
        {"client_id": client_acme.pk, "name": "Block", "kind": "prepay", "starts_on": "2026-11-01"},
    )
    assert created.status_code == 201
    contract_id = created.json()["id"]
    bought = api.post(
        f"/contracts/{contract_id}/prepay",
        {"hours": "10", "amount": "850.00", "expires_on": "2027-10-31"},
    )
    assert bought.status_code == 201
    ledger = api.get(f"/contracts/{contract_id}/prepay").json()
    assert ledger["balance_hours"] == "10.0000" and len(ledger["rows"]) == 1
    rate = api.post(
        "/rates",
        {"hourly_rate": "120.00", "valid_from": "2026-11-01", "contract_id": contract_id},
    )
    assert rate.status_code == 201
    assert api.get("/rates").json()["count"] == 1
    assert api.post("/rates", {"hourly_rate": "1", "valid_from": "2026-11-01"}).status_code == 422
    assert api_as(engineer).get("/contracts").status_code == 403
