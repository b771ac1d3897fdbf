"""Every failure a service can raise comes back in the one error format."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError
from django.http import Http404

from tallyhour.core.errors import Conflict
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raised", "status", "code", "field"),
    [
        (ValidationError({"client": ["Pick one."]}), 422, "invalid", "client_id"),
        (ValidationError("Not like this."), 422, "invalid", "__all__"),
        (Http404("No such thing."), 404, "not_found", None),
        (PermissionDenied("Not yours."), 403, "forbidden", None),
        (Conflict("Locked.", fields={"name": "locked"}, code="locked"), 409, "locked", "name"),
        (IntegrityError("duplicate key"), 409, "conflict", None),
        (DataError("value too long"), 422, "invalid", None),
    ],
)
def test_failures_map_to_the_error_format(
    api_as, billing, monkeypatch, raised, status, code, field
):
    def fail(**kwargs: object) -> None:
        raise raised

    monkeypatch.setattr("tallyhour.crm.api.client_create", fail)
    body = assert_error(api_as(billing).post("/clients", {"name": "Globex"}), status)
    assert body["error"] == code
    if field:
        assert field in body["fields"]
