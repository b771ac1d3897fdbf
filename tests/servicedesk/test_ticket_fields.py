"""A ticket's priority, site, end user, problem start and custom fields, and an action's outcome:
the services' rules, and the pages that show and set them."""

import datetime as dt

import pytest

from tallyhour.core.errors import InvalidInput
from tallyhour.crm.models import Contact, Site
from tallyhour.servicedesk.models import Ticket, TicketPriority
from tallyhour.servicedesk.services import action_create, ticket_create, ticket_update
from tests.factories import TicketFactory
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def head_office(client_acme) -> Site:
    return Site.objects.create(client=client_acme, name="Head office", address="1 High St")


@pytest.fixture
def globex_site(client_globex) -> Site:
    return Site.objects.create(client=client_globex, name="Springfield plant")


@pytest.fixture
def end_user(client_acme) -> Contact:
    return Contact.objects.create(client=client_acme, name="Grace Hopper", email="grace@acme.test")


@pytest.fixture
def globex_user(client_globex) -> Contact:
    return Contact.objects.create(client=client_globex, name="Homer", email="homer@globex.test")


# --- services -----------------------------------------------------------------------------------


def test_create_keeps_the_new_fields(engineer, client_acme, head_office, end_user):
    began = NOW - dt.timedelta(hours=3)
    ticket = ticket_create(
        client=client_acme,
        summary="Server down",
        priority=TicketPriority.CRITICAL,
        site=head_office,
        contact=end_user,
        occurred_at=began,
        custom_fields={"Asset": "SRV-1", "Users affected": 12},
        actor=engineer,
    )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.site, ticket.contact, ticket.occurred_at) == (
        TicketPriority.CRITICAL,
        head_office,
        end_user,
        began,
    )
    assert ticket.custom_fields == {"Asset": "SRV-1", "Users affected": 12}


def test_a_site_or_end_user_of_another_client_is_refused_naming_the_field(
    engineer, client_acme, globex_site, globex_user, ticket
):
    with pytest.raises(InvalidInput) as refused:
        ticket_create(client=client_acme, summary="x", site=globex_site, actor=engineer)
    assert "site_id" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        ticket_create(client=client_acme, summary="x", contact=globex_user, actor=engineer)
    assert "user_id" in refused.value.fields  # the service speaks Halo's name for it
    with pytest.raises(InvalidInput) as refused:
        ticket_update(ticket=ticket, actor=engineer, changes={"site": globex_site})
    assert "site_id" in refused.value.fields
    ticket.refresh_from_db()
    assert ticket.site is None and not Ticket.objects.filter(summary="x").exists()


@pytest.mark.parametrize(
    "fields",
    [[1], {"Nested": {"a": 1}}, {"": 1}, {"Long": "x" * 4001}, {f"f{i}": i for i in range(101)}],
)
def test_custom_fields_keep_their_shape_on_every_path(engineer, ticket, fields):
    with pytest.raises(InvalidInput) as refused:
        ticket_update(ticket=ticket, actor=engineer, changes={"custom_fields": fields})
    assert "customfields" in refused.value.fields
    ticket.refresh_from_db()
    assert ticket.custom_fields == {}


def test_an_unknown_priority_is_refused(engineer, ticket):
    with pytest.raises(InvalidInput) as refused:
        ticket_update(ticket=ticket, actor=engineer, changes={"priority": 9})
    assert "priority" in refused.value.fields


# --- the ticket page ----------------------------------------------------------------------------


def test_the_ticket_page_shows_the_new_fields(engineer, client_acme, head_office, end_user):
    ticket = ticket_create(
        client=client_acme,
        summary="Printer jams",
        priority=TicketPriority.HIGH,
        site=head_office,
        contact=end_user,
        occurred_at=dt.datetime(2026, 11, 17, 8, 15, tzinfo=dt.UTC),
        custom_fields={"Asset tag": "PR-7", "<b>Under warranty</b>": True, "Notes": None},
        actor=engineer,
    )
    action_create(ticket=ticket, actor=engineer, body="Called them", outcome="Phone call")
    page = login(engineer).get(f"/tickets/{ticket.pk}/").content.decode()
    assert '<span class="badge badge--priority-2">High</span>' in page
    assert "<dt>Site</dt><dd>Head office" in page
    assert "Grace Hopper" in page and 'href="mailto:grace@acme.test"' in page
    assert "<dt>Problem began</dt><dd>17 Nov 2026 08:15</dd>" in page
    # Custom fields by name, escaped, flags and nulls as words.
    assert "<dt>Asset tag</dt><dd>PR-7</dd>" in page
    assert "<dt>&lt;b&gt;Under warranty&lt;/b&gt;</dt><dd>Yes</dd>" in page
    assert "<b>Under warranty</b>" not in page
    assert "<dt>Notes</dt><dd>–</dd>" in page
    assert 'class="small timeline__outcome" title="Outcome">Phone call</span>' in page


def test_a_plain_ticket_shows_medium_and_no_empty_rows(engineer, ticket):
    page = login(engineer).get(f"/tickets/{ticket.pk}/").content.decode()
    assert '<span class="badge badge--priority-3">Medium</span>' in page
    for absent in ("<dt>Site</dt>", "<dt>End user</dt>", "Problem began", "Custom fields"):
        assert absent not in page


