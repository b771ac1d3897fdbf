"""Halo's directory and reference endpoints, one contract test per endpoint and field.

Reference lists (Status, Priority, Outcome, TicketType, Team, Lookup) are plain arrays; entity
lists (Agent, Client, Site, Users, ClientContract, Projects) come in Halo's envelope.
"""

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tallyhour import halo
from tallyhour.contracts.models import Contract
from tallyhour.crm.models import Contact, Site
from tallyhour.halo.statuses import halo_status_create
from tallyhour.servicedesk.models import TicketStatus, TicketType
from tests.conftest import MONDAY
from tests.factories import AgentFactory, TeamFactory, TicketFactory, UserFactory
from tests.halo.test_halo_api import Halo

pytestmark = pytest.mark.django_db


@pytest.fixture
def halo_billing(frozen, billing, admin):
    return Halo(billing, admin)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 16, 15, 0, tzinfo=dt.UTC), tick=False)


@pytest.mark.parametrize("name", ["directory.py", "directory_schemas.py"])
def test_reads_go_through_selectors_only(name):
    tree = ast.parse((Path(halo.__file__).parent / name).read_text())
    managers = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}
    ]
    assert managers == []


# --- Status, Priority, Outcome --------------------------------------------------------------


def test_status_is_a_plain_array_of_builtin_then_custom_ids(halo_billing, admin):
    halo_status_create(halo_id=21, name="Waiting on Client", status="on_hold", actor=admin)
    rows = halo_billing.get("/api/Status").json()
    assert [r["id"] for r in rows] == [1, 2, 4, 8, 9, 21]
    assert rows[-1] == {
        "id": 21,
        "name": "Waiting on Client",
        "type": "ticket",
        "status": "on_hold",
        "isclosed": False,
    }
    assert rows[4]["name"] == "Closed" and rows[4]["isclosed"] is True
    assert halo_billing.get("/api/Status/21").json()["name"] == "Waiting on Client"
    assert halo_billing.get("/api/Status/3").status_code == 404


def test_status_filters_type_excludeclosed_excludepending(halo_billing):
    assert halo_billing.get("/api/Status", type="opportunity").json() == []
    assert len(halo_billing.get("/api/Status", type="ticket").json()) == 5
    open_ids = [r["id"] for r in halo_billing.get("/api/Status", excludeclosed="true").json()]
    assert open_ids == [1, 2, 4, 8]
    ids = [r["id"] for r in halo_billing.get("/api/Status", excludepending="True").json()]
    assert ids == [1, 2, 8, 9]


def test_priority_ids_are_halos_defaults(halo_billing):
    rows = halo_billing.get("/api/Priority").json()
    assert rows == [
        {"id": 1, "priorityid": 1, "name": "Critical"},
        {"id": 2, "priorityid": 2, "name": "High"},
        {"id": 3, "priorityid": 3, "name": "Medium"},
        {"id": 4, "priorityid": 4, "name": "Low"},
    ]
    assert halo_billing.get("/api/Priority/2").json()["name"] == "High"
    assert halo_billing.get("/api/Priority/5").status_code == 404


def test_outcomes_name_our_action_kinds_with_stable_ids(halo_billing):
    rows = halo_billing.get("/api/Outcome").json()
    assert [(r["id"], r["outcome"], r["action_kind"], r["hiddenfromuser"]) for r in rows] == [
        (1, "Private Note", "note", True),
        (2, "Email User", "reply", False),
        (3, "Change Status", "status_change", True),
    ]
    assert halo_billing.get("/api/Outcome/2").json()["buttonname"] == "Email User"
    assert halo_billing.get("/api/Outcome/9").status_code == 404


# --- TicketType, Team, Agent ----------------------------------------------------------------


def test_ticket_types_with_project_flag_and_default_charge_type(halo_billing, remote_support):
    incident = TicketType.objects.create(name="Incident", default_charge_type=remote_support)
    TicketType.objects.create(name="Project", is_project=True)
    TicketType.objects.create(name="Retired", is_active=False)
    rows = halo_billing.get("/api/TicketType").json()
    assert [r["name"] for r in rows] == ["Incident", "Project"]
    assert rows[0] == {
        "id": incident.pk,
        "name": "Incident",
        "isproject": False,
        "inactive": False,
        "chargerate": remote_support.pk,
    }
    assert rows[1]["isproject"] is True and rows[1]["chargerate"] is None
    assert halo_billing.get(f"/api/TicketType/{incident.pk}").json()["name"] == "Incident"


def test_teams_with_agent_counts(halo_billing, team_a, team_b, engineer, other_engineer):
    rows = halo_billing.get("/api/Team").json()
    assert rows == [
        {"id": team_a.pk, "name": "Team A", "inactive": False, "agent_count": 1},
        {"id": team_b.pk, "name": "Team B", "inactive": False, "agent_count": 1},
    ]
    assert halo_billing.get(f"/api/Team/{team_b.pk}").json()["name"] == "Team B"


