"""Lists and detail views cost a fixed number of queries however much they hold."""

import datetime as dt

import pytest

from tallyhour.billing.services import invoice_run_execute
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.services import time_entry_create, timer_start
from tests.api.conftest import Api
from tests.conftest import MONDAY, at
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_week(engineer, approver, billing, other_engineer, remote_support, internal):
    """Six entries over three tickets of two clients, approved and invoiced; a draft the week
    after; another agent's running timer."""
    tickets = [TicketFactory(charge_type=remote_support) for _ in range(2)]
    tickets.append(TicketFactory(client=tickets[0].client))
    for hour, ticket in enumerate(tickets * 2):
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=at(MONDAY, 8 + hour),
            duration_minutes=45,
            ticket=ticket,
        )
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True)
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY + dt.timedelta(days=7), 9),
        duration_minutes=30,
        charge_type=internal,
    )
    timer_start(agent=other_engineer, actor=other_engineer)
    return tickets


@pytest.mark.parametrize(
    ("persona", "path", "budget"),
    [
        ("billing", "/time-entries?limit=500", 3),
        ("billing", "/tickets", 3),
        ("billing", "/clients", 3),
        ("billing", "/agents", 3),
        ("billing", "/submissions", 3),
        ("approver", "/submissions?awaiting_me=true", 4),
        ("billing", "/invoices", 3),
        ("billing", "/invoices/{invoice}", 3),
        # The calendar adds four: organisation, workdays, closure days, leave.
        ("engineer", "/timesheets/{engineer}/2026-W47", 11),
        ("billing", "/reports/utilisation?start=2026-11-16&end=2026-11-22", 10),
        ("other_engineer", "/timers", 3),
    ],
)
def test_query_budget(
    request, busy_week, billing, engineer, django_assert_max_num_queries, persona, path, budget
):
    from tallyhour.billing.models import Invoice

    api = Api(request.getfixturevalue(persona))
    api.get("/agents")  # the token's first use stamps it; later calls only read it
    url = path.format(invoice=Invoice.objects.first().pk, engineer=engineer.pk)
    with django_assert_max_num_queries(budget):
        response = api.http.get("/api/v1" + url, headers=api.headers)
    assert response.status_code == 200, response.content