def test_the_edit_form_lists_only_the_clients_active_sites_and_end_users(
    engineer, ticket, head_office, end_user, globex_site, globex_user, client_acme
):
    Site.objects.create(client=client_acme, name="Old depot", is_active=False)
    page = login(engineer).get(f"/tickets/{ticket.pk}/").content.decode()
    form = page[page.index('id="edit_site"') :]
    assert "Head office" in form and "Grace Hopper (grace@acme.test)" in form
    for other in ("Springfield plant", "Homer", "Old depot"):
        assert other not in form


def test_the_edit_form_sets_priority_site_and_end_user(engineer, ticket, head_office, end_user):
    http = login(engineer)
    response = http.post(
        f"/tickets/{ticket.pk}/edit/",
        {"priority": "2", "site": head_office.pk, "contact": end_user.pk, "assignee": ""},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.site, ticket.contact) == (2, head_office, end_user)
    # A post naming only the assignee leaves the rest as it was.
    http.post(f"/tickets/{ticket.pk}/edit/", {"assignee": engineer.pk})
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.site, ticket.contact) == (2, head_office, end_user)
    assert ticket.assignee == engineer
    # Choosing the empty option clears them.
    http.post(f"/tickets/{ticket.pk}/edit/", {"site": "", "contact": ""})
    ticket.refresh_from_db()
    assert ticket.site is None and ticket.contact is None


def test_a_retired_site_stays_on_its_ticket_when_saving(engineer, ticket, head_office):
    ticket_update(ticket=ticket, actor=engineer, changes={"site": head_office})
    Site.objects.filter(pk=head_office.pk).update(is_active=False)
    http = login(engineer)
    page = http.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "(retired)" in page
    assert f'<option value="{head_office.pk}" selected>Head office</option>' in page
    http.post(f"/tickets/{ticket.pk}/edit/", {"site": head_office.pk, "priority": "4"})
    ticket.refresh_from_db()
    assert (ticket.site, ticket.priority) == (head_office, 4)


def test_the_edit_form_shows_a_refused_site_on_its_field(engineer, ticket, globex_site):
    response = login(engineer).post(
        f"/tickets/{ticket.pk}/edit/", {"site": globex_site.pk, "priority": "9"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "<details open>" in page
    site_field = page[page.index('<label for="edit_site">') :]
    assert 'class="field-error"' in site_field[: site_field.index("</div>")]
    priority_field = page[page.index('<label for="edit_priority">') :]
    assert 'class="field-error"' in priority_field[: priority_field.index("</div>")]
    ticket.refresh_from_db()
    assert ticket.site is None and ticket.priority == TicketPriority.MEDIUM


# --- the new-ticket form ------------------------------------------------------------------------


def test_new_ticket_lists_sites_and_end_users_under_their_client(
    engineer, head_office, end_user, globex_site, globex_user
):
    page = login(engineer).get("/tickets/new/").content.decode()
    assert '<optgroup label="Acme Ltd">' in page and '<optgroup label="Globex plc">' in page
    sites = page[page.index('name="site"') : page.index("</select>", page.index('name="site"'))]
    assert sites.index("Acme Ltd") < sites.index("Head office") < sites.index("Globex plc")
    assert "Springfield plant" in sites
    assert "Homer (homer@globex.test)" in page
    assert '<option value="3" selected>Medium</option>' in page


def test_new_ticket_sets_priority_site_and_end_user(engineer, client_acme, head_office, end_user):
    response = login(engineer).post(
        "/tickets/new/",
        {
            "client": client_acme.pk,
            "summary": "Scanner broken",
            "priority": "1",
            "site": head_office.pk,
            "contact": end_user.pk,
        },
    )
    ticket = Ticket.objects.get(summary="Scanner broken")
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.priority, ticket.site, ticket.contact) == (1, head_office, end_user)


def test_new_ticket_shows_a_site_of_another_client_on_the_field(
    engineer, client_acme, globex_site, globex_user
):
    response = login(engineer).post(
        "/tickets/new/",
        {"client": client_acme.pk, "summary": "Mixed up", "site": globex_site.pk},
    )
    assert response.status_code == 422
    page = response.content.decode()
    site_field = page[page.index('<label for="id_site">') :]
    assert "The site belongs to another client." in site_field[: site_field.index("</div>")]
    response = login(engineer).post(
        "/tickets/new/",
        {"client": client_acme.pk, "summary": "Mixed up", "contact": globex_user.pk},
    )
    page = response.content.decode()
    contact_field = page[page.index('<label for="id_contact">') :]
    assert (
        "The end user belongs to another client." in contact_field[: contact_field.index("</div>")]
    )
    assert not Ticket.objects.filter(summary="Mixed up").exists()


# --- the ticket list ----------------------------------------------------------------------------


def test_the_list_shows_and_filters_priority(engineer, client_acme):
    TicketFactory(client=client_acme, summary="Fire", assignee=engineer, priority=1)
    TicketFactory(client=client_acme, summary="Whenever", assignee=engineer, priority=4)
    http = login(engineer)
    page = http.get("/tickets/").content.decode()
    assert '<th scope="col">Priority</th>' in page
    assert '<span class="badge badge--priority-1">Critical</span>' in page
    critical = http.get("/tickets/", {"priority": "1"}).content.decode()
    assert "Fire" in critical and "Whenever" not in critical
    # A priority that is not one is ignored as the other bad filters are.
    assert http.get("/tickets/", {"priority": "x"}).status_code == 200
