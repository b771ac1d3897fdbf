"""Returned entries can be fixed in place; per-ticket mode submits a ticket's time on close."""

import datetime as dt

import pytest

from tallyhour.accounts.models import Organisation
from tallyhour.core.errors import Conflict
from tallyhour.servicedesk.models import TicketStatus
from tallyhour.servicedesk.services import action_create
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.services import submission_reject_entries, submission_submit
from tallyhour.timetracking.models import EntryState
from tallyhour.timetracking.services import time_entry_create, time_entry_update
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_a_returned_entry_can_be_moved_within_its_week(engineer, approver, ticket):
    kept = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    wrong = time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 11),
        duration_minutes=60,
        ticket=ticket,
    )
    submission = submission_submit(
        agent=engineer, week_start=MONDAY, actor=engineer, comment="short week"
    )
    submission_reject_entries(
        submission=submission, entries=[wrong], actor=approver, reason="This was Tuesday"
    )
    wrong.refresh_from_db()
    assert wrong.state == EntryState.REJECTED
    moved = time_entry_update(
        entry=wrong,
        actor=engineer,
        changes={"started_at": at(MONDAY + dt.timedelta(days=1), 11), "duration_minutes": 60},
    )
    assert moved.started_at == at(MONDAY + dt.timedelta(days=1), 11)
    with pytest.raises(Conflict):  # still locked: the rest of the week waits for a decision
        time_entry_update(entry=kept, actor=engineer, changes={"note": "edit"})


def test_closing_a_ticket_in_per_ticket_mode_submits_its_time(engineer, ticket):
    org = Organisation.current()
    org.submission_mode = "per_ticket"
    org.save()
    now = at(MONDAY, 12)
    action_create(ticket=ticket, actor=engineer, body="Fixed", time_seconds=1800, now=now)
    action_create(
        ticket=ticket,
        actor=engineer,
        body="Done",
        new_status=TicketStatus.CLOSED,
        time_seconds=600,
        now=now + dt.timedelta(minutes=15),
    )
    submission = Submission.objects.get(agent=engineer)
    assert submission.kind == "ticket" and submission.ticket_id == ticket.pk
    assert submission.state == SubmissionState.SUBMITTED
    assert set(submission.entries.values_list("state", flat=True)) == {EntryState.SUBMITTED}
    assert submission.entries.count() == 2
    # A ticket submission does not lock the rest of the agent's week.
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 16), duration_minutes=30
    )
