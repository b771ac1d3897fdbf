"""Navigation by role in a real browser, at desktop and phone width: where each persona lands
on signing in, what its menu offers (the phone menu opened), the approval queue staying
compact with many submissions, a submission's own page, and the ticket picker found by
client name."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tallyhour.accounts.models import Role
from tallyhour.core import dates
from tallyhour.servicedesk.models import TicketStatus
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.services import submission_submit
from tallyhour.timetracking.services import time_entry_create
from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.factories import AgentFactory, ClientFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}

# Where "/" leads after signing in, the page's heading there, and the main navigation.
PERSONAS = {
    "engineer": ("/", "My week", ["My week", "Tickets", "Clients"]),
    "approver": (
        "/approvals/",
        "Approvals",
        ["My week", "Tickets", "Approvals", "Clients", "Reports"],
    ),
    "billing": ("/billing/", "Billing", ["Tickets", "Clients", "Contracts", "Billing", "Reports"]),
    "admin": (
        "/settings/",
        "Settings",
        [
            "My week",
            "Tickets",
            "Approvals",
            "Clients",
            "Contracts",
            "Billing",
            "Reports",
            "Settings",
        ],
    ),
}

# 30 submissions waiting at 1440 px: the queue must stay a page or two of rows, not cards
# of entries (it was about 12,000 px).
COMPACT_QUEUE_PX = 2500


def last_monday() -> dt.date:
    return dates.week_start(dates.now().date()) - dt.timedelta(days=7)


def open_menu_if_folded(page) -> None:  # noqa: ANN001
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible():
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_each_persona_lands_on_its_work_and_sees_its_menu(
    request, new_page, live_server, persona, width, client_acme
):
    user = request.getfixturevalue(persona)
    landing, heading, menu = PERSONAS[persona]
    page = new_page(user, viewport=WIDTHS[width])
    page.wait_for_url(live_server.url + landing)
    expect(page.locator("h1").first).to_contain_text(heading)
    nav = page.get_by_role("navigation", name="Main")
    if width == "phone":
        expect(nav).to_be_hidden()  # folded behind the menu button
    open_menu_if_folded(page)
    expect(nav).to_be_visible()
    assert [text.strip() for text in nav.get_by_role("link").all_inner_texts()] == menu
    shot(page, f"nav-{persona}-{width}")
    if persona == "engineer":
        # Tickets open on the engineer's own open tickets, with a way to see them all.
        TicketFactory(
            client=client_acme,
            summary="Closed project task",
            assignee=user,
            status=TicketStatus.CLOSED,
        )
        TicketFactory(client=client_acme, summary="VPN drops hourly", assignee=user)
        TicketFactory(client=client_acme, summary="Someone else's laptop")
        nav.get_by_role("link", name="Tickets").click()
        page.wait_for_url("**/tickets/")
        views = page.get_by_role("navigation", name="Ticket views")
        expect(views.get_by_role("link", name="My open tickets")).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.locator("#tickets")).to_contain_text("VPN drops hourly")
        expect(page.locator("#tickets")).not_to_contain_text("Closed project task")
        shot(page, f"nav-engineer-tickets-{width}")
        views.get_by_role("link", name="All tickets").click()
        page.wait_for_url("**/tickets/?scope=&status=")
        expect(views.get_by_role("link", name="All tickets")).to_have_attribute(
            "aria-current", "page"
        )
    if persona == "admin":
        nav.get_by_role("link", name="Contracts").click()
        page.wait_for_url("**/contracts/")
        open_menu_if_folded(page)
        expect(nav.get_by_role("link", name="Contracts")).to_have_attribute("aria-current", "page")


@pytest.fixture
def thirty_waiting(team_a, ticket, remote_support):
    monday = last_monday()
    for n in range(30):
        user = UserFactory(
            username=f"agent{n:02d}", first_name="Agent", last_name=f"{n:02d}", role=Role.ENGINEER
        )
        AgentFactory(user=user, default_charge_type=remote_support).teams.add(team_a)
        for day in range(3):
            time_entry_create(
                agent=user,
                actor=user,
                started_at=dt.datetime.combine(
                    monday + dt.timedelta(days=day), dt.time(9), tzinfo=dt.UTC
                ),
                duration_minutes=90 + n,
                ticket=ticket,
                note=f"Work {n}/{day}",
            )
        submission_submit(agent=user, week_start=monday, actor=user, comment=f"Week of agent {n}")
    return list(Submission.objects.order_by("submitted_at", "id"))


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_approvals_stay_compact_and_open_a_submission(
    new_page, live_server, approver, thirty_waiting, width
):
    page = new_page(approver, viewport=WIDTHS[width])
    page.goto(f"{live_server.url}/approvals/")
    expect(page.get_by_text("30 submissions waiting")).to_be_visible()
    rows = page.locator(".queue-row:not(.queue-row--head)")
    expect(rows).to_have_count(25)
    height = page.evaluate("document.documentElement.scrollHeight")
    shot(page, f"approvals-queue-{width}")
    if width == "desktop":
        assert height < COMPACT_QUEUE_PX, f"the approval queue is {height}px tall"

    # The second page holds the rest.
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**/approvals/?page=2")
    expect(rows).to_have_count(5)

    # Approve one straight from its row (htmx swaps the row for the outcome).
    newest = thirty_waiting[-1]
    row = page.locator(f"#submission-{newest.pk}")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#submission-{newest.pk}")).to_contain_text("Approved")
    newest.refresh_from_db()
    assert newest.state == SubmissionState.APPROVED

    # A submission's own page: its entries, with write-off and the decisions.
    oldest = thirty_waiting[0]
    page.goto(f"{live_server.url}/approvals/")
    page.locator(f"#submission-{oldest.pk}").get_by_role("link", name="Entries").click()
    page.wait_for_url(f"**/approvals/{oldest.pk}/")
    card = page.locator(f"#submission-{oldest.pk}")
    expect(card.get_by_text("Work 0/0")).to_be_visible()
    expect(card.get_by_text("Week of agent 0")).to_be_visible()
    expect(card.get_by_role("button", name="Reject all")).to_be_visible()
    shot(page, f"approvals-detail-{width}")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#submission-{oldest.pk}")).to_contain_text("Approved")
    oldest.refresh_from_db()
    assert oldest.state == SubmissionState.APPROVED


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_ticket_picker_finds_tickets_by_client_name(new_page, live_server, engineer, width):
    initech, globex = ClientFactory(name="Initech"), ClientFactory(name="Globex")
    # Two tickets with the same title: only the client tells them apart.
    theirs = TicketFactory(client=globex, summary="Printer offline")
    wanted = TicketFactory(client=initech, summary="Printer offline", assignee=engineer)
    page = new_page(engineer, viewport=WIDTHS[width])
    page.goto(f"{live_server.url}/week/")
    picker = page.locator("#id_ticket_q")  # the add-entry form's
    picker.fill("initech")
    results = page.locator("#id_ticket_results")
    option = results.get_by_role("option", name=f"#{wanted.pk} Printer offline")
    option.wait_for()
    expect(option).to_contain_text("Initech")
    expect(results.get_by_role("option", name=f"#{theirs.pk} Printer offline")).to_have_count(0)
    picker.scroll_into_view_if_needed()
    shot(page, f"ticket-picker-client-{width}")
    # The results fit the phone's width: no sideways scrolling.
    box = results.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width]["width"]
    option.click()
    expect(page.locator("#id_ticket")).to_have_value(str(wanted.pk))
    assert picker.input_value() == f"#{wanted.pk} Printer offline"
