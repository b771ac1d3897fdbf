"""The monthly invoice run: on the 1st (organisation time zone) the worker drafts invoices for
everything approved up to the end of the previous month, once."""

import datetime as dt

import pytest

from tallyhour.billing.models import Invoice, InvoiceRun
from tallyhour.billing.tasks import monthly_invoice_run, scheduled_run_actor
from tallyhour.core import tasks
from tallyhour.core.models import Task
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# 1 December 2026, 00:30 in London (GMT, so also 00:30 UTC).
FIRST = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def work(engineer, ticket):
    approved(engineer, ticket, at(MONDAY, 9), 3600)  # November: in the December run
    return approved(engineer, ticket, at(dt.date(2026, 12, 1), 9), 3600)  # December: not yet


def test_the_job_is_registered_hourly():
    (job,) = [j for j in tasks.periodic_jobs() if j.name == "billing.monthly_run"]
    assert job.every == dt.timedelta(hours=1) and job.func is monthly_invoice_run


def test_runs_on_the_first_with_last_month_as_cut_off(time_machine, admin, work):
    time_machine.move_to(FIRST, tick=False)
    run = monthly_invoice_run(now=FIRST)
    assert run is not None
    assert (run.cut_off, run.idempotency_key, run.started_by) == (
        dt.date(2026, 11, 30),
        "monthly-2026-11",
        admin,
    )
    (invoice,) = Invoice.objects.all()
    assert invoice.state == "draft" and invoice.period_end == dt.date(2026, 11, 30)
    work.refresh_from_db()
    assert work.invoice_line_id is None  # December's work waits for next month


def test_runs_once_however_often_the_worker_asks(time_machine, admin, work):
    time_machine.move_to(FIRST, tick=False)
    first = monthly_invoice_run(now=FIRST)
    again = monthly_invoice_run(now=FIRST + dt.timedelta(hours=5))
    assert again == first and InvoiceRun.objects.count() == 1 and Invoice.objects.count() == 1


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.UTC),  # the last evening of the month
        dt.datetime(2026, 12, 2, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 15, 12, tzinfo=dt.UTC),
    ],
)
def test_does_nothing_on_other_days(time_machine, admin, work, now):
    time_machine.move_to(now, tick=False)
    assert monthly_invoice_run(now=now) is None
    assert not InvoiceRun.objects.exists()


def test_the_first_is_in_the_organisation_time_zone(time_machine, org, admin, engineer, ticket):
    # 31 July 23:30 UTC is already 1 August in London (BST).
    now = dt.datetime(2026, 7, 31, 23, 30, tzinfo=dt.UTC)
    time_machine.move_to(now, tick=False)
    run = monthly_invoice_run(now=now)
    assert run is not None and run.cut_off == dt.date(2026, 7, 31)
    org.timezone = "America/New_York"
    org.save()
    assert monthly_invoice_run(now=now) is None  # still 31 July in New York


def test_without_an_admin_it_skips_and_says_so(time_machine, billing, caplog, work):
    time_machine.move_to(FIRST, tick=False)
    assert monthly_invoice_run(now=FIRST) is None
    assert "no active admin" in caplog.text and not InvoiceRun.objects.exists()


def test_the_first_active_admin_runs_it(org):
    UserFactory(username="gone", role="admin", is_active=False)
    first = UserFactory(username="first", role="admin")
    UserFactory(username="second", role="admin")
    assert scheduled_run_actor() == first


def test_the_worker_queues_and_runs_it(time_machine, admin, work):
    time_machine.move_to(FIRST, tick=False)
    tasks.run_once(now=FIRST)
    assert Task.objects.get(name="billing.monthly_run").state == "done"
    assert InvoiceRun.objects.get().idempotency_key == "monthly-2026-11"
