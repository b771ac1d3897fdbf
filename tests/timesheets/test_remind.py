"""Reminders: only agents whose past week is unsubmitted after the deadline; approvers with
submissions waiting longer than the organisation allows."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from tallyhour.accounts.models import Leave
from tallyhour.timesheets.services import submission_submit
from tallyhour.timesheets.tasks import overdue_week, remind
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

SUNDAY = MONDAY + dt.timedelta(days=6)


def test_overdue_week():
    # Deadline two days after Sunday: overdue from Wednesday on.
    assert overdue_week(SUNDAY + dt.timedelta(days=2), 2) == MONDAY - dt.timedelta(days=7)
    assert overdue_week(SUNDAY + dt.timedelta(days=3), 2) == MONDAY
    assert overdue_week(SUNDAY + dt.timedelta(days=9), 2) == MONDAY


def test_only_late_agents_and_slow_approvers_are_reminded(
    engineer, other_engineer, approver, other_approver, admin, ticket
):
    on_time = at(SUNDAY + dt.timedelta(days=2), 12)
    late = at(SUNDAY + dt.timedelta(days=3), 12)
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    submission_submit(
        agent=engineer, week_start=MONDAY, actor=engineer, now=on_time - dt.timedelta(days=1)
    )
    # The admin was on leave all week: nothing to submit.
    Leave.objects.create(agent=admin.agent, first_day=MONDAY, last_day=SUNDAY)
    # Before the deadline only the week before (nothing logged, nothing submitted) is late.
    assert {monday for _, monday in remind(on_time, send=False).agents} == {
        MONDAY - dt.timedelta(days=7)
    }
    found = remind(late, send=False)
    reminded = {user.username for user, _ in found.agents}
    assert reminded == {"other_engineer", "approver", "other_approver"}
    assert found.approvers == []  # one day old, the limit is three
    found = remind(late + dt.timedelta(days=3), send=False)
    assert [(user.username, count) for user, count in found.approvers] == [("approver", 1)]


def test_remind_sends_mail_and_the_command_runs(
    engineer, approver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        remind(at(SUNDAY + dt.timedelta(days=3), 12))
    assert {m.to[0] for m in mail.outbox} == {engineer.email, approver.email}
    assert all("2026-W47" in m.body for m in mail.outbox)
    call_command("remind", "--dry-run")
