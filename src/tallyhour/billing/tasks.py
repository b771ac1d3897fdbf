"""Background jobs for billing: the monthly invoice run, emailing invoices, reminders.

On the 1st of each month (the organisation's time zone) the worker commits an invoice run with
the cut-off on the last day of the previous month. It only makes drafts: issuing stays a
person's decision, so a scheduled run can never send anything to a client by itself.

The run is started by the first active admin user (lowest id): runs need a billing-role actor
for the permission check and the audit log, and borrowing an existing admin avoids a login-less
"system" account turning up in user lists and agent pickers. The idempotency key
`monthly-YYYY-MM` (the month billed) makes the job safe to queue many times that day: a second
call returns the first run, and a run killed part-way is finished by the next call.
"""

import datetime as dt
import logging

from django.db.models import Q

from tallyhour.accounts.models import Organisation, Role, User
from tallyhour.billing.delivery import DELIVER_TASK, delivery_run, reminders_send
from tallyhour.billing.models import InvoiceRun
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core import dates
from tallyhour.core.tasks import register_periodic, register_task

log = logging.getLogger(__name__)

# Checked hourly; the job does nothing except on the 1st, so a worker that was down for an hour
# or two that morning still catches up the same day.
MONTHLY_RUN_CHECK_EVERY = dt.timedelta(hours=1)
# Reminders go out once a day at most per invoice (delivery.reminders_due); checking hourly
# means a worker that was down catches up the same day.
REMINDERS_CHECK_EVERY = dt.timedelta(hours=1)


def monthly_run_key(cut_off: dt.date) -> str:
    return f"monthly-{cut_off:%Y-%m}"


def scheduled_run_actor() -> User | None:
    """Who the scheduled run is recorded against: the first active admin user."""
    admins = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    return admins.order_by("pk").first()


def monthly_invoice_run(now: dt.datetime | None = None) -> InvoiceRun | None:
    """On the 1st, draft invoices for everything billable up to the end of last month."""
    now = now or dates.now()
    today = dates.local_date(now, dates.zone(Organisation.current().timezone))
    if today.day != 1:
        return None
    actor = scheduled_run_actor()
    if actor is None:
        log.warning("monthly invoice run skipped: no active admin user to run it as")
        return None
    cut_off = today - dt.timedelta(days=1)
    result = invoice_run_execute(
        cut_off=cut_off,
        actor=actor,
        commit=True,
        idempotency_key=monthly_run_key(cut_off),
        now=now,
    )
    return result.run


def register() -> None:
    register_periodic("billing.monthly_run", MONTHLY_RUN_CHECK_EVERY, monthly_invoice_run)
    register_periodic("billing.reminders", REMINDERS_CHECK_EVERY, reminders_send)
    register_task(DELIVER_TASK, delivery_run)
