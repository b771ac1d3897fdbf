"""The PyPI Halo clients `halopsa` and `haloitsm-python`, unchanged, against a live server.

`haloitsm-python` takes a base URL, so it is simply configured with the live server's.
`halopsa` hard-codes `https://{tenant}.halopsa.com`, so its session gets a transport adapter
that sends that host to the live server (and refuses any other host: nothing leaves the
machine). Effects are checked through the native API (`/api/v1/`) with a native token.

Every exchange is printed, so a failing scenario shows what the client sent and got back.
"""

import datetime as dt
import types
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import time_machine
from requests.adapters import HTTPAdapter

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.payments import payment_record
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import Contract
from tallyhour.crm.models import Site
from tallyhour.halo.services import api_application_create
from tallyhour.servicedesk.models import TicketStatus, TicketType
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at, bearer
from tests.factories import TicketFactory

halo_itsm = pytest.importorskip("halo", reason="pip install haloitsm-python (dev extra)")
halo_psa = pytest.importorskip("HaloPSA.Halo", reason="pip install halopsa (dev extra)")

TENANT = "tallyhour-test"
TENANT_HOST = f"{TENANT}.halopsa.com"
YESTERDAY = MONDAY + dt.timedelta(days=1)
NOW = at(MONDAY + dt.timedelta(days=2), 15)  # Wednesday afternoon: yesterday is Tuesday


def halo_time(day: dt.date, hour: int, minute: int = 0) -> str:
    """A UTC instant the way Halo's own UI and scripts write it."""
    return at(day, hour, minute).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- harness ---------------------------------------------------------------------------------


class LiveServerAdapter(HTTPAdapter):
    """Sends requests for the Halo tenant's host to the live server; refuses any other host."""

    def __init__(self, live_url: str):
        super().__init__(max_retries=0)
        self.live = urlsplit(live_url)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        if url.hostname != TENANT_HOST:
            raise AssertionError(f"the client tried to reach {url.hostname}, not the tenant")
        request.url = urlunsplit((self.live.scheme, self.live.netloc, *url[2:]))
        response = super().send(request, **kwargs)
        show(request, response)
        return response


def show(request: requests.PreparedRequest, response: requests.Response) -> None:
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    if body and "client_secret" in body:
        body = "<client credentials>"
    print(f"{request.method} {request.url} {body or ''}")
    print(f"  -> {response.status_code} {response.text[:400]}")


@pytest.fixture(autouse=True)
def clock():
    # The live server runs in this process, so it sees the same (ticking) clock.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def sessions():
    """HTTP sessions a test opened, their connections closed at its end: a kept-alive
    connection holds a server thread, and its database connection, until the client lets go.
    (Closing a session only forgets its pools, and a failed test's traceback keeps them.)"""
    opened: list[requests.Session] = []

    def track(session: requests.Session) -> requests.Session:
        opened.append(session)
        return session

    yield track
    for session in opened:
        for adapter in session.adapters.values():
            pools = adapter.poolmanager.pools
            for key in list(pools.keys()):
                pools[key].close()
        session.close()


@pytest.fixture
def application(admin):
    """`application(user)`: client credentials acting as `user`, as an admin registers them."""

    def register(user) -> tuple[str, str]:  # noqa: ANN001
        app, secret = api_application_create(
            name=f"Sync {user.pk}", agent=user, actor=admin, act_as_other=user != admin
        )
        return app.client_id, secret

    return register


@pytest.fixture
def halopsa(live_server, application, monkeypatch, sessions):
    """`halopsa(user)`: a `HaloPSA.Halo` for `user`, its session redirected to the live server.

    The library builds its `requests.Session` in its constructor and takes a token at once, so
    the session it builds must already carry the adapter: it gets one from this factory.
    """

    def session() -> requests.Session:
        redirected = requests.Session()
        adapter = LiveServerAdapter(live_server.url)
        redirected.mount("https://", adapter)
        redirected.mount("http://", adapter)
        return sessions(redirected)

    monkeypatch.setattr(halo_psa, "requests", types.SimpleNamespace(Session=session))

    def connect(user, secret: str | None = None):  # noqa: ANN001, ANN202
        client_id, real_secret = application(user)
        return halo_psa.Halo(tenant=TENANT, clientid=client_id, secret=secret or real_secret)

    return connect


@pytest.fixture
def haloitsm(live_server, application, sessions):
    """`haloitsm(user)`: a `halo.HaloClient` for `user`, configured with the live server's URL."""

    def connect(user, secret: str | None = None):  # noqa: ANN001, ANN202
        client_id, real_secret = application(user)
        client = halo_itsm.HaloClient(
            base_url=f"{live_server.url}/api",
            client_id=client_id,
            client_secret=secret or real_secret,
            max_retries=0,
        )
        client.session.session.hooks["response"].append(lambda r, *a, **k: show(r.request, r))
        sessions(client.session.session)
        return client

    return connect


