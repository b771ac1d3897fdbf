"""ETag on single time entries and tickets; a stale If-Match on a change or delete is 412."""

import pytest

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
