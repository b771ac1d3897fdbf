"""ETag on single time entries and tickets; a stale If-Match on a change or delete is 412."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F

from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import TimeEntry
from tests.api.conftest import Api, assert_error

pytestmark = pytest.mark.django_db


def test_time_entry_get_carries_an_etag_that_changes_on_update(engineer, draft_entry):
    api = Api(engineer)
    first = api.get(f"/time-entries/{draft_entry.pk}")
    tag = first["ETag"]
    assert tag.startswith('"')
    changed = api.patch(f"/time-entries/{draft_entry.pk}", {"note": "x"}, headers={"If-Match": tag})
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] != tag
    assert api.get(f"/time-entries/{draft_entry.pk}")["ETag"] == changed["ETag"]


def test_stale_if_match_on_time_entry_is_412_and_writes_nothing(engineer, draft_entry):
    api = Api(engineer)
    stale = api.get(f"/time-entries/{draft_entry.pk}")["ETag"]
    assert api.patch(f"/time-entries/{draft_entry.pk}", {"note": "first"}).status_code == 200
    response = api.patch(
        f"/time-entries/{draft_entry.pk}", {"note": "second"}, headers={"If-Match": stale}
    )
    body = assert_error(response, 412)
    assert body["error"] == "precondition_failed"
    assert TimeEntry.objects.get().note == "first"
    deleted = api.http.delete(
        f"/api/v1/time-entries/{draft_entry.pk}", headers={**api.headers, "If-Match": stale}
    )
    assert_error(deleted, 412)
    assert TimeEntry.objects.exists()


def test_matching_or_wildcard_if_match_deletes(engineer, draft_entry):
    api = Api(engineer)
    tag = api.get(f"/time-entries/{draft_entry.pk}")["ETag"]
    response = api.http.delete(
        f"/api/v1/time-entries/{draft_entry.pk}", headers={**api.headers, "If-Match": f'"x", {tag}'}
    )
    assert response.status_code == 204
    assert not TimeEntry.objects.exists()


def test_weak_tags_never_match(engineer, draft_entry):
    api = Api(engineer)
    tag = api.get(f"/time-entries/{draft_entry.pk}")["ETag"]
    response = api.patch(
        f"/time-entries/{draft_entry.pk}", {"note": "x"}, headers={"If-Match": f"W/{tag}"}
    )
    assert_error(response, 412)


def test_ticket_etag_and_stale_patch(engineer, ticket):
    api = Api(engineer)
    tag = api.get(f"/tickets/{ticket.pk}")["ETag"]
    assert (
        api.patch(
            f"/tickets/{ticket.pk}", {"summary": "new"}, headers={"If-Match": "*"}
        ).status_code
        == 200
    )
    response = api.patch(f"/tickets/{ticket.pk}", {"summary": "newer"}, headers={"If-Match": tag})
    assert_error(response, 412)
    assert Ticket.objects.get().summary == "new"


def test_no_if_match_keeps_working(engineer, ticket):
    assert Api(engineer).patch(f"/tickets/{ticket.pk}", {"summary": "plain"}).status_code == 200


# --- every update checks If-Match -----------------------------------------------------------


def _submitted(engineer):
    from tallyhour.timesheets.services import submission_submit
    from tests.conftest import MONDAY

    return submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)


def _week(f):  # noqa: ANN001, ANN202
    """The engineer's week with the draft entry in it, submitted."""
    f.draft_entry  # noqa: B018 — the entry must exist before the week is submitted
    return _submitted(f.engineer)


def _issued(invoice, billing):
    from tallyhour.billing.invoices import invoice_issue

    invoice_issue(invoice=invoice, actor=billing)
    return invoice


def _timer(engineer, ticket, *, paused=False):
    from tallyhour.timetracking.timers import timer_pause, timer_start

    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    return timer_pause(timer=timer, actor=engineer) if paused else timer


def _site(client):  # noqa: ANN001, ANN202
    from tallyhour.crm.models import Site

    return Site.objects.create(client=client, name="Leeds office")


def _flagged(entry):
    TimeEntry.objects.filter(pk=entry.pk).update(needs_review=True)
    return entry