@pytest.fixture
def native(live_server, sessions):
    """`native(user).get(path)`: the native API as `user`, with a token from the service."""

    def connect(user):  # noqa: ANN001, ANN202
        session = requests.Session()
        session.headers.update(bearer(user))
        session.hooks["response"].append(lambda r, *a, **k: show(r.request, r))
        sessions(session)

        def get(path: str, **params: Any) -> Any:
            response = session.get(f"{live_server.url}/api/v1{path}", params=params, timeout=10)
            assert response.status_code == 200, response.text
            return response.json()

        return types.SimpleNamespace(get=get)

    return connect


def entries_of(native_api: Any, day: dt.date) -> list[dict[str, Any]]:
    page = native_api.get("/time-entries", start=day.isoformat(), end=day.isoformat())
    return sorted(page["items"], key=lambda e: e["started_at"])


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def listed(body: Any) -> list[dict[str, Any]]:
    """Records of a Halo list answer: a plain array or an envelope with one array in it."""
    if isinstance(body, list):
        return body
    arrays = [value for value in body.values() if isinstance(value, list)]
    assert len(arrays) == 1, body
    return arrays[0]


# --- authentication --------------------------------------------------------------------------


def test_halopsa_authenticates_through_the_redirect_only(halopsa, engineer, capsys):
    halo = halopsa(engineer)
    assert halo.Agents.get(id="me")["id"] == engineer.pk
    sent = capsys.readouterr().out
    assert "/auth/token <client credentials>" in sent and "/api/Agent/me" in sent
    with pytest.raises(ValueError, match="client"):
        halopsa(engineer, secret="wrong")


def test_haloitsm_authenticates_from_its_configured_base_url(haloitsm, engineer):
    client = haloitsm(engineer)
    assert client.get("/Agent/me")["id"] == engineer.pk
    with pytest.raises(halo_itsm.HaloAuthenticationError):
        haloitsm(engineer, secret="wrong").get("/Agent/me")


# --- tickets ---------------------------------------------------------------------------------


@pytest.fixture
def acme_tickets(client_acme, client_globex) -> dict[str, list[int]]:
    open_ = [TicketFactory(client=client_acme, summary=f"Open {n}").pk for n in range(3)]
    closed = [TicketFactory(client=client_acme, status=TicketStatus.CLOSED).pk]
    TicketFactory(client=client_globex, summary="Someone else's")
    return {"open": open_, "closed": closed}


def test_halopsa_pages_through_one_clients_open_tickets(
    halopsa, engineer, client_acme, acme_tickets
):
    halo = halopsa(engineer)
    seen: list[int] = []
    for page_no in (1, 2):
        page = halo.Tickets.search(
            pageinate=True, page_size=2, page_no=page_no, client_id=client_acme.pk, open_only=True
        )
        assert page["record_count"] == 3  # the whole match, not the page
        seen += [t["id"] for t in page["tickets"]]
    assert sorted(seen) == sorted(acme_tickets["open"])


def test_haloitsm_lists_a_clients_tickets_page_by_page(
    haloitsm, engineer, client_acme, acme_tickets
):
    client = haloitsm(engineer)
    first = client.tickets.list(client_id=client_acme.pk, page_size=3, page_no=1)
    second = client.tickets.list(client_id=client_acme.pk, page_size=3, page_no=2)
    assert len(first) == 3 and len(second) == 1
    everything = acme_tickets["open"] + acme_tickets["closed"]
    assert sorted(t.id for t in first + second) == sorted(everything)


def test_closed_only_and_ticket_type_filters_are_honoured(
    halopsa, haloitsm, engineer, client_acme, acme_tickets
):
    closed = halopsa(engineer).Tickets.search(closed_only=True, client_id=client_acme.pk)
    assert [t["id"] for t in closed["tickets"]] == acme_tickets["closed"]
    incident = TicketType.objects.create(name="Incident")
    typed = TicketFactory(client=client_acme, ticket_type=incident)
    found = haloitsm(engineer).tickets.list(ticket_type_id=incident.pk)
    assert [t.id for t in found] == [typed.pk]


def test_halopsa_creates_a_ticket_from_a_site(halopsa, native, engineer, client_acme):
    site = Site.objects.create(client=client_acme, name="Head office")
    created = halopsa(engineer).Tickets.update(
        summary="Printer on floor 2", details_html="<p>Paper jam</p>", site_id=site.pk
    )
    assert created["site_id"] == site.pk and created["client_id"] == client_acme.pk
    assert native(engineer).get(f"/tickets/{created['id']}")["client_id"] == client_acme.pk


