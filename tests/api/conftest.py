"""A small JSON client for /api/v1 and an assertion for the error format."""

import json
from typing import Any

import pytest
from django.test import Client as HttpClient

from tallyhour.accounts.models import User
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at, bearer

PREFIX = "/api/v1"


class Api:
    """Calls the API as one user with a bearer token (or anonymously)."""

    def __init__(self, user: User | None = None, headers: dict[str, str] | None = None):
        self.http = HttpClient()
        self.headers = {**(bearer(user) if user else {}), **(headers or {})}

    def get(self, path: str, **params: Any):  # noqa: ANN201
        return self.http.get(PREFIX + path, params, headers=self.headers)

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str] | None):  # noqa: ANN202
        data = body if isinstance(body, str) else json.dumps(body)
        return getattr(self.http, method)(
            PREFIX + path,
            data=data,
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):  # noqa: ANN201
        return self._send("post", path, {} if body is None else body, headers)

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):  # noqa: ANN201
        return self._send("patch", path, body, headers)

    def delete(self, path: str):  # noqa: ANN201
        return self.http.delete(PREFIX + path, headers=self.headers)


@pytest.fixture
def api_as():
    return Api


def assert_error(response, status: int, *fields: str) -> dict[str, Any]:  # noqa: ANN001
    """The response is a `status` error in the API's format, naming each of `fields`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "message", "fields"}, body
    assert body["message"]
    for field in fields:
        assert field in body["fields"], body
    return body


@pytest.fixture
def draft_entry(engineer, ticket) -> TimeEntry:
    """One hour of the engineer's billable ticket work on Monday morning."""
    return time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )


@pytest.fixture
def approved_entry(draft_entry, engineer, approver) -> TimeEntry:
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    draft_entry.refresh_from_db()
    return draft_entry


@pytest.fixture
def invoice_draft(approved_entry, billing):
    """A draft invoice billing the approved entry."""
    from tallyhour.billing.runs import invoice_run_execute

    [invoice] = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True).invoices
    return invoice