# name → (actor fixture, build(fixtures) → (read path, method, write path, body), success)
CASES = {
    "change charge type": (
        "admin",
        lambda f: (f"/charge-types/{f.remote_support.pk}",) * 2,
        "patch",
        {"multiplier_out_of_hours": "1.5"},
        200,
    ),
    "change client": (
        "billing",
        lambda f: (f"/clients/{f.client_acme.pk}",) * 2,
        "patch",
        {"billing_address": "2 New Road"},
        200,
    ),
    "change site": (
        "billing",
        lambda f: (f"/clients/{f.client_acme.pk}/sites/{_site(f.client_acme).pk}",) * 2,
        "patch",
        {"name": "Leeds HQ"},
        200,
    ),
    "approve": (
        "approver",
        lambda f: (f"/submissions/{_week(f).pk}", "/approve"),
        "post",
        {},
        200,
    ),
    "reject": (
        "approver",
        lambda f: (f"/submissions/{_week(f).pk}", "/reject"),
        "post",
        {"reason": "Check Tuesday"},
        200,
    ),
    "return entries": (
        "approver",
        lambda f: (f"/submissions/{_week(f).pk}", "/reject-entries"),
        "post",
        lambda f: {"entry_ids": [f.draft_entry.pk], "reason": "Wrong ticket"},
        200,
    ),
    "recall": (
        "engineer",
        lambda f: (f"/submissions/{_week(f).pk}", "/recall"),
        "post",
        {},
        200,
    ),
    "reopen": (
        "approver",
        lambda f: (f"/submissions/{f.approved_entry.submission_id}", "/reopen"),
        "post",
        {"reason": "Client query"},
        200,
    ),
    "write off": (
        "approver",
        lambda f: (f"/time-entries/{_week(f) and f.draft_entry.pk}", "/write-off"),
        "post",
        {"billable_minutes": 30, "reason": "Learning"},
        200,
    ),
    "confirm": (
        "engineer",
        lambda f: (f"/time-entries/{_flagged(f.draft_entry).pk}", "/confirm"),
        "post",
        {},
        200,
    ),
    "issue": ("billing", lambda f: (f"/invoices/{f.invoice_draft.pk}", "/issue"), "post", {}, 200),
    "void": (
        "billing",
        lambda f: (f"/invoices/{f.invoice_draft.pk}", "/void"),
        "post",
        {"reason": "Wrong client"},
        200,
    ),
    "add line": (
        "billing",
        lambda f: (f"/invoices/{f.invoice_draft.pk}", "/lines"),
        "post",
        {"description": "Toner", "quantity": "1", "unit_price": "50"},
        201,
    ),
    "remove line": (
        "billing",
        lambda f: (
            f"/invoices/{f.invoice_draft.pk}",
            f"/lines/{f.invoice_draft.lines.first().pk}",
        ),
        "delete",
        None,
        200,
    ),
    "credit": (
        "billing",
        lambda f: (f"/invoices/{_issued(f.invoice_draft, f.billing).pk}", "/credit"),
        "post",
        {"reason": "Wrong rate"},
        201,
    ),
    "mark paid": (
        "billing",
        lambda f: (f"/invoices/{_issued(f.invoice_draft, f.billing).pk}", "/paid"),
        "post",
        {},
        200,
    ),
    "pause": (
        "engineer",
        lambda f: (f"/timers/{_timer(f.engineer, f.ticket).pk}", "/pause"),
        "post",
        {},
        200,
    ),
    "resume": (
        "engineer",
        lambda f: (f"/timers/{_timer(f.engineer, f.ticket, paused=True).pk}", "/resume"),
        "post",
        {},
        200,
    ),
    "stop": (
        "engineer",
        lambda f: (f"/timers/{_timer(f.engineer, f.ticket).pk}", "/stop"),
        "post",
        {},
        200,
    ),
}


class _Fixtures:
    def __init__(self, request):  # noqa: ANN001
        self._request = request

    def __getattr__(self, name: str):  # noqa: ANN204
        return self._request.getfixturevalue(name)


def _send(api: Api, method: str, path: str, body, tag: str):  # noqa: ANN001, ANN202
    headers = {"If-Match": tag}
    if method == "delete":
        return api.http.delete("/api/v1" + path, headers={**api.headers, **headers})
    return getattr(api, method)(path, body, headers=headers)


@pytest.mark.parametrize("case", CASES)
def test_every_update_refuses_a_stale_if_match(request, case):
    actor, build, method, body, success = CASES[case]
    fixtures = _Fixtures(request)
    read_path, write_suffix = build(fixtures)
    write_path = write_suffix if write_suffix.startswith(read_path) else read_path + write_suffix
    if callable(body):
        body = body(fixtures)
    api = Api(request.getfixturevalue(actor))
    first = api.get(read_path)
    assert first.status_code == 200, first.content
    tag = first["ETag"]

    stale = _send(api, method, write_path, body, '"an-older-version"')
    assert assert_error(stale, 412)["error"] == "precondition_failed"
    assert api.get(read_path)["ETag"] == tag, "a refused write changed the object"

    done = _send(api, method, write_path, body, tag)
    assert done.status_code == success, done.content
    if case in {"stop", "credit"}:
        return  # a stopped timer is gone; a credit note is a new invoice, the credited unchanged
    now = api.get(read_path)["ETag"]
    assert now != tag
    if "ETag" in done:
        assert done["ETag"] == now
    # The tag read before the change is stale now.
    assert _send(api, method, write_path, body, tag).status_code == 412