def test_agent_names_teams_and_default_charge_type(halo_billing, engineer, team_a, remote_support):
    engineer.first_name, engineer.last_name = "Grace", "Hopper"
    engineer.save()
    record = halo_billing.get(f"/api/Agent/{engineer.pk}").json()
    assert record["firstname"] == "Grace" and record["surname"] == "Hopper"
    assert record["teams"] == [{"id": team_a.pk, "name": "Team A"}]
    assert record["chargerate"] == remote_support.pk
    assert record["team"] == "Team A"  # the older flat field is kept


def test_agent_list_filters_by_team_name_or_id(
    halo_billing, engineer, other_engineer, team_a, team_b
):
    by_name = halo_billing.get("/api/Agent", team="team a").json()
    assert [a["id"] for a in by_name["agents"]] == [engineer.pk]
    by_id = halo_billing.get("/api/Agent", team=str(team_b.pk)).json()
    assert [a["id"] for a in by_id["agents"]] == [other_engineer.pk]
    for nobody in ("Nobody's", "9" * 30, "²"):
        assert halo_billing.get("/api/Agent", team=nobody).json()["record_count"] == 0


# --- Site, Users, Client/me -----------------------------------------------------------------


@pytest.fixture
def sites(client_acme, client_globex):
    return [
        Site.objects.create(client=client_acme, name="Leeds office", address="1 Park Row"),
        Site.objects.create(client=client_acme, name="York", is_active=False),
        Site.objects.create(client=client_globex, name="Springfield"),
    ]


def test_sites_in_an_envelope_with_client_search_and_inactive_filters(
    halo_billing, sites, client_acme
):
    leeds, york, springfield = sites
    body = halo_billing.get("/api/Site").json()
    assert body["record_count"] == 2
    assert body["sites"][0] == {
        "id": leeds.pk,
        "name": "Leeds office",
        "client_id": client_acme.pk,
        "client_name": "Acme Ltd",
        "inactive": False,
        "address": "1 Park Row",
    }
    acme = halo_billing.get("/api/Site", client_id=client_acme.pk, includeinactive="true").json()
    assert [s["name"] for s in acme["sites"]] == ["Leeds office", "York"]
    assert [s["id"] for s in halo_billing.get("/api/Site", search="spring").json()["sites"]] == [
        springfield.pk
    ]
    assert halo_billing.get(f"/api/Site/{york.pk}").json()["inactive"] is True
    paged = halo_billing.get("/api/Site", pageinate="true", page_size=1, page_no=2).json()
    assert paged["record_count"] == 2 and [s["id"] for s in paged["sites"]] == [springfield.pk]


def test_users_are_client_contacts_with_halo_names(
    halo_billing, contact, other_contact, client_acme, sites
):
    body = halo_billing.get("/api/Users").json()
    assert body["record_count"] == 2
    ada = next(u for u in body["users"] if u["id"] == contact.pk)
    assert ada == {
        "id": contact.pk,
        "name": "Ada Lovelace",
        "emailaddress": "ada@acme.example",
        "client_id": client_acme.pk,
        "client_name": "Acme Ltd",
        "site_id": None,
        "site_name": "",
        "inactive": False,
    }
    acme = halo_billing.get("/api/Users", client_id=client_acme.pk).json()
    assert [u["id"] for u in acme["users"]] == [contact.pk]
    assert halo_billing.get("/api/Users", search="globex.example").json()["record_count"] == 1
    # Contacts have no site: a site filter must not return everyone.
    assert halo_billing.get("/api/Users", site_id=sites[0].pk).json()["record_count"] == 0
    Contact.objects.filter(pk=contact.pk).update(is_active=False)
    assert halo_billing.get("/api/Users").json()["record_count"] == 1
    assert halo_billing.get("/api/Users", includeinactive="true").json()["record_count"] == 2
    assert halo_billing.get(f"/api/Users/{contact.pk}").json()["inactive"] is True


def test_client_me_is_not_found_for_an_agents_token(halo_billing):
    response = halo_billing.get("/api/Client/me")
    assert response.status_code == 404
    assert "agent" in response.json()["message"]


# --- Projects, authinfo, Lookup, ClientContract ---------------------------------------------


def test_projects_are_project_tickets_with_ticket_filters(
    halo_billing, client_acme, client_globex, ticket
):
    kind = TicketType.objects.create(name="Project", is_project=True)
    move = TicketFactory(client=client_acme, summary="Office move", ticket_type=kind)
    done = TicketFactory(
        client=client_globex, summary="Rollout", ticket_type=kind, status=TicketStatus.CLOSED
    )
    body = halo_billing.get("/api/Projects").json()
    assert [t["id"] for t in body["tickets"]] == [done.pk, move.pk]
    assert body["tickets"][1]["summary"] == "Office move"
    assert body["tickets"][1]["client_id"] == client_acme.pk
    ids = [t["id"] for t in halo_billing.get("/api/Projects", open_only="true").json()["tickets"]]
    assert ids == [move.pk]
    closed = halo_billing.get("/api/Projects", closed_only="true").json()["tickets"]
    assert [t["id"] for t in closed] == [done.pk]
    by_client = halo_billing.get("/api/Projects", client_id=client_globex.pk).json()
    assert [t["id"] for t in by_client["tickets"]] == [done.pk]
    assert halo_billing.get(f"/api/Projects/{move.pk}").json()["id"] == move.pk
    assert halo_billing.get(f"/api/Projects/{ticket.pk}").status_code == 404  # not a project


