"""The searchable ticket picker in a real browser: type, pick, start a timer; and the same
form without JavaScript, typing a ticket number."""

import pytest
from playwright.sync_api import expect

from tallyhour.timetracking.models import Timer, TimerState
from tests.e2e.conftest import shot
from tests.factories import ClientFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_pick_a_ticket_by_searching_and_start_its_timer(new_page, live_server, engineer):
    globex = ClientFactory(name="Globex")
    TicketFactory(client=globex, summary="Mail server queue stuck")
    wanted = TicketFactory(client=globex, summary="Printer jams on tray 2", assignee=engineer)
    page = new_page(engineer)
    page.goto(f"{live_server.url}/")
    picker = page.locator("#timer_ticket_q")
    picker.fill("printer")
    option = page.locator("#timer_ticket_results").get_by_role("option", name="Printer jams")
    option.wait_for()
    assert "Globex" in option.inner_text()
    shot(page, "ticket-picker-results")
    option.click()
    # A locator wait: a string predicate would need eval, which the page's CSP refuses.
    expect(page.locator("#timer_ticket")).to_have_value(str(wanted.pk))
    assert picker.input_value() == f"#{wanted.pk} Printer jams on tray 2"
    page.get_by_role("button", name="Start timer").click()
    page.wait_for_load_state("networkidle")
    assert Timer.objects.filter(agent=engineer, ticket=wanted, state=TimerState.RUNNING).exists()
    shot(page, "ticket-picker-my-week-timer-running")


def test_without_javascript_a_ticket_number_is_enough(new_page, live_server, engineer, ticket):
    page = new_page(engineer, javascript=False)
    page.locator("#timer_ticket_q").fill(str(ticket.pk))
    page.get_by_role("button", name="Start timer").click()
    page.wait_for_load_state()
    assert Timer.objects.filter(agent=engineer, ticket=ticket, state=TimerState.RUNNING).exists()
    shot(page, "ticket-picker-no-js")
