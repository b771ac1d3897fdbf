"""The whole chain at service level: log → submit → approve → invoice run → issue."""

from decimal import Decimal

import pytest

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core.errors import Conflict, Forbidden
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.services import time_entry_create, time_entry_update
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_entry_to_issued_invoice(engineer, approver, billing, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=95, ticket=ticket
    )
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    with pytest.raises(Forbidden):
        submission_approve(submission=submission, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    entry.refresh_from_db()
    with pytest.raises(Conflict, match="approved"):
        time_entry_update(entry=entry, actor=engineer, changes={"note": "late edit"})

    result = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True)
    [invoice] = result.invoices
    [line] = invoice.lines.all()
    # 95 min is 1.58 h (hundredths, half-up); 1.58 h × £90 = £142.20; 20 % tax = £28.44.
    assert (line.billed_seconds, line.quantity, line.rate, line.amount) == (
        5700,
        Decimal("1.58"),
        Decimal("90.00"),
        Decimal("142.20"),
    )
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (
        Decimal("142.20"),
        Decimal("28.44"),
        Decimal("170.64"),
    )
    assert invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True).invoices == []

    issued = invoice_issue(invoice=invoice, actor=billing)
    assert issued.number == f"INV-{issued.issue_date.year}-000001"
    assert issued.buyer_name == "Acme Ltd" and issued.seller_name == "Test MSP"
