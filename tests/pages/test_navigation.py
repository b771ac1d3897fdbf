"""Where each role lands, what its navigation offers, the settings overview and the ticket
list's default view."""

import re

import pytest
from django.urls import reverse

from tallyhour.servicedesk.models import TicketStatus, TicketType
from tests.factories import TicketFactory
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db

LANDING = {
    "engineer": None,  # "/" is My week itself
    "approver": reverse("timesheets:approvals"),
    "billing": reverse("billing:run"),
    "admin": reverse("settings_overview"),
}

NAV = {
    "engineer": ["My week", "Tickets", "Clients"],
    "approver": ["My week", "Tickets", "Approvals", "Clients", "Reports"],
    "billing": ["Tickets", "Clients", "Contracts", "Billing", "Reports"],
    "admin": [
        "My week",
        "Tickets",
        "Approvals",
        "Clients",
        "Contracts",
        "Billing",
        "Reports",
        "Settings",
    ],
}


def nav_links(page: str) -> list[str]:
    nav = page[page.index('<nav class="nav" aria-label="Main">') :]
    nav = nav[: nav.index("</nav>")]
    return [
        re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", nav)
    ]


@pytest.mark.parametrize("persona", sorted(LANDING))
def test_each_role_lands_where_its_work_is(request, persona):
    user = request.getfixturevalue(persona)
    response = login(user).get(reverse("home"))
    if LANDING[persona] is None:
        assert response.status_code == 200 and b'class="ticket-picker"' in response.content
    else:
        assert response.status_code == 302 and response["Location"] == LANDING[persona]


@pytest.mark.parametrize("persona", sorted(LANDING))
def test_signing_in_leads_to_the_roles_start(request, client, persona):
    user = request.getfixturevalue(persona)
    user.save(update_fields=["password"])  # the factory does not save it
    response = client.post(reverse("login"), {"username": user.username, "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    landed = client.get(reverse("home"), follow=True)
    assert landed.status_code == 200
    expected = LANDING[persona] or reverse("home")
    assert landed.request["PATH_INFO"] == expected


@pytest.mark.parametrize("persona", sorted(NAV))
def test_navigation_per_role(request, persona):
    user = request.getfixturevalue(persona)
    page = login(user).get(reverse("servicedesk:ticket_list"))
    assert nav_links(page.content.decode()) == NAV[persona]


def test_my_week_has_its_own_address_for_everyone_who_logs_time(approver, admin):
    for user in (approver, admin):
        page = login(user).get(reverse("timesheets:my_week")).content.decode()
        assert f'href="{reverse("timesheets:my_week")}" aria-current="page">My week' in page


def test_settings_overview_links_every_settings_page(admin, org):
    page = login(admin).get(reverse("settings_overview")).content.decode()
    assert org.name in page and "Weekly" in page and "When a ticket is opened" in page
    for url in (
        reverse("admin:accounts_organisation_change", args=[org.pk]),
        reverse("admin:accounts_team_changelist"),
        reverse("admin:accounts_agent_changelist"),
        reverse("charge_types:list"),
        reverse("webhooks:page"),
        reverse("halo-applications"),
        reverse("tokens:page"),
    ):
        assert f'href="{url}"' in page
    assert 'aria-current="page">Settings' in page


@pytest.mark.parametrize("persona", ["engineer", "approver", "billing"])
def test_settings_overview_is_for_admins(request, persona):
    user = request.getfixturevalue(persona)
    assert login(user).get(reverse("settings_overview")).status_code == 403


# 4 today: session, user, notices, organisation.
SETTINGS_QUERY_BUDGET = 5


def test_settings_overview_query_budget(admin, django_assert_max_num_queries):
    http = login(admin)
    http.get(reverse("settings_overview"))
    with django_assert_max_num_queries(SETTINGS_QUERY_BUDGET):
        assert http.get(reverse("settings_overview")).status_code == 200


def test_ticket_list_opens_on_my_open_tickets(engineer, approver, client_acme):
    project_type = TicketType.objects.create(name="Project", is_project=True)
    project = TicketFactory(client=client_acme, summary="Office move", ticket_type=project_type)
    TicketFactory(
        client=client_acme,
        summary="Closed project task",
        assignee=engineer,
        project=project,
        status=TicketStatus.CLOSED,
    )
    TicketFactory(
        client=client_acme, summary="Resolved one", assignee=engineer, status=TicketStatus.RESOLVED
    )
    mine = TicketFactory(client=client_acme, summary="VPN drops", assignee=engineer)
    TicketFactory(client=client_acme, summary="Laptop order", assignee=approver)
    http = login(engineer)
    page = http.get(reverse("servicedesk:ticket_list")).content.decode()
    assert "VPN drops" in page
    for hidden in ("Closed project task", "Resolved one", "Laptop order"):
        assert hidden not in page
    assert 'aria-current="page">My open tickets' in page
    all_url = reverse("servicedesk:ticket_list") + "?scope=&amp;status="
    assert f'href="{all_url}"' in page
    everything = http.get(reverse("servicedesk:ticket_list"), {"scope": "", "status": ""})
    text = everything.content.decode()
    # Open tickets lead, then resolved, closed last.
    assert text.index(f"#{mine.pk}</span> VPN drops") < text.index("Resolved one")
    assert text.index("Resolved one") < text.index("Closed project task")
    assert 'aria-current="page">All tickets' in text
