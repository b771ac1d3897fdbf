"""The native API's ticket priority, site, end user, problem start and custom fields, and an
action's outcome: read, create, change, and refused with a 422 naming the field."""

import datetime as dt

import pytest

from tallyhour.crm.models import Contact, Site
from tallyhour.servicedesk.models import Action, Ticket
from tests.api.conftest import Api, assert_error
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_office(client_acme) -> Site:
    return Site.objects.create(client=client_acme, name="Head office")


@pytest.fixture
def end_user(client_acme) -> Contact:
    return Contact.objects.create(client=client_acme, name="Grace Hopper", email="grace@acme.test")


@pytest.fixture
def globex_site(client_globex) -> Site:
    return Site.objects.create(client=client_globex, name="Springfield plant")


@pytest.fixture
def globex_user(client_globex) -> Contact:
    return Contact.objects.create(client=client_globex, name="Homer", email="homer@globex.test")


def test_a_ticket_reads_with_the_new_fields_and_their_defaults(engineer, ticket):
    body = Api(engineer).get(f"/tickets/{ticket.pk}").json()
    assert {k: body[k] for k in ("priority", "site_id", "contact_id", "occurred_at")} == {
        "priority": 3,
        "site_id": None,
        "contact_id": None,
        "occurred_at": None,
    }
    assert body["custom_fields"] == {}


def test_create_with_every_new_field(engineer, client_acme, head_office, end_user):
    fields = {"Asset": "LT-42", "Users": 3, "Free %": 4.5, "VIP": True, "Spare": None}
    response = Api(engineer).post(
        "/tickets",
        {
            "client_id": client_acme.pk,
            "summary": "Disk nearly full",
            "priority": 2,
            "site_id": head_office.pk,
            "contact_id": end_user.pk,
            "occurred_at": "2026-11-16T07:40:00+01:00",
            "custom_fields": fields,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["priority"], body["site_id"], body["contact_id"]) == (
        2,
        head_office.pk,
        end_user.pk,
    )
    began = dt.datetime.fromisoformat(body["occurred_at"])
    assert began == dt.datetime(2026, 11, 16, 6, 40, tzinfo=dt.UTC)
    assert body["custom_fields"] == fields
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.custom_fields == fields and isinstance(ticket.custom_fields["Users"], int)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"priority": 7}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"site_id": 999_999}, "site_id"),
        ({"contact_id": 999_999}, "contact_id"),
        ({"site_id": 0}, "site_id"),
        ({"occurred_at": "2026-11-16T07:40:00"}, "occurred_at"),  # no zone
        ({"occurred_at": "9999-01-01T00:00:00Z"}, "occurred_at"),
        ({"custom_fields": [{"name": "a", "value": 1}]}, "custom_fields"),
        ({"custom_fields": "text"}, "custom_fields"),
        ({"custom_fields": {"Nested": {"a": 1}}}, "custom_fields"),
        ({"custom_fields": {"List": [1]}}, "custom_fields"),
        ({"custom_fields": {"Long": "x" * 4001}}, "custom_fields"),
        ({"custom_fields": {"": "no name"}}, "custom_fields"),
        ({"custom_fields": {"n" * 101: 1}}, "custom_fields"),
        ({"custom_fields": {f"f{i}": i for i in range(101)}}, "custom_fields"),
        ({"custom_fields": {"Nul": "a\x00b"}}, "custom_fields"),
    ],
)
def test_create_refuses_bad_values_naming_the_field(engineer, client_acme, extra, field):
    response = Api(engineer).post(
        "/tickets", {"client_id": client_acme.pk, "summary": "Bad", **extra}
    )
    assert_error(response, 422, field)
    assert not Ticket.objects.filter(summary="Bad").exists()


def test_a_bad_custom_field_is_named_in_one_message(engineer, client_acme):
    body = {"client_id": client_acme.pk, "summary": "Bad", "custom_fields": {"Nested": {}}}
    refused = assert_error(Api(engineer).post("/tickets", body), 422)
    assert list(refused["fields"]) == ["custom_fields"]
    assert "'Nested' must be text, a number, true, false or null" in refused["message"]


