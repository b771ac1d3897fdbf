"""Schema-driven fuzzing: every operation, called as an admin with generated input, answers
without a 5xx, as its schema says, and writes nothing when it refuses the input (4xx)."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tallyhour.billing.models import Invoice
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import TimeEntry
from tallyhour.wsgi import application
from tests.conftest import bearer

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
]
COUNTED = (TimeEntry, Ticket, Submission, Invoice)


# The schema endpoint reads no rows, so it can be loaded before any database exists.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def keep_test_connection():  # noqa: ANN201
    """Calls go through the real WSGI handler, whose end-of-request hook would close the test
    transaction's connection (PostgreSQL); Django's test client detaches it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _counts() -> list[int]:
    return [model.objects.count() for model in COUNTED]


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_operation_as_documented(case, admin, draft_entry, approved_entry):  # noqa: ANN001
    before = _counts()
    response = case.call_and_validate(headers=bearer(admin), checks=CHECKS)
    if 400 <= response.status_code < 500:
        assert _counts() == before, f"{case.method} {case.path} answered 4xx but wrote rows"
