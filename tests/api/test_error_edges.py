"""Failures Django raises before a route runs still answer in the API's error format."""

import pytest

from tests.api.conftest import Api, assert_error

pytestmark = pytest.mark.django_db


def test_too_many_query_fields_is_a_json_400(engineer, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"agent_id={n}" for n in range(20))
    api = Api(engineer)
    response = api.http.get(f"/api/v1/reports/utilisation?{query}", headers=api.headers)
    assert assert_error(response, 400)["error"] == "bad_request"


def test_every_operation_documents_the_common_failures():
    from tallyhour.api.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = {str(code) for code in operation["responses"]}
            assert {"400", "401", "403", "422", "429"} <= documented, f"{method} {path}"