def test_create_refuses_a_site_or_end_user_of_another_client(
    engineer, client_acme, globex_site, globex_user
):
    api = Api(engineer)
    body = {"client_id": client_acme.pk, "summary": "Mixed up"}
    refused = assert_error(api.post("/tickets", {**body, "site_id": globex_site.pk}), 422)
    assert set(refused["fields"]) == {"site_id"}
    refused = assert_error(api.post("/tickets", {**body, "contact_id": globex_user.pk}), 422)
    assert set(refused["fields"]) == {"contact_id"}
    assert "another client" in refused["message"]
    assert not Ticket.objects.filter(summary="Mixed up").exists()


def test_patch_sets_and_clears_the_new_fields(engineer, ticket, head_office, end_user):
    api = Api(engineer)
    changed = api.patch(
        f"/tickets/{ticket.pk}",
        {
            "priority": 1,
            "site_id": head_office.pk,
            "contact_id": end_user.pk,
            "occurred_at": "2026-11-16T07:40:00Z",
            "custom_fields": {"Asset": "PR-7"},
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["priority"], body["site_id"], body["contact_id"]) == (
        1,
        head_office.pk,
        end_user.pk,
    )
    # Fields not sent stay; custom_fields replaces the whole set; null clears.
    body = api.patch(f"/tickets/{ticket.pk}", {"custom_fields": {"Room": 12}}).json()
    assert body["priority"] == 1 and body["custom_fields"] == {"Room": 12}
    body = api.patch(
        f"/tickets/{ticket.pk}", {"site_id": None, "contact_id": None, "occurred_at": None}
    ).json()
    assert (body["site_id"], body["contact_id"], body["occurred_at"]) == (None, None, None)
    assert body["priority"] == 1


def test_patch_refuses_naming_the_field(engineer, ticket, globex_site, globex_user):
    api = Api(engineer)
    assert_error(api.patch(f"/tickets/{ticket.pk}", {"priority": None}), 422, "priority")
    assert_error(api.patch(f"/tickets/{ticket.pk}", {"custom_fields": None}), 422, "custom_fields")
    assert_error(api.patch(f"/tickets/{ticket.pk}", {"site_id": globex_site.pk}), 422, "site_id")
    refused = assert_error(
        api.patch(f"/tickets/{ticket.pk}", {"contact_id": globex_user.pk}), 422, "contact_id"
    )
    assert "user_id" not in refused["fields"]
    ticket.refresh_from_db()
    assert ticket.site is None and ticket.contact is None


def test_the_list_filters_by_priority(engineer, client_acme):
    TicketFactory(client=client_acme, summary="Fire", priority=1)
    TicketFactory(client=client_acme, summary="Whenever", priority=4)
    api = Api(engineer)
    body = api.get("/tickets", priority=1).json()
    assert [t["summary"] for t in body["items"]] == ["Fire"]
    assert_error(api.get("/tickets", priority=5), 422, "priority")


def test_an_action_keeps_and_shows_its_outcome(engineer, ticket):
    api = Api(engineer)
    response = api.post(
        f"/tickets/{ticket.pk}/actions",
        {"body": "Talked it through", "time_minutes": 0, "outcome": " Phone call "},
    )
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "Phone call"
    assert Action.objects.get().outcome == "Phone call"
    [listed] = api.get(f"/tickets/{ticket.pk}/actions").json()
    assert listed["outcome"] == "Phone call"
    plain = api.post(f"/tickets/{ticket.pk}/actions", {"body": "No outcome", "time_minutes": 0})
    assert plain.json()["outcome"] == ""
    assert_error(
        api.post(f"/tickets/{ticket.pk}/actions", {"body": "x", "outcome": "o" * 101}),
        422,
        "outcome",
    )