def test_a_change_by_someone_else_makes_the_invoice_tag_stale(billing, invoice_draft):
    from tallyhour.billing.invoices import invoice_line_add

    api = Api(billing)
    tag = api.get(f"/invoices/{invoice_draft.pk}")["ETag"]
    invoice_line_add(
        invoice=invoice_draft,
        description="Cable",
        quantity=Decimal("1"),
        unit_price=Decimal("5"),
        actor=billing,
    )
    response = api.post(f"/invoices/{invoice_draft.pk}/issue", {}, headers={"If-Match": tag})
    assert_error(response, 412)
    invoice_draft.refresh_from_db()
    assert invoice_draft.number is None


def test_submission_tag_changes_when_its_state_does(engineer, approver, draft_entry):
    submission = _submitted(engineer)
    api = Api(engineer)
    tag = api.get(f"/submissions/{submission.pk}")["ETag"]
    from tallyhour.timesheets.services import submission_reject

    submission_reject(submission=submission, actor=approver, reason="Fix Tuesday")
    assert_error(
        api.post(f"/submissions/{submission.pk}/recall", {}, headers={"If-Match": tag}), 412
    )


def test_client_patch_changes_only_what_is_sent(billing, client_acme):
    api = Api(billing)
    response = api.patch(
        f"/clients/{client_acme.pk}", {"payment_terms_days": 14, "billing_email": "ap@acme.test"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["payment_terms_days"]) == ("Acme Ltd", 14)
    assert_error(api.patch(f"/clients/{client_acme.pk}", {"name": None}), 422, "name")
    assert_error(api.patch(f"/clients/{client_acme.pk}", {"billing_email": "nope"}), 422)


def test_engineers_may_not_change_clients(engineer, client_acme):
    assert_error(Api(engineer).patch(f"/clients/{client_acme.pk}", {"name": "X"}), 403)


# Writes on one object that need no If-Match, and why.
NO_PRECONDITION = {
    "delete_leave": "leave is never changed in place, only recorded or removed",
    "revoke_token": "revoking is final and harmless to repeat",
    "revoke_api_application": "revoking is final and harmless to repeat",
    "delete_webhook": "subscriptions are never changed in place, only added or removed",
    "work_on_ticket": "starts or resumes the caller's own timer; repeating changes nothing",
    "set_day_total": "adds, shortens or removes draft entries by their own checks; no ETag",
    "open_ticket": "starts or resumes the caller's own timer; repeating changes nothing",
    "issue_run": "issues each named invoice only while it is a draft; others are reported",
}


def test_every_update_documents_412():
    """Writes that change an existing object (not the 201 creations) answer 412 when stale."""
    from django.test import Client as HttpClient

    schema = HttpClient().get("/api/v1/openapi.json").json()
    unguarded = []
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        for method, operation in operations.items():
            if method == "get" or "201" in operation["responses"]:
                continue
            if operation["operationId"] in NO_PRECONDITION:
                continue
            if "412" not in operation["responses"]:
                unguarded.append(f"{method.upper()} {path}")
    assert not unguarded


def _read_then_overtaken(monkeypatch, module, name: str, overtake) -> None:  # noqa: ANN001
    """The route's read returns what it read, then a parallel writer commits before the
    route's write takes its lock (the race two clients holding one ETag run into)."""
    read = getattr(module, name)

    def read_and_let_another_writer_in(**kwargs):  # noqa: ANN003, ANN202
        found = read(**kwargs)
        overtake(found)
        return found

    monkeypatch.setattr(module, name, read_and_let_another_writer_in)


def test_if_match_is_compared_on_the_locked_row_not_the_earlier_read(
    engineer, draft_entry, monkeypatch
):
    from tallyhour.timetracking import api as entries_api

    api = Api(engineer)
    tag = api.get(f"/time-entries/{draft_entry.pk}")["ETag"]

    def other_writer(entry: TimeEntry) -> None:
        TimeEntry.objects.filter(pk=entry.pk).update(
            note="the other writer", version=F("version") + 1
        )

    _read_then_overtaken(monkeypatch, entries_api, "time_entry_get", other_writer)
    response = api.patch(
        f"/time-entries/{draft_entry.pk}", {"note": "mine"}, headers={"If-Match": tag}
    )
    assert assert_error(response, 412)["error"] == "precondition_failed"
    assert TimeEntry.objects.get().note == "the other writer"


def test_ticket_if_match_is_compared_on_the_locked_row(engineer, ticket, monkeypatch):
    from tallyhour.servicedesk import api as tickets_api

    api = Api(engineer)
    tag = api.get(f"/tickets/{ticket.pk}")["ETag"]

    def other_writer(found: Ticket) -> None:
        # A save bumps `updated_at`, which the ticket's tag is made of.
        Ticket.objects.filter(pk=found.pk).update(
            summary="renamed meanwhile", updated_at=F("updated_at") + dt.timedelta(seconds=1)
        )

    _read_then_overtaken(monkeypatch, tickets_api, "ticket_get", other_writer)
    response = api.patch(f"/tickets/{ticket.pk}", {"summary": "mine"}, headers={"If-Match": tag})
    assert_error(response, 412)
    assert Ticket.objects.get().summary == "renamed meanwhile"
