"""Ticket pages: list, detail with timer and actions, new ticket, project budget, notices."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.core.models import Notice
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus
from tallyhour.servicedesk.services import action_create, ticket_create, ticket_open
from tallyhour.timetracking.models import Timer, TimerState
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.factories import ClientFactory, TicketFactory
from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_list_filters_search_and_pages(engineer, approver, client_acme):
    mine = TicketFactory(client=client_acme, summary="VPN drops", assignee=engineer)
    TicketFactory(client=client_acme, summary="Laptop order", assignee=approver)
    other = ClientFactory(name="Beta plc")
    TicketFactory(client=other, summary="New starter", status=TicketStatus.CLOSED)
    http = login(engineer)
    everything = {"scope": "", "status": ""}
    page = http.get("/tickets/", everything).content.decode()
    assert "VPN drops" in page and "Laptop order" in page and "New starter" in page
    assert 'aria-current="page">Tickets' in page
    only_mine = http.get("/tickets/", {"scope": "mine"}).content.decode()
    assert "VPN drops" in only_mine and "Laptop order" not in only_mine
    team = http.get("/tickets/", {"scope": "team"}).content.decode()
    assert "VPN drops" in team and "Laptop order" not in team  # approver is not in team A
    by_client = http.get("/tickets/", {**everything, "client": other.pk}).content.decode()
    assert "New starter" in by_client and "VPN drops" not in by_client
    open_only = http.get("/tickets/", {"scope": "", "status": "open"}).content.decode()
    assert "New starter" not in open_only and "Laptop order" in open_only
    assert "Laptop" in http.get("/tickets/", {**everything, "q": "lapt"}).content.decode()
    assert "VPN drops" in http.get("/tickets/", {"q": f"#{mine.pk}"}).content.decode()
    fragment = http.get("/tickets/", {"q": "vpn"}, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section class="card card--flush" id="tickets"')


def test_list_pages(engineer, client_acme):
    for i in range(30):
        TicketFactory(client=client_acme, summary=f"Ticket number {i}", assignee=engineer)
    http = login(engineer)
    first = http.get("/tickets/").content.decode()
    assert "Page 1 of 2" in first and "Ticket number 29" in first
    second = http.get("/tickets/", {"page": 2}).content.decode()
    assert "Ticket number 0" in second


def work(http, ticket):  # noqa: ANN001, ANN201
    """Open the ticket's page as a browser does: the GET, then the page's capture POST."""
    http.get(f"/tickets/{ticket.pk}/")
    return http.post(f"/tickets/{ticket.pk}/open/", **HTMX)


def test_viewing_starts_nothing_and_the_pages_post_starts_the_timer(engineer, ticket):
    ticket.assignee = engineer
    ticket.save()
    http = login(engineer)
    page = http.get(f"/tickets/{ticket.pk}/").content.decode()
    assert not Timer.objects.exists()  # a GET changes nothing
    assert f'hx-post="/tickets/{ticket.pk}/open/"' in page and "data-capture-on-open" in page
    assert "Opening a ticket assigned to you" in page
    fragment = http.post(f"/tickets/{ticket.pk}/open/", **HTMX).content.decode()
    timer = Timer.objects.get(agent=engineer, ticket=ticket)
    assert timer.state == TimerState.RUNNING
    assert 'id="header-timer"' in fragment and 'hx-swap-oob="true"' in fragment
    assert f"#{ticket.pk} Printer offline" in fragment
    assert f"/timers/{timer.pk}/pause/" in fragment and f"/timers/{timer.pk}/stop/" in fragment
    assert "data-capture-on-open" not in fragment  # it runs: nothing more to ask


def test_someone_elses_ticket_starts_and_pauses_nothing(engineer, approver, ticket, client_acme):
    mine = TicketFactory(client=client_acme, assignee=engineer)
    ticket.assignee = approver
    ticket.save()
    http = login(engineer)
    work(http, mine)
    page = http.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "data-capture-on-open" not in page
    http.post(f"/tickets/{ticket.pk}/open/", **HTMX)  # even if asked
    assert list(Timer.objects.values_list("ticket_id", "state")) == [(mine.pk, TimerState.RUNNING)]


def test_after_a_stop_the_page_does_not_start_it_again(engineer, ticket, time_machine):
    ticket.assignee = engineer
    ticket.save()
    http = login(engineer)
    work(http, ticket)
    timer = Timer.objects.get()
    time_machine.move_to(NOW + dt.timedelta(minutes=30), tick=False)
    back = f"/tickets/{ticket.pk}/"
    response = http.post(
        f"/timers/{timer.pk}/stop/",
        {"next": back, "log_as": "entry", "time": "0:30", "offered": "0:30", "note": "Fixed"},
    )
    assert response.status_code == 302 and response["Location"] == back
    page = http.get(back).content.decode()
    assert "data-capture-on-open" not in page
    http.post(f"/tickets/{ticket.pk}/open/", **HTMX)
    assert not Timer.objects.exists()
    time_machine.move_to(NOW + dt.timedelta(hours=3), tick=False)  # the hold has lapsed
    work(http, ticket)
    assert Timer.objects.get().state == TimerState.RUNNING


def test_starting_by_hand_lifts_the_hold(engineer, ticket):
    ticket.assignee = engineer
    ticket.save()
    http = login(engineer)
    work(http, ticket)
    http.post(f"/timers/{Timer.objects.get().pk}/pause/", {"next": f"/tickets/{ticket.pk}/"})
    assert "data-capture-on-open" not in http.get(f"/tickets/{ticket.pk}/").content.decode()
    http.post(f"/tickets/{ticket.pk}/work/")
    assert Timer.objects.get().state == TimerState.RUNNING


def test_adding_an_action_logs_the_offered_time(engineer, ticket, time_machine):
    ticket.assignee = engineer
    ticket.save()
    http = login(engineer)
    work(http, ticket)
    time_machine.move_to(NOW + dt.timedelta(minutes=20), tick=False)
    page = http.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'value="0:20"' in page  # the offer, prefilled
    time_machine.move_to(NOW + dt.timedelta(minutes=25), tick=False)
    response = http.post(
        f"/tickets/{ticket.pk}/actions/",
        {"kind": "note", "body": "Replaced the fuser", "time": "0:20", "offered": "0:20"},
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.time_entry.worked_seconds == 25 * 60  # untouched: what the timer counted
    page = http.get(response["Location"], follow=True).content.decode()
    assert "Replaced the fuser" in page and "0:25" in page


def test_an_edited_time_wins_and_status_changes_apply(engineer, ticket, time_machine):
    ticket.assignee = engineer
    ticket.save()
    http = login(engineer)
    work(http, ticket)
    time_machine.move_to(NOW + dt.timedelta(minutes=40), tick=False)
    http.post(
        f"/tickets/{ticket.pk}/actions/",
        {
            "kind": "note",
            "body": "Waiting on parts",
            "new_status": "on_hold",
            "time": "0:30",
            "offered": "0:40",
            "billable": "no",
        },
    )
    action = Action.objects.get()
    assert action.time_entry.worked_seconds == 30 * 60
    assert action.time_entry.is_billable is False
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ON_HOLD
    assert Timer.objects.get().state == TimerState.PAUSED


def test_a_bad_action_shows_a_message(engineer, ticket):
    http = login(engineer)
    response = http.post(
        f"/tickets/{ticket.pk}/actions/", {"kind": "note", "body": ""}, follow=True
    )
    assert "Write something." in response.content.decode()
    assert not Action.objects.exists()


def test_on_action_mode_starts_the_timer_from_an_action_button(engineer, ticket, org):
    org.capture_mode = "on_action"
    org.save()
    http = login(engineer)
    page = http.get(f"/tickets/{ticket.pk}/").content.decode()
    assert not Timer.objects.exists()
    assert "Pressing one starts your timer" in page
    response = http.post(f"/tickets/{ticket.pk}/work/", {"kind": "reply"})
    assert response["Location"].endswith("?kind=reply#compose")
    assert Timer.objects.get().state == TimerState.RUNNING
    page = http.get(response["Location"]).content.decode()
    assert 'value="reply" selected' in page


def test_assign_and_create(engineer, approver, client_acme):
    http = login(engineer)
    response = http.post(
        "/tickets/new/", {"client": client_acme.pk, "summary": "Wi-Fi slow", "assignee": ""}
    )
    ticket = Ticket.objects.get(summary="Wi-Fi slow")
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    http.post(f"/tickets/{ticket.pk}/edit/", {"assignee": approver.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == approver
    invalid = http.post("/tickets/new/", {"summary": ""})
    assert invalid.status_code == 422


def test_project_page_shows_budget_against_actual(engineer, client_acme, admin, internal):
    from tallyhour.servicedesk.models import TicketType

    kind = TicketType.objects.create(name="Project", is_project=True)
    project = ticket_create(
        client=client_acme, summary="Office move", ticket_type=kind, actor=admin
    )
    task = ticket_create(
        client=client_acme,
        summary="Cable the new floor",
        project=project,
        budget_hours=Decimal("2"),
        actor=admin,
    )
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=150, ticket=task
    )
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 13),
        duration_minutes=30,
        ticket=project,
        charge_type=internal,
    )
    page = login(engineer).get(f"/tickets/{project.pk}/project/").content.decode()
    assert "Cable the new floor" in page
    assert "2:30" in page  # actual on the task, over its 2:00 budget
    assert 'class="row--over"' in page
    assert "3:00" in page  # total actual: task plus project's own time


def test_notices_page_and_header_count(engineer):
    Notice.objects.create(user=engineer, text="Your timer was stopped", created_at=NOW)
    http = login(engineer)
    page = http.get("/notices/").content.decode()
    assert "Your timer was stopped" in page
    assert 'class="notices-link__count">1' in page
    http.post("/notices/read/", {})
    assert Notice.objects.get().read_at is not None
    assert "notices-link__count" not in http.get("/notices/").content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_ticket_detail_query_budget_does_not_grow(
    engineer, ticket, count, django_assert_max_num_queries
):
    for i in range(count):
        ticket_open(ticket=ticket, actor=engineer, now=NOW - dt.timedelta(hours=2, minutes=-i))
        action_create(
            ticket=ticket,
            actor=engineer,
            body=f"step {i}",
            now=NOW - dt.timedelta(hours=2, minutes=-i - 1),
        )
    http = login(engineer)
    http.get(f"/tickets/{ticket.pk}/")
    with django_assert_max_num_queries(DETAIL_QUERY_BUDGET):
        page = http.get(f"/tickets/{ticket.pk}/")
    assert page.content.decode().count("timeline__item ") == count


@pytest.mark.parametrize("count", [3, 30])
def test_ticket_list_query_budget_does_not_grow(
    engineer, approver, client_acme, count, django_assert_max_num_queries
):
    for i in range(count):
        TicketFactory(client=client_acme, assignee=approver if i % 2 else engineer)
    http = login(engineer)
    http.get("/tickets/")
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = http.get("/tickets/")
    assert response.status_code == 200


# 15 today: session, user, ticket (its client, site and end user joined), header, timer,
# organisation, totals, actions, and the forms' choices (charge types, assignees, teams, the
# client's sites and end users, types, charge types). Constant whatever the number of actions.
DETAIL_QUERY_BUDGET = 20
LIST_QUERY_BUDGET = 7  # 6 today: session, user, header, clients, count, page
