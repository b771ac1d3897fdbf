"""The OpenAPI document is complete and the docs page works offline."""

import json

import pytest
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db

PATHS = {
    "/clients": {"get", "post"},
    "/clients/{client_id}": {"get", "patch"},
    "/clients/{client_id}/sites": {"get", "post"},
    "/clients/{client_id}/sites/{site_id}": {"get", "patch"},
    "/tickets": {"get", "post"},
    "/tickets/{ticket_id}": {"get", "patch"},
    "/tickets/{ticket_id}/actions": {"get", "post"},
    "/tickets/{ticket_id}/work": {"post"},
    "/tickets/{ticket_id}/open": {"post"},
    "/timesheets/{agent_id}/days/{day}/total": {"post"},
    "/charge-types": {"get", "post"},
    "/charge-types/{charge_type_id}": {"get", "patch"},
    "/agents": {"get"},
    "/leave": {"get", "post"},
    "/leave/{leave_id}": {"delete"},
    "/tokens": {"get", "post"},
    "/tokens/{token_id}/revoke": {"post"},
    "/time-entries": {"get", "post"},
    "/time-entries/{entry_id}": {"get", "patch", "delete"},
    "/time-entries/{entry_id}/confirm": {"post"},
    "/timers": {"get", "post"},
    "/timers/{timer_id}": {"get"},
    "/timers/{timer_id}/pause": {"post"},
    "/timers/{timer_id}/resume": {"post"},
    "/timers/{timer_id}/stop": {"post"},
    "/timesheets/{agent_id}/{week}": {"get"},
    "/timesheets/{agent_id}/{week}/submit": {"post"},
    "/submissions": {"get"},
    "/submissions/{submission_id}": {"get"},
    "/submissions/{submission_id}/approve": {"post"},
    "/submissions/{submission_id}/reject": {"post"},
    "/submissions/{submission_id}/recall": {"post"},
    "/submissions/{submission_id}/reject-entries": {"post"},
    "/submissions/{submission_id}/reopen": {"post"},
    "/timesheets/{agent_id}/days/{day}": {"get"},
    "/timesheets/{agent_id}/{week}/copy-last-week": {"post"},
    "/timesheets/{agent_id}/tickets/{ticket_id}/submit": {"post"},
    "/approvals": {"get"},
    "/approvals/bulk-approve": {"post"},
    "/time-entries/{entry_id}/write-off": {"post"},
    "/time-entries/{entry_id}/history": {"get"},
    "/invoice-runs": {"post"},
    "/invoices": {"get"},
    "/invoices/{invoice_id}": {"get", "patch"},
    "/invoices/{invoice_id}/issue": {"post"},
    "/invoices/{invoice_id}/void": {"post"},
    "/invoice-runs/{run_id}": {"get"},
    "/invoices/{invoice_id}/lines": {"post"},
    "/invoices/{invoice_id}/lines/{line_id}": {"delete"},
    "/invoices/{invoice_id}/credit": {"post"},
    "/invoices/{invoice_id}/paid": {"post"},
    "/invoices/{invoice_id}/payments": {"get", "post"},
    "/invoices/{invoice_id}/payments/{payment_id}": {"delete"},
    "/invoices/{invoice_id}/deliveries": {"get"},
    "/invoices/{invoice_id}/send": {"post"},
    "/invoice-runs/{run_id}/issue": {"post"},
    "/invoices/{invoice_id}/pdf": {"get"},
    "/invoices/{invoice_id}/ubl": {"get"},
    "/contracts": {"get", "post"},
    "/contracts/{contract_id}/prepay": {"get", "post"},
    "/rates": {"get", "post"},
    "/reports/utilisation": {"get"},
    "/reports/missed-hours": {"get"},
    "/reports/unbilled": {"get"},
    "/reports/profitability": {"get"},
    "/notices": {"get"},
    "/notices/read": {"post"},
    "/webhooks": {"get", "post"},
    "/webhooks/{subscription_id}": {"delete"},
    "/webhook-deliveries": {"get"},
    "/webhook-deliveries/{delivery_id}/replay": {"post"},
    "/api-applications": {"get", "post"},
    "/api-applications/{application_id}/revoke": {"post"},
}

# Creating POSTs (201) that do not take Idempotency-Key, and why: replaying the answer would
# mean storing a secret of which only a digest is kept.
NOT_IDEMPOTENT = {
    "create_token": "the answer carries the token's secret",
    "create_api_application": "the answer carries the application's secret",
}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = HttpClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_path_is_documented(schema):
    paths = {path.removeprefix("/api/v1"): set(ops) for path, ops in schema["paths"].items()}
    assert paths == PATHS


def test_every_operation_is_described_and_secured(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary") and operation.get("description"), where
            assert operation.get("tags"), where
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, where
            assert "401" in operation["responses"], where
            assert {"BearerToken": []} in operation["security"], where
            assert {"SessionAuth": []} in operation["security"], where
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_docs_are_served_from_this_server():
    http = HttpClient()
    page = http.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html and "https://" not in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert f"/api/v1/docs/assets/{asset}" in html
        response = http.get(f"/api/v1/docs/assets/{asset}")
        assert response.status_code == 200 and response["Content-Type"] in (
            "text/css",
            "text/javascript",
            "application/javascript",
        )
    assert http.get("/api/v1/docs/assets/..%2Fsettings.py").status_code == 404


def _has_example(node: object) -> bool:
    text = json.dumps(node)
    return '"example"' in text or '"examples"' in text


def test_every_operation_has_an_example(schema):
    """Bodies show what to send; operations without one show a parameter or an answer."""
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is not None:
                found = any(
                    "example" in media or "examples" in media for media in body["content"].values()
                )
            else:
                answers = [
                    answer.get("content", {})
                    for status, answer in operation["responses"].items()
                    if str(status).startswith("2")
                ]
                found = any(_has_example(p) for p in operation.get("parameters", [])) or any(
                    _has_example(content) for content in answers
                )
            if not found:
                missing.append(f"{method.upper()} {path}")
    assert not missing


def test_every_creating_post_honours_idempotency_key(schema):
    """A POST that answers 201 creates something; a retried request must not create twice."""
    creating = []
    for path, operations in schema["paths"].items():
        operation = operations.get("post")
        if operation is None or "201" not in operation["responses"]:
            continue
        creating.append(operation["operationId"])
        if operation["operationId"] in NOT_IDEMPOTENT:
            continue
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert any(p["name"] == "Idempotency-Key" for p in headers), f"POST {path}"
        assert "Idempotency-Key" in operation["description"], f"POST {path}"
    assert set(NOT_IDEMPOTENT) <= set(creating)
    assert len(creating) > 15
