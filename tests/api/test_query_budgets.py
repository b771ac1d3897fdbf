"""Lists and detail views cost a fixed number of queries however much they hold."""

import datetime as dt

import pytest

from tallyhour.billing.runs import invoice_run_execute
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
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


def test_timer_and_entry_writes_cost_a_fixed_number_of_statements(
    engineer, ticket, django_assert_max_num_queries
):
    """The API's hottest writes: token, agent lock, checks, insert, audit row. Inside the test's
    own transaction each service's BEGIN/COMMIT is a SAVEPOINT/RELEASE pair, counted here,
    and the "no webhook subscribers" answer is never cached (it is, once committed).
    A stop writes its entry inside its own transaction (no second savepoint or lock) and
    reuses the timer's agent, ticket and charge type already read (it took 17 before)."""
    import time_machine

    api = Api(engineer)
    api.get("/agents")  # the token's first use stamps it; later calls only read it
    with time_machine.travel(at(MONDAY, 9), tick=False) as clock:
        # token, ticket, lock, running timers, insert, audit (+ savepoint pair)
        with django_assert_max_num_queries(8):
            started = api.post("/timers", {"ticket_id": ticket.pk})
        assert started.status_code == 201, started.content
        clock.shift(dt.timedelta(minutes=20))
        # token, timer, lock, locked timer, organisation (discard threshold, lock date),
        # closed day, overlap, entry, 2 audit rows, delete (+ savepoint pair, webhook
        # subscribers)
        with django_assert_max_num_queries(14):
            stopped = api.post(f"/timers/{started.json()['id']}/stop")
        assert stopped.status_code == 200 and stopped.json()["entry"], stopped.content
        # token, lock, lock date, week, overlap, insert, audit (+ 3 as above)
        with django_assert_max_num_queries(10):
            logged = api.post(
                "/time-entries", {"started_at": "2026-11-16T11:00:00Z", "duration_minutes": 30}
            )
        assert logged.status_code == 201, logged.content