def test_haloitsm_creates_a_ticket_from_an_end_user(haloitsm, native, engineer, contact):
    ticket = haloitsm(engineer).tickets.create({"summary": "Cannot log in", "user_id": contact.pk})
    assert ticket.user_id == contact.pk and ticket.client_id == contact.client_id
    assert native(engineer).get(f"/tickets/{ticket.id}")["client_id"] == contact.client_id


def test_closing_a_ticket_through_the_client_logs_no_time(
    haloitsm, native, engineer, ticket, clock
):
    halo_ticket = haloitsm(engineer).tickets.get(ticket.pk)
    halo_ticket.add_action({"note": "Rebooted the router", "timetaken": 0.5})
    clock.shift(2)  # the script's next call, a moment later
    halo_ticket.update({"status_id": 9})
    api = native(engineer)
    assert api.get(f"/tickets/{ticket.pk}")["status"] == "closed"
    [entry] = api.get("/time-entries")["items"]  # the half hour sent, and nothing for closing
    assert entry["worked_seconds"] == 1800


def test_closing_with_time_sent_logs_exactly_that_time(halopsa, native, engineer, ticket):
    halopsa(engineer).Actions.update(
        ticket_id=ticket.pk, note="Fixed and closed", new_status=9, timetaken=0.25
    )
    api = native(engineer)
    assert api.get(f"/tickets/{ticket.pk}")["status"] == "closed"
    [entry] = api.get("/time-entries")["items"]
    assert entry["ticket_id"] == ticket.pk and entry["worked_seconds"] == 900


# --- actions with historic times -------------------------------------------------------------


def test_historic_actions_land_on_the_day_and_hours_worked(halopsa, native, engineer, ticket):
    actions = halopsa(engineer).Actions
    actions.update(
        ticket_id=ticket.pk,
        note="Remote session",
        outcome="Remote session",
        actionarrivaldate=halo_time(YESTERDAY, 9),
        actioncompletiondate=halo_time(YESTERDAY, 10, 30),
        timetaken=1.5,
    )
    actions.update(  # back to back with the first: no overlap
        ticket_id=ticket.pk,
        note="Follow-up call",
        actionarrivaldate=halo_time(YESTERDAY, 10, 30),
        timetaken=1,
    )
    actions.update(
        ticket_id=ticket.pk,
        note="Checked the backups",
        actioncompletiondate=halo_time(YESTERDAY, 14),
        timetaken=0.5,
    )
    api = native(engineer)
    spans = [(utc(e["started_at"]), utc(e["ended_at"])) for e in entries_of(api, YESTERDAY)]
    assert spans == [
        (at(YESTERDAY, 9), at(YESTERDAY, 10, 30)),
        (at(YESTERDAY, 10, 30), at(YESTERDAY, 11, 30)),
        (at(YESTERDAY, 13, 30), at(YESTERDAY, 14)),
    ]
    assert entries_of(api, NOW.date()) == []


def test_an_action_over_earlier_historic_time_is_refused(haloitsm, native, engineer, ticket):
    halo_ticket = haloitsm(engineer).tickets.get(ticket.pk)
    halo_ticket.add_action(
        {
            "note": "On site",
            "actionarrivaldate": halo_time(YESTERDAY, 9),
            "actioncompletiondate": halo_time(YESTERDAY, 11),
            "timetaken": 2,
        }
    )
    with pytest.raises(halo_itsm.HaloAPIError) as refused:
        halo_ticket.add_action(
            {
                "note": "Phone call in the middle of it",
                "actionarrivaldate": halo_time(YESTERDAY, 10),
                "actioncompletiondate": halo_time(YESTERDAY, 10, 30),
                "timetaken": 0.5,
            }
        )
    assert refused.value.status_code == 409
    assert len(entries_of(native(engineer), YESTERDAY)) == 1


def test_a_batch_of_actions_is_all_or_nothing(haloitsm, native, engineer, ticket):
    # halopsa's own queue mode wraps the batch in a second array ([[a, b]]), which is refused
    # as a whole; the raw post sends the batch as Halo documents it.
    with pytest.raises(halo_itsm.HaloAPIError) as refused:
        haloitsm(engineer).post(
            "/Actions",
            json=[
                {"ticket_id": ticket.pk, "note": "First", "timetaken": 0.5},
                {"ticket_id": ticket.pk, "note": "Second", "timetaken": "lots"},
            ],
        )
    assert refused.value.status_code == 422
    assert native(engineer).get("/time-entries")["count"] == 0


# --- timesheet events ------------------------------------------------------------------------
# Neither library wraps TimesheetEvent; both let a script post raw, as Halo's own examples do.


