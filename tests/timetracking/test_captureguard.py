"""Forgotten timers: capped at max hours or the workday end plus grace, flagged, never billed
until a person confirms them."""

import datetime as dt

import pytest
from django.core import mail

from tallyhour.billing.selectors import billable_entries
from tallyhour.core.errors import Conflict, Forbidden
from tallyhour.core.models import Notice
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.forgotten import timers_cap_forgotten
from tallyhour.timetracking.models import Timer
from tallyhour.timetracking.services import time_entry_confirm
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

FRIDAY = MONDAY + dt.timedelta(days=4)
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)


def test_a_timer_left_over_the_weekend_is_capped_flagged_and_not_billed(
    engineer, approver, ticket, django_capture_on_commit_callbacks
):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(FRIDAY, 16))
    with django_capture_on_commit_callbacks(execute=True):
        [entry] = timers_cap_forgotten(now=at(NEXT_MONDAY, 8))
    # Friday's workday ends 17:30; with an hour's grace the timer stops at 18:30.
    assert (entry.started_at, entry.ended_at) == (at(FRIDAY, 16), at(FRIDAY, 18, 30))
    assert entry.needs_review and entry.worked_seconds == int(2.5 * 3600)
    assert not Timer.objects.exists()
    notice = Notice.objects.get(user=engineer)
    assert "18:30" in notice.text and notice.read_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [engineer.email]

    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    assert not billable_entries(NEXT_MONDAY).exists()

    entry.refresh_from_db()
    confirmed = time_entry_confirm(entry=entry, actor=approver, worked_seconds=3600)
    assert (confirmed.needs_review, confirmed.worked_seconds) == (False, 3600)
    assert confirmed.ended_at == at(FRIDAY, 17)
    assert list(billable_entries(NEXT_MONDAY)) == [confirmed]


def test_max_timer_hours_caps_a_timer_started_after_hours(engineer, ticket, org):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 19))
    assert timers_cap_forgotten(now=at(MONDAY, 23)) == []  # evening work is not capped yet
    [entry] = timers_cap_forgotten(now=at(MONDAY + dt.timedelta(days=1), 6))
    assert entry.ended_at == at(MONDAY, 19) + dt.timedelta(hours=org.max_timer_hours)
    assert entry.needs_review


def test_a_timer_within_its_workday_is_left_alone(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    assert timers_cap_forgotten(now=at(MONDAY, 18, 29)) == []
    assert Timer.objects.filter(pk=timer.pk).exists()


def test_the_guard_runs_twice_harmlessly(engineer, ticket):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    assert len(timers_cap_forgotten(now=at(MONDAY, 22))) == 1
    assert timers_cap_forgotten(now=at(MONDAY, 22, 5)) == []


def test_workday_end_is_in_the_agents_zone(engineer, ticket, org):
    """Sydney (UTC+11): 08:00 Monday local is Sunday 21:00 UTC. The workday rule reads Monday
    there (ends 17:30 + 1 h grace = 07:30 UTC), not Sunday (no workday) in UTC."""
    org.max_timer_hours = 12
    org.save()
    profile = engineer.agent
    profile.timezone = "Australia/Sydney"
    profile.save()
    start = dt.datetime(2026, 11, 15, 21, 0, tzinfo=dt.UTC)
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=start)
    [entry] = timers_cap_forgotten(now=at(MONDAY, 12))
    assert entry.ended_at == at(MONDAY, 7, 30)
    assert entry.worked_seconds == int(10.5 * 3600)


def test_only_the_agent_or_their_approver_confirms(
    engineer, other_approver, approver, ticket, admin
):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    [entry] = timers_cap_forgotten(now=at(MONDAY, 22))
    with pytest.raises(Forbidden):
        time_entry_confirm(entry=entry, actor=other_approver)
    confirmed = time_entry_confirm(entry=entry, actor=engineer)
    assert confirmed.worked_seconds == int(9.5 * 3600)
    with pytest.raises(Conflict):
        time_entry_confirm(entry=confirmed, actor=engineer)
