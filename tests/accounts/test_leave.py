"""Leave, closure days and the lock date through the account services."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from tallyhour.accounts.models import ClosureDay, Leave, Organisation
from tallyhour.accounts.services import (
    closure_day_create,
    leave_create,
    leave_delete,
    organisation_set_lock_date,
)
from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput
from tallyhour.demo.calendar import load_demo_calendar
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


def test_agent_records_and_removes_own_leave(engineer):
    leave = leave_create(
        agent=engineer.agent,
        actor=engineer,
        first_day=MONDAY,
        last_day=MONDAY + dt.timedelta(days=1),
        hours=Decimal("4"),
        note=" Dentist ",
    )
    assert (leave.kind, leave.note, leave.created_by) == ("annual", "Dentist", engineer)
    assert history_for(leave).get().action == "leave.create"
    with pytest.raises(Conflict):
        leave_create(agent=engineer.agent, actor=engineer, first_day=MONDAY)
    leave_delete(leave=leave, actor=engineer)
    assert not Leave.objects.exists()


def test_leave_permissions_and_validation(engineer, approver, other_engineer, admin):
    with pytest.raises(Forbidden):
        leave_create(agent=engineer.agent, actor=other_engineer, first_day=MONDAY)
    assert leave_create(agent=engineer.agent, actor=approver, first_day=MONDAY).agent_id
    assert leave_create(
        agent=engineer.agent, actor=admin, first_day=MONDAY + dt.timedelta(days=1)
    ).agent_id
    with pytest.raises(InvalidInput):
        leave_create(
            agent=engineer.agent,
            actor=engineer,
            first_day=MONDAY,
            last_day=MONDAY - dt.timedelta(days=1),
        )
    with pytest.raises(InvalidInput):
        leave_create(
            agent=engineer.agent,
            actor=engineer,
            first_day=MONDAY + dt.timedelta(days=9),
            hours=Decimal("30"),
        )


def test_closure_days_and_lock_date_are_for_admins(engineer, admin):
    with pytest.raises(Forbidden):
        closure_day_create(day=MONDAY, name="Move", actor=engineer)
    closure_day_create(day=MONDAY, name="Office move", actor=admin)
    assert ClosureDay.objects.get().name == "Office move"
    with pytest.raises(Forbidden):
        organisation_set_lock_date(lock_date=MONDAY, actor=engineer)
    org = organisation_set_lock_date(lock_date=MONDAY, actor=admin, reason="Month closed")
    assert Organisation.current().lock_date == MONDAY
    row = history_for(org).get(action="organisation.lock_date")
    assert row.after == {"lock_date": MONDAY.isoformat()} and row.reason == "Month closed"


def test_demo_calendar(engineer, other_engineer):
    made = load_demo_calendar(random.Random(1), [engineer.agent, other_engineer.agent], MONDAY)
    assert len(made) == 2 and ClosureDay.objects.count() == 3
