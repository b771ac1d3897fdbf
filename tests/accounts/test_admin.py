"""Configuration in Django admin still goes through the audited rules."""

import datetime as dt

from tallyhour.accounts.models import Organisation
from tallyhour.core.models import AuditEntry
from tests.conftest import login


def test_changing_the_lock_date_in_admin_is_audited(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    org = Organisation.current()
    http = login(admin)
    form = {
        "name": org.name,
        "timezone": org.timezone,
        "currency": org.currency,
        "lock_date": "2026-10-31",
        "invoice_number_format": org.invoice_number_format,
        "payment_terms_days": org.payment_terms_days,
        "address": org.address,
        "tax_id": org.tax_id,
        "email": org.email,
        "holiday_country": org.holiday_country,
        "holiday_subdivision": org.holiday_subdivision,
        "submission_mode": org.submission_mode,
        "submission_deadline_days": org.submission_deadline_days,
        "approval_reminder_days": org.approval_reminder_days,
        "capture_mode": org.capture_mode,
        "max_timer_hours": org.max_timer_hours,
        "timer_grace_minutes": org.timer_grace_minutes,
    }
    response = http.post(f"/admin/accounts/organisation/{org.pk}/change/", form)

    assert response.status_code == 302, response.content[:2000]
    org.refresh_from_db()
    assert org.lock_date == dt.date(2026, 10, 31)
    entry = AuditEntry.objects.get(action="organisation.lock_date")
    assert entry.actor == admin
    assert entry.after["lock_date"] == "2026-10-31"
    assert entry.reason == "Changed in administration"