def test_authinfo_names_the_agent_scopes_and_expiry(halo_billing, billing):
    body = halo_billing.get("/api/authinfo").json()
    assert body["id"] == body["agent_id"] == billing.pk
    assert body["isagent"] is True
    assert body["application_client_id"] == halo_billing.app.client_id
    assert body["scopes"] == ["approve", "billing", "read", "time"]
    assert body["scope"] == "approve billing read time"
    assert body["expires"] == "2026-11-16T16:00:00Z" and body["expires_in"] == 3600


def test_lookup_by_path_or_parameter_and_unknown_lookups_are_empty(
    halo_billing, remote_support, internal
):
    by_param = halo_billing.get("/api/Lookup", lookupid=17).json()
    assert {r["name"] for r in by_param} == {"Remote support", "Internal"}
    assert halo_billing.get("/api/lookup/17").json() == by_param
    assert halo_billing.get("/api/lookup/4").json() == []
    assert halo_billing.get("/api/Lookup").json() == []


def test_contracts_carry_type_activity_and_period_charge(halo_billing, client_acme):
    retainer = Contract.objects.create(
        client=client_acme,
        name="Managed",
        kind="retainer",
        starts_on=MONDAY - dt.timedelta(days=30),
        retainer_fee=Decimal("750.00"),
    )
    ended = Contract.objects.create(
        client=client_acme,
        name="Old block",
        kind="prepay",
        starts_on=MONDAY - dt.timedelta(days=400),
        ends_on=MONDAY - dt.timedelta(days=1),
    )
    future = Contract.objects.create(
        client=client_acme, name="Next year", starts_on=MONDAY + dt.timedelta(days=60)
    )
    body = halo_billing.get("/api/ClientContract", client_id=client_acme.pk).json()
    by_id = {c["id"]: c for c in body["contracts"]}
    assert {
        k: by_id[retainer.pk][k]
        for k in ("contracttype", "active", "expired", "periodchargeamount", "billingperiod")
    } == {
        "contracttype": "Retainer",
        "active": True,
        "expired": False,
        "periodchargeamount": 750.0,
        "billingperiod": "monthly",
    }
    assert by_id[ended.pk]["expired"] is True and by_id[ended.pk]["active"] is False
    assert by_id[ended.pk]["periodchargeamount"] == 0 and by_id[ended.pk]["billingperiod"] is None
    assert by_id[future.pk]["active"] is False and by_id[future.pk]["expired"] is False
    one = halo_billing.get(f"/api/ClientContract/{retainer.pk}").json()
    assert one["contracttype"] == "Retainer" and one["type"] == "retainer"


# --- query budgets: lists cost the same for 3 rows as for 30 --------------------------------


def _many(client_acme, client_globex, remote_support, count: int) -> None:
    kind = TicketType.objects.get_or_create(name="Project", is_project=True)[0]
    for n in range(count):
        team = TeamFactory(name=f"Budget team {n}")
        user = UserFactory(username=f"budget{n}")
        AgentFactory(user=user, default_charge_type=remote_support).teams.add(team)
        client = client_acme if n % 2 else client_globex
        Site.objects.create(client=client, name=f"Site {n}")
        Contact.objects.create(client=client, name=f"User {n}", email=f"user{n}@example.test")
        TicketFactory(client=client, summary=f"Project {n}", ticket_type=kind)
        TicketType.objects.create(name=f"Type {n}", default_charge_type=remote_support)
        Contract.objects.create(client=client, name=f"Contract {n}", starts_on=MONDAY)


# Measured: the token (1), the count, the page, and one prefetch or the organisation's zone.
LISTS = {
    "/api/Agent": 4,
    "/api/Team": 2,
    "/api/TicketType": 2,
    "/api/Site": 3,
    "/api/Users": 3,
    "/api/Projects": 3,
    "/api/ClientContract": 4,
    "/api/Status": 2,
    "/api/Lookup?lookupid=17": 2,
}


@pytest.mark.parametrize("path", LISTS)
def test_list_query_budget_does_not_grow(
    halo_billing, client_acme, client_globex, remote_support, django_assert_max_num_queries, path
):
    _many(client_acme, client_globex, remote_support, 30)
    halo_billing.get("/api/authinfo")  # the token's last-used stamp is written once a minute
    with django_assert_max_num_queries(LISTS[path]):
        response = halo_billing.http.get(path, headers=halo_billing.headers)
    assert response.status_code == 200
