"""Payments, sending and bulk issue through the pages and the native API."""

import pytest
from django.urls import reverse

from tallyhour.billing.models import DeliveryKind, Invoice, InvoiceRun, InvoiceState
from tallyhour.core import dates
from tests.api.conftest import Api, assert_error
from tests.billing.drafts import billing_contact, draft, issued
from tests.conftest import MONDAY
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(billing, client_acme):
    billing_contact(client_acme, "ap@acme.example")
    return issued(client_acme, billing)


def test_invoice_page_records_and_removes_payments(billing, invoice):
    http = login(billing)
    page = reverse("billing:invoice_detail", args=[invoice.pk])
    body = http.get(page).content.decode()
    assert "Record payment" in body and "Balance due" in body and "Paid in full" in body
    http.post(
        reverse("billing:payment_add", args=[invoice.pk]),
        {"amount": "20.00", "received_on": "2026-12-05", "reference": "BACS 7", "method": "Bank"},
    )
    invoice.refresh_from_db()
    assert invoice.amount_paid == 20 and invoice.state == InvoiceState.ISSUED
    listing = http.get(reverse("billing:invoice_list")).content.decode()
    assert "Part paid" in listing
    response = http.post(
        reverse("billing:payment_add", args=[invoice.pk]),
        {"amount": "500.00", "received_on": "2026-12-05"},
        follow=True,
    )
    assert "more than the balance due" in response.content.decode()
    payment = invoice.payments.get()
    http.post(reverse("billing:payment_delete", args=[invoice.pk, payment.pk]), {"reason": "Oops"})
    http.post(reverse("billing:invoice_paid", args=[invoice.pk]))  # "Paid in full"
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.payments.get().amount == 120


def test_invoice_page_sends_resends_and_reminds(billing, invoice):
    http = login(billing)
    send = reverse("billing:invoice_send", args=[invoice.pk])
    http.post(send, {"kind": "invoice"})
    http.post(send, {"kind": "invoice"})
    http.post(send, {"kind": "reminder"})
    kinds = list(invoice.deliveries.values_list("kind", flat=True))
    assert kinds == [DeliveryKind.INVOICE, DeliveryKind.INVOICE, DeliveryKind.REMINDER]
    body = http.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Deliveries" in body and "ap@acme.example" in body and "Resend" in body
    assert body.count("(resent)") == 1


