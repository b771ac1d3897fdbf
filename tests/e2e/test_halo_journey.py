"""Switching from HaloPSA, in a browser and with a real Halo client.

An admin adds the client's site on the client page and registers the RMM tool on Settings →
API applications (acting as the engineer needs an explicit tick). The tool, the unchanged
`haloitsm-python` client, raises a ticket for the site and logs yesterday's session with its
arrival and completion times; the engineer finds the ticket and the time on yesterday in
their week. Screenshots go to test-artifacts/screenshots/.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tallyhour.crm.models import Site
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import TimeEntry
from tests.e2e.conftest import next_wednesday_morning, shot

halo_itsm = pytest.importorskip("halo", reason="pip install haloitsm-python (dev extra)")

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_rmm_tool_moves_over_from_halo(
    new_page, live_server, time_machine, admin, engineer, client_acme
):
    url = live_server.url
    wednesday = next_wednesday_morning()
    time_machine.move_to(wednesday, tick=False)
    tuesday = wednesday.date() - dt.timedelta(days=1)

    # The admin adds the site the RMM tool reports for.
    page = new_page(admin)
    page.goto(f"{url}/clients/{client_acme.pk}/")
    sites = page.locator("#sites")
    sites.get_by_label("Name").last.fill("Leeds office")
    sites.get_by_role("button", name="Add site").click()
    expect(
        page.locator("#sites").get_by_role("cell", name="Leeds office", exact=True)
    ).to_be_visible()
    site = Site.objects.get(name="Leeds office")
    shot(page, "halo-journey-01-client-site")

    # Registering the tool to act as the engineer needs the explicit choice.
    page.goto(f"{url}/settings/api-applications/")
    page.get_by_label("Name").fill("RMM alerts")
    page.get_by_label("Acts as").select_option(str(engineer.pk))
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("tick this to confirm the application acts as them")).to_be_visible()
    shot(page, "halo-journey-02-application-needs-consent")
    page.get_by_label("Name").fill("RMM alerts")
    page.get_by_label("Acts as").select_option(str(engineer.pk))
    page.get_by_label(re.compile("act as someone other than me")).check()
    page.get_by_role("button", name="Create").click()
    created = page.get_by_role("status").inner_text()
    client_id = re.search(r"client_id: (\S+)", created).group(1)
    secret = re.search(r"client_secret: (\S+)", created).group(1)
    expect(page.get_by_role("cell", name="RMM alerts", exact=True)).to_be_visible()
    shot(page, "halo-journey-03-application-created")

    # The tool, configured with this server instead of Halo's, does its work.
    rmm = halo_itsm.HaloClient(
        base_url=f"{url}/api", client_id=client_id, client_secret=secret, max_retries=0
    )
    try:
        ticket = rmm.tickets.create(
            {
                "summary": "Disk space low on FS01",
                "details_html": "<p>Drive <b>D:</b> is 95% full</p>",
                "site_id": site.pk,
                "priority_id": 2,
            }
        )
        ticket.add_action(
            {
                "note": "Cleared old shadow copies",
                "actionarrivaldate": f"{tuesday}T14:00:00Z",
                "actioncompletiondate": f"{tuesday}T15:30:00Z",
                "outcome": "Remote session",
            }
        )
    finally:
        rmm.session.session.close()
    saved = Ticket.objects.get(pk=ticket.id)
    assert (saved.client_id, saved.site_id, saved.priority) == (client_acme.pk, site.pk, 2)
    [entry] = TimeEntry.objects.all()
    assert entry.worked_seconds == 5400 and entry.started_at.date() == tuesday

    # The engineer sees the ticket and the hour and a half on Tuesday, not "now".
    mine = new_page(engineer)
    mine.goto(f"{url}/tickets/{saved.pk}/")
    expect(mine.get_by_role("heading", name=re.compile("Disk space low on FS01"))).to_be_visible()
    expect(mine.get_by_text("Cleared old shadow copies")).to_be_visible()
    # The action is dated when its work ended, yesterday, not when the tool sent it.
    expect(mine.get_by_text(f"{tuesday:%-d %b} 15:30")).to_be_visible()
    facts = mine.get_by_role("region", name="Details")
    expect(facts.get_by_role("definition").filter(has_text="Leeds office")).to_be_visible()
    expect(facts.get_by_role("definition").filter(has_text="High")).to_be_visible()
    shot(mine, "halo-journey-04-ticket")
    mine.goto(f"{url}/day/{tuesday}/")
    expect(mine.get_by_text("Cleared old shadow copies").first).to_be_visible()
    expect(mine.get_by_text("1:30").first).to_be_visible()
    shot(mine, "halo-journey-05-engineers-tuesday")
