"""The whole chain through the pages only: log → submit → approve → preview → commit → issue."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tallyhour.billing.models import Invoice, InvoiceState
from tallyhour.timesheets.models import Submission
from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db


def test_chain_through_the_pages(engineer, approver, billing, ticket):
    agent = login(engineer)
    agent.post(
        reverse("timesheets:time_entry_create"),
        {
            "week": "2026-W47",
            "date": "2026-11-16",
            "start": "09:00",
            "duration": "95m",
            "ticket": str(ticket.pk),
            "note": "Printer",
        },
        **HTMX,
    )
    agent.post(
        reverse("timesheets:submission_submit", args=["2026-W47"]),
        {"agent": engineer.pk, "comment": "Short week"},
    )
    submission = Submission.objects.get(agent=engineer)

    login(approver).post(reverse("timesheets:submission_approve", args=[submission.pk]), **HTMX)

    money = login(billing)
    preview = money.get(reverse("billing:run"), {"cut_off": "2026-11-22"}).content.decode()
    assert "£142.20" in preview
    money.post(reverse("billing:run_commit"), {"cut_off": "2026-11-22", "idempotency_key": "k1"})
    invoice = Invoice.objects.get()
    money.post(reverse("billing:invoice_issue", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ISSUED and invoice.total == Decimal("170.64")

    week = agent.get(reverse("timesheets:week", args=["2026-W47"])).content.decode()
    assert "Invoiced" in week and "Approved" in week
