"""The HaloPSA-compatible API, replayed in Halo's own request shapes."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.test import Client as HttpClient

from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import Contract
from tallyhour.halo.services import api_application_create
from tallyhour.reports.selectors.utilisation import utilisation_for
from tallyhour.timesheets.selectors import week_for
from tallyhour.timetracking.models import TimeEntry
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db
NOW = at(MONDAY, 15)


class Halo:
    """A Halo integration: client credentials for one agent, then bearer calls."""

    def __init__(self, agent, admin):  # noqa: ANN001
        self.app, self.secret = api_application_create(
            name="RMM", agent=agent, actor=admin, act_as_other=True
        )
        self.http = HttpClient()
        self.token = self.get_token()

    def get_token(self) -> str:
        response = self.http.post(
            "/auth/token",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
                "scope": "all",
            },
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params):  # noqa: ANN003, ANN201
        return self.http.get(path, params, headers=self.headers)

    def post(self, path: str, body):  # noqa: ANN001, ANN201
        return self.http.post(
            path, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def delete(self, path: str):  # noqa: ANN201
        return self.http.delete(path, headers=self.headers)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def halo_engineer(frozen, engineer, admin):
    return Halo(engineer, admin)


def test_token_is_client_credentials_form_with_an_hour_of_life(engineer, admin):
    halo = Halo(engineer, admin)
    response = halo.http.post(
        "/auth/token",
        {
            "grant_type": "client_credentials",
            "client_id": halo.app.client_id,
            "client_secret": halo.secret,
        },
    )
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert halo.get("/api/Agent/me").json()["id"] == engineer.pk
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)):
        expired = halo.get("/api/Agent/me")
    assert expired.status_code == 401
    assert set(expired.json()) == {"error", "error_description"}


@pytest.mark.parametrize("secret, grant", [("wrong", "client_credentials"), (None, "password")])
def test_bad_credentials_get_oauth_errors(engineer, admin, secret, grant):
    halo = Halo(engineer, admin)
    response = halo.http.post(
        "/auth/token",
        {
            "grant_type": grant,
            "client_id": halo.app.client_id,
            "client_secret": secret or halo.secret,
        },
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] in {"invalid_client", "unsupported_grant_type"}
    assert response.json()["error_description"]


def test_no_token_is_a_401_with_error_description(db):
    response = HttpClient().get("/api/Tickets")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token" and response.json()["error_description"]


def test_secret_is_stored_hashed(engineer, admin):
    halo = Halo(engineer, admin)
    halo.app.refresh_from_db()
    assert halo.secret not in halo.app.secret_digest and len(halo.app.secret_digest) == 64


def test_tickets_array_post_creates_then_updates_and_lists_with_paging(
    halo_engineer, client_acme, remote_support
):
    created = halo_engineer.post(
        "/api/Tickets",
        [
            {"summary": "VPN drops", "client_id": client_acme.pk, "chargerate": remote_support.pk},
        ],
    ).json()
    assert created["summary"] == "VPN drops" and created["status_id"] == 1
    updated = halo_engineer.post("/api/Tickets", [{"id": created["id"], "status_id": 2}]).json()
    assert updated["status_id"] == 2
    halo_engineer.post("/api/Tickets", [{"summary": "Second", "client_id": client_acme.pk}])
    page = halo_engineer.get(
        "/api/Tickets",
        pageinate="true",
        page_size=1,
        page_no=2,
        open_only="True",
        unknown_param="whatever",
    ).json()
    assert page["record_count"] == 2 and len(page["tickets"]) == 1
    assert page["tickets"][0]["id"] == created["id"]  # newest first, so page 2 is the first
    counted = halo_engineer.get("/api/tickets/", count=1).json()  # lower case, trailing slash
    assert counted["record_count"] == 2 and len(counted["tickets"]) == 1
    assert halo_engineer.get(f"/api/Tickets/{created['id']}").json()["id"] == created["id"]


def test_ticket_post_without_client_names_the_field(halo_engineer):
    response = halo_engineer.post("/api/Tickets", [{"summary": "No client"}])
    assert response.status_code == 422 and "client_id" in response.json()["fields"]


def test_action_with_timetaken_reaches_my_week_and_utilisation(
    halo_engineer, engineer, billing, ticket
):
    action = halo_engineer.post(
        "/api/Actions",
        [
            {
                "ticket_id": ticket.pk,
                "who_agentid": engineer.pk,
                "note": "Rebooted the router",
                "timetaken": 1.5,
                "nonbilltime": 0,
                "hiddenfromuser": "True",
            }
        ],
    ).json()
    assert action["timetaken"] == 1.5 and action["nonbilltime"] == 0
    entry = TimeEntry.objects.get(agent=engineer)
    assert entry.worked_seconds == 5400 and entry.source == "action"
    week = week_for(engineer, MONDAY)
    assert week.logged_seconds == 5400
    [row] = utilisation_for(
        actor=billing, start=MONDAY, end=MONDAY + dt.timedelta(days=6), agent_ids=[engineer.pk]
    )
    assert row.billable_seconds == 5400
    listed = halo_engineer.get("/api/Actions", ticket_id=ticket.pk, agentonly="True").json()
    assert listed["record_count"] == 1 and listed["actions"][0]["note"] == "Rebooted the router"


def test_action_nonbilltime_equal_to_timetaken_is_non_billable(halo_engineer, engineer, ticket):
    halo_engineer.post(
        "/api/Actions", [{"ticket_id": ticket.pk, "timetaken": "0.5", "nonbilltime": "0.5"}]
    )
    entry = TimeEntry.objects.get(agent=engineer)
    assert (entry.worked_seconds, entry.is_billable) == (1800, False)


def test_action_partial_nonbilltime_is_a_stated_write_off_and_someone_else_is_refused(
    halo_engineer, other_engineer, ticket
):
    partial = halo_engineer.post(
        "/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 1, "nonbilltime": 0.25}]
    )
    assert partial.status_code == 200, partial.content
    assert partial.json()["timetaken"] == 1 and partial.json()["nonbilltime"] == 0.25
    entry = TimeEntry.objects.get()
    assert (entry.worked_seconds, entry.billable_seconds, entry.is_billable) == (3600, 2700, True)
    assert entry.write_off_reason  # worked time stays whole; the unbilled part says why
    too_much = halo_engineer.post(
        "/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 1, "nonbilltime": 2}]
    )
    assert too_much.status_code == 422 and "nonbilltime" in too_much.json()["fields"]
    other = halo_engineer.post(
        "/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 1, "who_agentid": other_engineer.pk}]
    )
    assert other.status_code == 403
    assert TimeEntry.objects.count() == 1


def test_timesheet_day_figures_and_submission_commands(
    frozen, engineer, approver, admin, ticket, internal
):
    halo = Halo(engineer, admin)
    halo.post(
        "/api/TimesheetEvent",
        [
            {
                "start_date": "2026-11-16T09:00:00Z",
                "end_date": "2026-11-16T11:00:00Z",
                "ticket_id": ticket.pk,
            },
            {"start_date": "2026-11-16T11:00:00Z", "timetaken": 0.5, "chargerate": internal.pk},
        ],
    )
    [day] = halo.get("/api/Timesheet", agent_id=engineer.pk, date="2026-11-16").json()
    assert (
        day["target_hours"],
        day["actual_hours"],
        day["chargeable_hours"],
        day["unlogged_hours"],
    ) == (8.0, 2.5, 2.0, 5.5)
    assert len(day["events"]) == 2
    [submitted] = halo.post(
        "/api/Timesheet", [{"date": "2026-11-16", "_submitapproval": True}]
    ).json()
    assert submitted["status"] == "submitted"
    own = halo.post(
        "/api/Timesheet", [{"agent_id": engineer.pk, "date": "2026-11-16", "_approve": "True"}]
    )
    assert own.status_code == 403  # nobody approves their own time
    boss = Halo(approver, admin)
    [approved] = boss.post(
        "/api/Timesheet", [{"agent_id": engineer.pk, "date": "2026-11-18", "_approve": "True"}]
    ).json()
    assert approved["status"] == "approved"
    locked = halo.post(
        "/api/TimesheetEvent",
        [{"id": TimeEntry.objects.first().pk, "start_date": "2026-11-16T08:00:00Z"}],
    )
    assert locked.status_code == 409


def test_timesheet_events_are_a_plain_array_and_can_be_deleted(halo_engineer, engineer, ticket):
    created = halo_engineer.post(
        "/api/TimesheetEvent",
        [
            {"start_date": "2026-11-16T09:00:00Z", "timetaken": 1, "ticket_id": ticket.pk},
        ],
    ).json()
    listed = halo_engineer.get(
        "/api/TimesheetEvent", agent_id=engineer.pk, start_date="2026-11-16T00:00:00Z"
    ).json()
    assert isinstance(listed, list) and listed[0]["id"] == created["id"]
    assert halo_engineer.delete(f"/api/TimesheetEvent/{created['id']}").status_code == 200
    assert not TimeEntry.objects.exists()


def test_engineer_cannot_see_other_agents_time_or_invoices(halo_engineer, other_engineer, ticket):
    from tallyhour.timetracking.services import time_entry_create

    entry = time_entry_create(
        agent=other_engineer,
        actor=other_engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=30,
        ticket=ticket,
    )
    assert halo_engineer.get(f"/api/TimesheetEvent/{entry.pk}").status_code == 404
    assert halo_engineer.get("/api/TimesheetEvent", agent_id=other_engineer.pk).json() == []
    assert halo_engineer.get("/api/Invoice").status_code == 403


def test_invoice_from_a_run_reads_back_with_lines(
    frozen, engineer, approver, billing, admin, ticket
):
    from tallyhour.timesheets.services import submission_approve, submission_submit
    from tallyhour.timetracking.services import time_entry_create

    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=90, ticket=ticket
    )
    submission_approve(
        submission=submission_submit(agent=engineer, week_start=MONDAY, actor=engineer),
        actor=approver,
    )
    [invoice] = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True).invoices
    halo = Halo(billing, admin)
    body = halo.get("/api/Invoice", includelines="true").json()
    assert body["record_count"] == 1
    [record] = body["invoices"]
    assert record["id"] == invoice.pk and Decimal(record["total"]) == invoice.total
    [line] = record["lines"]
    assert Decimal(line["net_amount"]) == Decimal("135.00")  # 1.5 h × £90
    assert "lines" not in halo.get("/api/Invoice").json()["invoices"][0]


def test_agents_clients_contracts_and_charge_type_lookup(
    frozen, engineer, billing, admin, client_acme, remote_support, internal
):
    Contract.objects.create(client=client_acme, name="Support", starts_on=MONDAY, is_default=True)
    halo = Halo(billing, admin)
    agents = halo.get("/api/Agent").json()
    assert agents["record_count"] >= 2 and {"id", "name", "email"} <= set(agents["agents"][0])
    clients = halo.get("/api/Client", search="acme").json()
    assert [c["name"] for c in clients["clients"]] == ["Acme Ltd"]
    contracts = halo.get("/api/ClientContract", client_id=client_acme.pk).json()
    assert contracts["contracts"][0]["type"] == "time_and_materials"
    lookup = halo.get("/api/Lookup", lookupid=17).json()
    chargeable = {row["name"]: row["chargeable"] for row in lookup}
    assert chargeable["Remote support"] is True and chargeable["Internal"] is False
    assert Halo(engineer, admin).get("/api/ClientContract").status_code == 403


def test_bad_bodies_are_4xx_and_write_nothing(halo_engineer, ticket):
    for body in (
        "not json",
        json.dumps([1, 2]),
        json.dumps([{"ticket_id": ticket.pk, "timetaken": "lots"}]),
    ):
        response = halo_engineer.http.post(
            "/api/Actions", body, content_type="application/json", headers=halo_engineer.headers
        )
        assert 400 <= response.status_code < 500
    assert not TimeEntry.objects.exists()


def test_an_action_over_earlier_time_is_refused_naming_the_entry(halo_engineer, ticket):
    first = halo_engineer.post("/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 1}])
    assert first.status_code in (200, 201), first.content
    again = halo_engineer.post("/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 0.5}])
    assert again.status_code == 409
    entry = TimeEntry.objects.get()
    assert f"time entry {entry.pk}" in again.json()["message"]