def test_issue_and_send_a_draft_from_its_page(billing, client_acme):
    billing_contact(client_acme, "ap@acme.example")
    invoice = draft(client_acme)
    http = login(billing)
    assert (
        "Issue and send"
        in http.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    )
    http.post(reverse("billing:invoice_issue_send", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ISSUED and invoice.deliveries.count() == 1


def test_run_page_issues_the_selected_drafts(billing, client_acme):
    run = InvoiceRun.objects.create(
        cut_off=MONDAY, started_by=billing, started_at=dates.now(), state="completed"
    )
    first, second = draft(client_acme, run=run), draft(client_acme, run=run)
    http = login(billing)
    page = reverse("billing:run_detail", args=[run.pk])
    assert "Issue and send selected" in http.get(page).content.decode()
    # The progress poll that sees the run finished brings the form along.
    assert "Issue selected" in http.get(page, headers={"HX-Request": "true"}).content.decode()
    response = http.post(
        reverse("billing:run_issue", args=[run.pk]), {"invoice": [second.pk], "send": "0"}
    )
    assert response["Location"] == page
    states = dict(Invoice.objects.filter(run=run).values_list("pk", "state"))
    assert states == {first.pk: InvoiceState.DRAFT, second.pk: InvoiceState.ISSUED}


@pytest.mark.parametrize("who", ["engineer", "approver"])
def test_pages_refuse_engineers_and_approvers(request, who, billing, invoice):
    http = login(request.getfixturevalue(who))
    for name in ("payment_add", "invoice_send", "invoice_issue_send"):
        http.post(
            reverse(f"billing:{name}", args=[invoice.pk]),
            {"amount": "1", "received_on": "2026-12-05"},
        )
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0 and not invoice.deliveries.exists()


def test_api_payments(billing, invoice):
    api = Api(billing)
    base = f"/invoices/{invoice.pk}"
    made = api.post(f"{base}/payments", {"amount": "20.00", "received_on": "2026-12-05"})
    assert made.status_code == 201 and made.json()["amount"] == "20.00"
    assert_error(
        api.post(f"{base}/payments", {"amount": "100.01", "received_on": "2026-12-05"}),
        422,
        "amount",
    )
    listed = api.get(f"{base}/payments").json()
    assert listed["count"] == 1
    assert api.get(base).json()["amount_paid"] == "20.00"
    tag = api.get(base)["ETag"]
    assert api.post(f"{base}/paid", headers={"If-Match": tag}).json()["state"] == "paid"
    assert api.delete(f"{base}/payments/{made.json()['id']}").status_code == 204
    assert api.get(base).json()["state"] == "issued"


def test_api_send_deliveries_and_run_issue(billing, invoice, client_globex):
    api = Api(billing)
    sent = api.post(f"/invoices/{invoice.pk}/send")
    assert sent.status_code == 202 and sent.json()["state"] == "queued"
    assert api.post(f"/invoices/{invoice.pk}/send", {"kind": "reminder"}).status_code == 202
    assert api.get(f"/invoices/{invoice.pk}/deliveries").json()["count"] == 2
    assert_error(api.post(f"/invoices/{invoice.pk}/send", {"kind": "fax"}), 422, "kind")
    nobody = issued(client_globex, billing)
    assert_error(api.post(f"/invoices/{nobody.pk}/send"), 422, "recipients")
    run = InvoiceRun.objects.create(
        cut_off=MONDAY, started_by=billing, started_at=dates.now(), state="completed"
    )
    draft(invoice.client, run=run)
    draft(client_globex, run=run)
    body = api.post(f"/invoice-runs/{run.pk}/issue", {"send": True}).json()
    assert (body["issued"], body["failed"]) == (1, 1)
    assert "Nobody receives invoices" in body["results"][1]["error"]


@pytest.mark.parametrize("who", ["engineer", "approver"])
def test_api_refuses_engineers_and_approvers(request, who, invoice):
    api = Api(request.getfixturevalue(who))
    base = f"/invoices/{invoice.pk}"
    for response in (
        api.get(f"{base}/payments"),
        api.post(f"{base}/payments", {"amount": "1.00", "received_on": "2026-12-05"}),
        api.get(f"{base}/deliveries"),
        api.post(f"{base}/send"),
    ):
        assert response.status_code in (403, 404)


def test_stale_if_match_refuses_sending_and_removing_payments(billing, invoice):
    api = Api(billing)
    base = f"/invoices/{invoice.pk}"
    stale = api.get(base)["ETag"]
    payment = api.post(f"{base}/payments", {"amount": "1.00", "received_on": "2026-12-05"})
    assert_error(api.post(f"{base}/send", headers={"If-Match": stale}), 412)
    gone = api.http.delete(
        f"/api/v1{base}/payments/{payment.json()['id']}", headers={**api.headers, "If-Match": stale}
    )
    assert_error(gone, 412)
    assert not invoice.deliveries.exists() and invoice.payments.count() == 1


def test_invoice_page_queries_do_not_grow_with_payments_and_emails(
    billing, invoice, django_assert_max_num_queries
):
    http = login(billing)
    page = reverse("billing:invoice_detail", args=[invoice.pk])
    api = Api(billing)
    paid = {"amount": "1.00", "received_on": "2026-12-05"}
    api.post(f"/invoices/{invoice.pk}/send")
    api.post(f"/invoices/{invoice.pk}/payments", paid)
    with django_assert_max_num_queries(1_000) as few:
        assert http.get(page).status_code == 200
    budget = len(few.captured_queries)  # now: each request clears Django's query log
    for _ in range(5):
        api.post(f"/invoices/{invoice.pk}/send")
        api.post(f"/invoices/{invoice.pk}/payments", paid)
    with django_assert_max_num_queries(budget):
        http.get(page)


def test_admin_shows_payments_and_deliveries_read_only(admin, billing, invoice):
    Api(billing).post(f"/invoices/{invoice.pk}/send")
    Api(billing).post(
        f"/invoices/{invoice.pk}/payments", {"amount": "5.00", "received_on": "2026-12-05"}
    )
    admin.is_staff = admin.is_superuser = True  # Django's admin site wants its own flags
    admin.save()
    page = login(admin).get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert page.status_code == 200
    assert "ap@acme.example" in page.content.decode() and "5.00" in page.content.decode()
