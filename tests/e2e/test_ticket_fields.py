"""A ticket's priority, site and end user set from its page in a real browser, then shown on it."""

import pytest
from playwright.sync_api import expect

from tallyhour.crm.models import Contact, Site
from tallyhour.servicedesk.models import TicketPriority
from tallyhour.servicedesk.services import action_create, ticket_update
from tests.e2e.conftest import ARTIFACTS, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_set_priority_site_and_end_user_from_the_ticket_page(
    new_page, live_server, engineer, ticket, client_acme, client_globex
):
    site = Site.objects.create(client=client_acme, name="Head office", address="1 High St")
    Site.objects.create(client=client_globex, name="Springfield plant")
    person = Contact.objects.create(
        client=client_acme, name="Grace Hopper", email="grace@acme.test"
    )
    # What an integration left on it: custom fields, and an action with its outcome.
    ticket_update(
        ticket=ticket,
        actor=engineer,
        changes={"custom_fields": {"Asset tag": "PR-7", "Under warranty": True}},
    )
    action_create(ticket=ticket, actor=engineer, body="Rang the user.", outcome="Phone call")
    page = new_page(engineer)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.locator(".timeline__outcome")).to_have_text("Phone call")
    facts = page.locator("section[aria-labelledby=ticket-facts-title]")
    expect(facts.locator(".badge--priority-3")).to_have_text("Medium")

    facts.get_by_text("Assign or change").click()
    # Only the ticket's client's sites are offered.
    expect(facts.locator("#edit_site option")).to_have_text(["—", "Head office"])
    facts.get_by_label("Priority").select_option(label="High")
    facts.get_by_label("Site").select_option(label="Head office")
    facts.get_by_label("End user").select_option(label="Grace Hopper (grace@acme.test)")
    facts.screenshot(path=str(ARTIFACTS / "ticket-fields-form.png"))
    facts.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")

    expect(page.get_by_text("Ticket updated.")).to_be_visible()
    expect(facts.locator(".badge--priority-2")).to_have_text("High")
    expect(facts.locator("dd", has_text="Head office")).to_be_visible()
    expect(facts.get_by_role("link", name="grace@acme.test")).to_have_attribute(
        "href", "mailto:grace@acme.test"
    )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.site, ticket.contact) == (TicketPriority.HIGH, site, person)
    shot(page, "ticket-fields-saved")
    facts.screenshot(path=str(ARTIFACTS / "ticket-fields-facts.png"))

    # The list shows the priority too, and filters by it.
    page.goto(f"{live_server.url}/tickets/?scope=&status=&priority=2")
    expect(page.locator("#tickets .badge--priority-2")).to_have_text("High")
    shot(page, "ticket-fields-list")
