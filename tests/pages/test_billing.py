"""Billing through the pages: preview, commit, list, detail, issue, void."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tallyhour.billing.models import Invoice, InvoiceRun, InvoiceState
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.factories import ClientFactory, TicketFactory
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db

RUN = reverse("billing:run")


@pytest.fixture
def approved(engineer, approver, ticket, remote_support):
    """95 minutes on Acme (GBP) and 30 on a euro client, approved."""
    euro = ClientFactory(name="Euro GmbH", currency="EUR", tax_rate=Decimal("19.00"))
    euro_ticket = TicketFactory(client=euro, summary="Switch swap", charge_type=remote_support)
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=95,
        ticket=ticket,
        note="Printer",
    )
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 13),
        duration_minutes=30,
        ticket=euro_ticket,
    )
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    return euro


def test_run_page_starts_with_the_form(billing, approved):
    page = login(billing).get(RUN).content.decode()
    assert "Preview a run first" in page and 'name="cut_off"' in page
    assert "Acme Ltd" in page and "Euro GmbH" in page  # client checkboxes


def test_preview_shows_lines_per_client_and_totals_per_currency(billing, approved):
    response = login(billing).get(RUN, {"cut_off": "2026-11-16"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Ltd" in page and "£142.20" in page  # 95 min is 1.58 h, × £90
    assert "€45.00" in page  # 30 min × 90 EUR
    assert "Commit: create 2 draft invoices" in page
    assert not InvoiceRun.objects.exists() and not Invoice.objects.exists()


def test_preview_for_chosen_clients(billing, approved, client_acme):
    page = login(billing).get(RUN, {"cut_off": "2026-11-16", "clients": [approved.pk]})
    text = page.content.decode()
    assert "Commit: create 1 draft invoice" in text and "€45.00" in text
    assert f'name="clients" value="{approved.pk}"' in text


def test_preview_before_the_work_has_nothing_to_bill(billing, approved):
    page = login(billing).get(RUN, {"cut_off": "2026-11-15"}).content.decode()
    assert "Nothing to bill" in page


def test_bad_cut_off_is_a_form_error(billing):
    response = login(billing).get(RUN, {"cut_off": "someday"})
    assert response.status_code == 422
    assert b"Enter a valid date" in response.content


def test_commit_then_issue_through_the_pages(billing, approved, client_acme):
    http = login(billing)
    response = http.post(
        reverse("billing:run_commit"), {"cut_off": "2026-11-16", "idempotency_key": "web-test-1"}
    )
    run = InvoiceRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:run_detail", args=[run.pk])
    summary = http.get(response["Location"]).content.decode()
    assert "Completed" in summary and "2 draft invoices" in summary
    assert Invoice.objects.filter(state=InvoiceState.DRAFT).count() == 2

    # A double-clicked Commit with the same key bills nothing again and makes no new run.
    http.post(
        reverse("billing:run_commit"), {"cut_off": "2026-11-16", "idempotency_key": "web-test-1"}
    )
    assert InvoiceRun.objects.count() == 1 and Invoice.objects.count() == 2

    listing = http.get(response["Location"]).content.decode()
    assert "created 2 draft invoices" in listing
    acme = Invoice.objects.get(client=client_acme)
    detail_url = reverse("billing:invoice_detail", args=[acme.pk])
    assert detail_url in listing

    detail = http.get(detail_url).content.decode()
    assert "£142.20" in detail and "£28.44" in detail and "£170.64" in detail
    assert "1.58" in detail and "£90.00" in detail  # hours, rate
    assert "1 time entry" in detail and "Printer" in detail
    assert "Test MSP" in detail and "Issue invoice" in detail

    response = http.post(reverse("billing:invoice_issue", args=[acme.pk]))
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.state == InvoiceState.ISSUED and acme.number
    detail = http.get(detail_url).content.decode()
    assert f"Issued invoice {acme.number}" in detail and "Void draft" not in detail

    # Issuing again is a message, not a server error.
    http.post(reverse("billing:invoice_issue", args=[acme.pk]))
    assert b"only drafts can be issued" in http.get(detail_url).content


def test_invoice_list_filters_by_state(billing, approved, client_acme):
    http = login(billing)
    http.post(reverse("billing:run_commit"), {"cut_off": "2026-11-16"})
    acme = Invoice.objects.get(client=client_acme)
    http.post(reverse("billing:invoice_issue", args=[acme.pk]))
    acme.refresh_from_db()
    issued = http.get(reverse("billing:invoice_list"), {"state": "issued"}).content.decode()
    drafts = http.get(reverse("billing:invoice_list"), {"state": "draft"}).content.decode()
    assert acme.number in issued and "Euro GmbH" not in issued
    assert "Euro GmbH" in drafts and acme.number not in drafts
    fragment = http.get(
        reverse("billing:invoice_list"), {"state": "draft"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and 'id="invoices"' in fragment


def test_void_draft_needs_a_reason_and_releases_time(billing, approved, client_acme):
    http = login(billing)
    http.post(reverse("billing:run_commit"), {"cut_off": "2026-11-16"})
    acme = Invoice.objects.get(client=client_acme)
    url = reverse("billing:invoice_void", args=[acme.pk])
    http.post(url, {"reason": ""})
    acme.refresh_from_db()
    assert acme.state == InvoiceState.DRAFT
    http.post(url, {"reason": "Wrong client"})
    acme.refresh_from_db()
    assert acme.state == InvoiceState.VOID
    assert not TimeEntry.objects.filter(invoice_line__invoice=acme).exists()
    assert b"Time released" in http.get(reverse("billing:invoice_detail", args=[acme.pk])).content


def test_billing_posts_are_refused_for_others(approver, engineer, approved):
    for user in (approver, engineer):
        response = login(user).post(reverse("billing:run_commit"), {"cut_off": "2026-11-16"})
        assert response.status_code == 302
    assert not InvoiceRun.objects.exists()


INVOICE_QUERY_BUDGET = 8  # 7 today, whatever the number of lines


@pytest.mark.parametrize("tickets", [1, 8])
def test_invoice_detail_query_budget(
    billing, engineer, approver, client_acme, remote_support, tickets, django_assert_max_num_queries
):
    for i in range(tickets):
        t = TicketFactory(client=client_acme, charge_type=remote_support)
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=at(MONDAY, 8 + i),
            duration_minutes=30,
            ticket=t,
        )
    submission_approve(
        submission=submission_submit(agent=engineer, week_start=MONDAY, actor=engineer),
        actor=approver,
    )
    http = login(billing)
    http.post(reverse("billing:run_commit"), {"cut_off": "2026-11-16"})
    url = reverse("billing:invoice_detail", args=[Invoice.objects.get().pk])
    http.get(url)
    with django_assert_max_num_queries(INVOICE_QUERY_BUDGET):
        response = http.get(url)
    assert response.content.decode().count("<details>") == tickets


def test_draft_edit_credit_paid_and_downloads(billing, approved, client_acme):
    http = login(billing)
    http.post(reverse("billing:run_commit"), {"cut_off": "2026-11-16"})
    invoice = Invoice.objects.filter(client=client_acme).get()
    detail = reverse("billing:invoice_detail", args=[invoice.pk])
    page = http.get(detail).content.decode()
    assert "Remove line" in page and "Add a manual line" in page
    http.post(
        reverse("billing:invoice_line_add", args=[invoice.pk]),
        {"description": "Cable", "quantity": "1", "unit_price": "12.50"},
    )
    first = invoice.lines.exclude(kind="manual").first()
    http.post(reverse("billing:invoice_line_remove", args=[invoice.pk, first.pk]))
    assert not invoice.lines.filter(pk=first.pk).exists()
    http.post(reverse("billing:invoice_issue", args=[invoice.pk]))
    for fmt, kind in (("pdf", b"%PDF"), ("xml", b"<?xml"), ("csv", b"invoice_id")):
        response = http.get(reverse("billing:invoice_download", args=[invoice.pk, fmt]))
        assert response.status_code == 200 and response.content.startswith(kind)
    assert (
        http.get(reverse("billing:invoice_download", args=[invoice.pk, "exe"])).status_code == 404
    )
    http.post(reverse("billing:invoice_paid", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    response = http.post(
        reverse("billing:invoice_credit", args=[invoice.pk]),
        {"reason": "Duplicate", "release_time": "on"},
    )
    credit = Invoice.objects.get(credits=invoice)
    assert response["Location"] == reverse("billing:invoice_detail", args=[credit.pk])
    assert credit.total == -invoice.total
    for kind in ("invoices", "lines", "accounting"):
        response = http.get(reverse("billing:invoice_list_csv", args=[kind]))
        assert response.status_code == 200 and invoice.number in response.content.decode()
    assert http.get(reverse("billing:invoice_list_csv", args=["nope"])).status_code == 404
