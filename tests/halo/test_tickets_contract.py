"""Tickets and actions by Halo's field names, and the ticket filters Halo documents."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.accounts.models import Team
from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.payments import payment_record
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.crm.models import Contact, Site
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus, TicketType
from tallyhour.servicedesk.services import ticket_create, ticket_update
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.halo.test_halo_api import Halo

pytestmark = pytest.mark.django_db


@pytest.fixture
def halo(frozen, engineer, admin):
    return Halo(engineer, admin)


@pytest.fixture
def site(client_acme):
    return Site.objects.create(client=client_acme, name="Leeds office")


@pytest.fixture
def end_user(client_acme):
    return Contact.objects.create(client=client_acme, name="Pat Jones", email="pat@acme.test")


@pytest.fixture
def incident(db):
    return TicketType.objects.create(name="Incident")


@pytest.fixture
def project_type(db):
    return TicketType.objects.create(name="Project", is_project=True)


# --- writing and reading fields ---------------------------------------------------------------


def test_ticket_from_a_site_without_client_id_with_halo_fields(halo, site, incident, client_acme):
    answer = halo.post(
        "/api/Tickets",
        [
            {
                "site_id": site.pk,
                "summary": "Disk space low on FS01",
                "details_html": "<p>Drive <b>D:</b> at 95%</p><p>Alert from RMM &amp; co</p>",
                "tickettype_id": incident.pk,
                "priority_id": 2,
                "dateoccurred": "2026-11-16T06:30:00Z",
                "customfields": [
                    {"name": "CFRmmAlertId", "value": "A-991"},
                    {"id": 12, "value": 3},
                ],
            }
        ],
    )
    assert answer.status_code == 200, answer.content
    record = answer.json()
    ticket = Ticket.objects.get(pk=record["id"])
    assert ticket.client == client_acme and ticket.site == site
    assert ticket.details == "Drive D: at 95%\n\nAlert from RMM & co"
    assert record["details_html"] == "<p>Drive D: at 95%</p>\n\n<p>Alert from RMM &amp; co</p>"
    assert (record["site_id"], record["site_name"]) == (site.pk, "Leeds office")
    assert (record["tickettype_id"], record["tickettype_name"]) == (incident.pk, "Incident")
    assert record["priority_id"] == 2
    assert record["dateoccurred"] == "2026-11-16T06:30:00Z"
    assert record["status_name"] == "New" and record["timetaken"] == 0
    assert {(f["name"], f["value"]) for f in record["customfields"]} == {
        ("CFRmmAlertId", "A-991"),
        ("12", 3),
    }
    # Custom fields merge on update, as Halo updates them one by one.
    halo.post("/api/Tickets", [{"id": ticket.pk, "customfields": [{"id": 12, "value": 4}]}])
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"CFRmmAlertId": "A-991", "12": 4}


def test_ticket_from_an_end_user_and_refusals_of_mismatched_parts(
    halo, end_user, client_acme, client_globex, site
):
    answer = halo.post("/api/Tickets", [{"user_id": end_user.pk, "summary": "Password reset"}])
    assert answer.status_code == 200, answer.content
    assert answer.json()["client_id"] == client_acme.pk
    assert answer.json()["user_id"] == end_user.pk
    wrong = halo.post(
        "/api/Tickets", [{"client_id": client_globex.pk, "site_id": site.pk, "summary": "x"}]
    )
    assert wrong.status_code == 422 and "site_id" in wrong.json()["fields"]
    nothing = halo.post("/api/Tickets", [{"summary": "Orphan"}])
    assert nothing.status_code == 422 and "client_id" in nothing.json()["fields"]
    bad = halo.post("/api/Tickets", [{"user_id": end_user.pk, "summary": "x", "customfields": 5}])
    assert bad.status_code == 422 and "customfields" in bad.json()["fields"]


def test_ticket_timetaken_is_the_time_logged_on_it(halo, ticket):
    halo.post("/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 1.25}])
    assert halo.get(f"/api/Tickets/{ticket.pk}").json()["timetaken"] == 1.25
    listed = halo.get("/api/Tickets").json()["tickets"]
    assert [t["timetaken"] for t in listed] == [1.25]


def test_action_fields_by_halo_names_and_edit_by_id(halo, ticket):
    answer = halo.post(
        "/api/Actions",
        [
            {
                "ticket_id": ticket.pk,
                "note_html": "<p>Rebooted the <i>print</i> server</p>",
                "outcome": "Remote session",
                "timetaken": 0.5,
            }
        ],
    )
    assert answer.status_code == 200, answer.content
    record = answer.json()
    assert record["note"] == "Rebooted the print server"
    assert record["note_html"] == "<p>Rebooted the print server</p>"
    assert (record["outcome"], record["outcome_id"]) == ("Remote session", 1)
    edited = halo.post(
        "/api/Actions",
        [{"id": record["id"], "note": "Rebooted and patched", "timetaken": 0.75}],
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["note"] == "Rebooted and patched" and edited.json()["timetaken"] == 0.75
    entry = TimeEntry.objects.get()
    assert entry.worked_seconds == 2700 and entry.ended_at == at(MONDAY, 15)
    reply = halo.post("/api/Actions", [{"ticket_id": ticket.pk, "outcome_id": 2, "note": "Hi"}])
    assert reply.json()["outcome_id"] == 2
    assert Action.objects.get(pk=reply.json()["id"]).client_visible


def test_editing_someone_elses_action_is_refused(halo, other_engineer, admin, ticket):
    theirs = Halo(other_engineer, admin).post(
        "/api/Actions", [{"ticket_id": ticket.pk, "note": "x"}]
    )
    answer = halo.post("/api/Actions", [{"id": theirs.json()["id"], "note": "mine now"}])
    assert answer.status_code == 403
    assert Action.objects.get().body == "x"


def test_a_note_without_text_is_fine_when_time_is_sent(halo, ticket):
    answer = halo.post("/api/Actions", [{"ticket_id": ticket.pk, "timetaken": 0.25}])
    assert answer.status_code == 200 and answer.json()["timetaken"] == 0.25
    empty = halo.post("/api/Actions", [{"ticket_id": ticket.pk}])
    assert empty.status_code == 422


# --- filters ------------------------------------------------------------------------------------


@pytest.fixture
def desk(frozen, engineer, other_engineer, admin, client_acme, client_globex, site, incident,
         project_type, team_a):  # fmt: skip
    """Five tickets that differ in every filtered field."""

    def make(summary: str, client, **fields) -> Ticket:  # noqa: ANN001
        status = fields.pop("status", None)
        ticket = ticket_create(client=client, summary=summary, actor=admin, **fields)
        if status:
            ticket_update(ticket=ticket, actor=admin, changes={"status": status}, capture=False)
        return ticket

    return {
        "open": make("Open acme", client_acme, assignee=engineer, ticket_type=incident),
        "closed": make("Closed acme", client_acme, status=TicketStatus.CLOSED, site=site),
        "globex": make(
            "Globex",
            client_globex,
            assignee=other_engineer,
            team=team_a,
            priority=1,
            occurred_at=at(MONDAY - dt.timedelta(days=10), 9),
        ),  # fmt: skip
        "project": make("Migration project", client_acme, ticket_type=project_type),
        "unassigned": make("Nobody's", client_globex),
    }


def ids(answer) -> set[int]:  # noqa: ANN001
    assert answer.status_code == 200, answer.content
    return {t["id"] for t in answer.json()["tickets"]}


def test_every_documented_ticket_filter_is_honoured(halo, desk, engineer, site, incident, team_a):
    t = {name: ticket.pk for name, ticket in desk.items()}
    everything = set(t.values())
    assert ids(halo.get("/api/Tickets")) == everything
    assert ids(halo.get("/api/Tickets", closed_only="true")) == {t["closed"]}
    assert ids(halo.get("/api/Tickets", open_only="True")) == everything - {t["closed"]}
    assert ids(halo.get("/api/Tickets", tickettype_id=incident.pk)) == {t["open"]}
    assert ids(halo.get("/api/Tickets", requesttype_id=incident.pk)) == {t["open"]}
    assert ids(halo.get("/api/Tickets", client_id=desk["globex"].client_id)) == {
        t["globex"],
        t["unassigned"],
    }
    assert ids(halo.get("/api/Tickets", site_id=site.pk)) == {t["closed"]}
    assert ids(halo.get("/api/Tickets", agent_id=engineer.pk)) == {t["open"]}
    assert ids(halo.get("/api/Tickets", team=team_a.name)) == {t["globex"]}
    assert ids(halo.get("/api/Tickets", team=str(team_a.pk))) == {t["globex"]}
    assert ids(halo.get("/api/Tickets", domain="prjs")) == {t["project"]}
    assert ids(halo.get("/api/Tickets", domain="reqs")) == everything - {t["project"]}
    assert ids(halo.get("/api/Tickets", domain="opps")) == set()
    # dateoccurred (the default date) of the Globex ticket is ten days back.
    assert ids(
        halo.get(
            "/api/Tickets",
            datesearch="dateoccurred",
            startdate="2026-11-01T00:00:00Z",
            enddate="2026-11-10T00:00:00Z",
        )
    ) == {t["globex"]}
    assert ids(halo.get("/api/Tickets", startdate="2026-11-15")) == everything - {t["globex"]}
    assert ids(halo.get("/api/Tickets", datesearch="datecreated", enddate="2026-11-01")) == set()
    assert ids(halo.get("/api/Tickets", datesearch="datecleared", startdate="2026-11-16")) == {
        t["closed"]
    }
    assert ids(halo.get("/api/Tickets", agent=f"{engineer.pk},0")) == {
        t["open"],
        t["closed"],
        t["project"],
        t["unassigned"],
    }
    assert (
        ids(
            halo.get(
                "/api/Tickets", client_ids=f"{desk['open'].client_id},{desk['globex'].client_id}"
            )
        )
        == everything
    )
    ordered = halo.get("/api/Tickets", order="summary", orderdesc="false").json()["tickets"]
    assert [r["summary"] for r in ordered] == sorted(r["summary"] for r in ordered)
    newest_first = halo.get("/api/Tickets", order="id", orderdesc="true").json()["tickets"]
    assert [r["id"] for r in newest_first] == sorted(everything, reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"datesearch": "dateresolved"}, "datesearch"),
        ({"order": "colour"}, "order"),
        ({"domain": "assets"}, "domain"),
        ({"team": "Nobody"}, "team"),
        ({"closed_only": "true", "open_only": "true"}, "closed_only"),
        ({"tickettype_id": "x"}, "tickettype_id"),
        ({"status_id": "77"}, "status_id"),
    ],
)
def test_a_filter_that_cannot_be_honoured_is_refused(halo, desk, params, field):
    answer = halo.get("/api/Tickets", **params)
    assert answer.status_code == 422 and field in answer.json()["fields"]


def test_record_count_tells_the_truth_when_the_page_is_capped(halo, client_acme, admin):
    Team.objects.create(name="unused")
    for n in range(7):
        ticket_create(client=client_acme, summary=f"T{n}", actor=admin)
    page = halo.get("/api/Tickets", pageinate="true", page_size=3, page_no=3).json()
    assert (page["record_count"], page["page_size"], len(page["tickets"])) == (7, 3, 1)
    capped = halo.get("/api/Tickets", pageinate="true", page_size=100000).json()
    assert capped["page_size"] == 1000 and capped["record_count"] == 7
    counted = halo.get("/api/Tickets", count=2).json()
    assert (counted["record_count"], len(counted["tickets"])) == (7, 2)


def test_ticket_list_queries_do_not_grow_with_the_page(
    halo, client_acme, admin, site, end_user, django_assert_max_num_queries
):
    for n in range(30):
        ticket = ticket_create(client=client_acme, summary=f"T{n}", actor=admin, site=site)
        ticket_update(ticket=ticket, actor=admin, changes={"contact": end_user})
    with django_assert_max_num_queries(6):
        answer = halo.get("/api/Tickets", pageinate="true", page_size=50)
    assert len(answer.json()["tickets"]) == 30


# --- invoices and timesheets ----------------------------------------------------------------------


def test_invoice_money_is_numeric_with_halo_payment_fields(
    frozen, engineer, approver, billing, admin, ticket
):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=95, ticket=ticket
    )
    submission_approve(
        submission=submission_submit(agent=engineer, week_start=MONDAY, actor=engineer),
        actor=approver,
    )
    [draft] = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True).invoices
    halo = Halo(billing, admin)
    record = halo.get(f"/api/Invoice/{draft.pk}").json()
    assert (record["paymentstatus"], record["posted"], record["invoicenumber"]) == (0, False, None)
    issued = invoice_issue(invoice=draft, actor=billing)
    payment_record(invoice=issued, amount=Decimal("100.00"), received_on=MONDAY, actor=billing)
    record = halo.get(f"/api/Invoice/{draft.pk}").json()
    # 1.58 h × £90 = £142.20, tax £28.44, total £170.64 — JSON numbers, not strings.
    assert record["total_net"] == 142.2 and record["tax_total"] == 28.44
    assert record["total"] == 170.64
    assert (record["amountpaid"], record["amountdue"]) == (100.0, 70.64)
    assert (record["paymentstatus"], record["posted"]) == (1, True)
    assert record["duedate"] == record["due_date"] and record["duedate"] is not None
    [line] = record["lines"]
    assert (line["qty_order"], line["unit_price"], line["net_amount"]) == (1.58, 90.0, 142.2)
    payment_record(invoice=issued, amount=Decimal("70.64"), received_on=MONDAY, actor=billing)
    assert halo.get(f"/api/Invoice/{draft.pk}").json()["paymentstatus"] == 2


def test_timesheet_for_several_agents(frozen, engineer, other_engineer, billing, admin, ticket):
    for agent in (engineer, other_engineer):
        time_entry_create(
            agent=agent, actor=agent, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
        )
    days = Halo(billing, admin).get(
        "/api/Timesheet", agents=f"{engineer.pk},{other_engineer.pk}", start_date="2026-11-16"
    )
    assert days.status_code == 200, days.content
    assert {(d["agent_id"], d["actual_hours"]) for d in days.json()} == {
        (engineer.pk, 1.0),
        (other_engineer.pk, 1.0),
    }
    events = Halo(billing, admin).get("/api/TimesheetEvent", agents=str(other_engineer.pk))
    assert {e["agent_id"] for e in events.json()} == {other_engineer.pk}
    hidden = Halo(engineer, admin).get("/api/Timesheet", agents=str(other_engineer.pk))
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"site_id": 10**30, "summary": "x"}, "site_id"),
        ({"client_id": 10**19, "summary": "x"}, "client_id"),
        ({"client_id": 1, "summary": "x", "team": str(10**25)}, "team"),
    ],
)
def test_ids_beyond_64_bits_are_bad_input_not_a_crash(halo, body, field):
    answer = halo.post("/api/Tickets", [body])
    assert answer.status_code == 422 and field in answer.json()["fields"]


@pytest.mark.parametrize("params", [{"search": "9" * 30}, {"team": "9" * 30}, {"agent": "9" * 30}])
def test_huge_numbers_in_filters_are_not_a_crash(halo, params):
    assert halo.get("/api/Tickets", **params).status_code in (200, 422)


def test_nul_characters_are_bad_input_on_both_databases(halo, client_acme):
    body = halo.post(
        "/api/Tickets", [{"client_id": client_acme.pk, "summary": "x", "team": "a\x00"}]
    )
    assert body.status_code == 422 and "body" in body.json()["fields"]
    query = halo.get("/api/Tickets", team="a\x00b")
    assert query.status_code == 422 and "team" in query.json()["fields"]