def test_timesheet_event_charge_rate_is_the_charge_type_used(
    haloitsm, native, engineer, ticket, internal
):
    haloitsm(engineer).post(
        "/TimesheetEvent",
        json=[
            {
                "ticket_id": ticket.pk,
                "agent_id": engineer.pk,
                "start_date": halo_time(YESTERDAY, 15),
                "end_date": halo_time(YESTERDAY, 16),
                "charge_rate": internal.pk,
            }
        ],
    )
    [entry] = entries_of(native(engineer), YESTERDAY)
    assert entry["charge_type_id"] == internal.pk and entry["is_billable"] is False


def test_timesheet_event_type_and_subject_are_kept_or_refused(haloitsm, native, engineer):
    sent = {
        "event_type": 0,
        "subject": "Team meeting",
        "agent_id": engineer.pk,
        "start_date": halo_time(YESTERDAY, 8),
        "end_date": halo_time(YESTERDAY, 8, 30),
    }
    try:
        saved = haloitsm(engineer).post("/TimesheetEvent", json=[sent])
    except halo_itsm.HaloAPIError as refused:  # a clear 4xx is as good as keeping them
        assert 400 <= refused.status_code < 500
        assert entries_of(native(engineer), YESTERDAY) == []
        return
    assert saved["event_type"] == 0 and saved["subject"] == "Team meeting"
    assert [e["id"] for e in entries_of(native(engineer), YESTERDAY)] == [saved["id"]]


# --- invoices and contracts ------------------------------------------------------------------


def test_halopsa_reads_an_invoice_with_numeric_money_and_its_balance(
    halopsa, engineer, approver, billing, ticket
):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=90, ticket=ticket
    )
    submission_approve(
        submission=submission_submit(agent=engineer, week_start=MONDAY, actor=engineer),
        actor=approver,
    )
    [draft] = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True).invoices
    invoice = invoice_issue(invoice=draft, actor=billing)
    payment_record(invoice=invoice, amount=Decimal("100.00"), received_on=NOW.date(), actor=billing)
    halo = halopsa(billing)
    [listed_invoice] = halo.Invoices.search(client_id=ticket.client_id)["invoices"]
    record = halo.Invoices.get(id=invoice.pk)
    for money in (listed_invoice, record):
        assert all(
            isinstance(money[f], int | float) for f in ("total", "tax_total", "amountpaid")
        ), money
        assert money["total"] == pytest.approx(162.00)  # 1.5 h × £90 + 20 % tax
        assert money["tax_total"] == pytest.approx(27.00)
        assert money["amountpaid"] == pytest.approx(100.00)
        assert money["amountdue"] == pytest.approx(62.00)
        assert money["duedate"].startswith(invoice.due_date.isoformat())


def test_halopsa_reads_contracts_with_halo_fields(halopsa, billing, client_acme):
    current = Contract.objects.create(
        client=client_acme,
        name="Support retainer",
        kind="retainer",
        starts_on=MONDAY - dt.timedelta(days=30),
        retainer_fee=Decimal("500.00"),
        is_default=True,
    )
    ended = Contract.objects.create(
        client=client_acme,
        name="Last year",
        starts_on=MONDAY - dt.timedelta(days=400),
        ends_on=MONDAY - dt.timedelta(days=35),
    )
    halo = halopsa(billing)
    records = {c["id"]: c for c in listed(halo.Contracts.search(client_id=client_acme.pk))}
    assert set(records) == {current.pk, ended.pk}
    retainer = halo.Contracts.get(id=current.pk)
    assert retainer["active"] is True and retainer["expired"] is False
    assert retainer["periodchargeamount"] == pytest.approx(500.00)
    assert retainer["contracttype"] not in (None, "") and "billingperiod" in retainer
    assert records[ended.pk]["active"] is False and records[ended.pk]["expired"] is True


# --- reference data --------------------------------------------------------------------------


def test_reference_endpoints_answer_the_halopsa_client(
    halopsa, haloitsm, engineer, team_a, client_acme, contact
):
    Site.objects.create(client=client_acme, name="Head office")
    TicketType.objects.create(name="Incident")
    halo = halopsa(engineer)
    assert any(s["id"] == 9 for s in listed(halo.Status.search()))  # Halo's "Closed"
    assert "Incident" in {t["name"] for t in listed(halo.TicketTypes.search())}
    assert "Team A" in {t["name"] for t in listed(halo.Teams.search())}
    assert "Head office" in {s["name"] for s in listed(halo.Sites.search())}
    assert contact.pk in {u["id"] for u in listed(halo.Users.search())}
    assert isinstance(listed(halo.Projects.search()), list)
    assert "Incident" in {t.name for t in haloitsm(engineer).ticket_types.list()}
