"""Hostile input to every documented operation: always a 2xx or a 4xx in the error format."""

import json

import pytest
from django.test import Client as HttpClient

from tallyhour.api.api import api
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

BIG = 2**64
# One value per field name the API accepts anywhere, each at or beyond its limits.
EXTREMES = {
    "started_at": "9000-12-31T23:59:59-14:00",
    "ended_at": "1970-01-01T00:00:00+14:00",
    "duration_minutes": 24 * 60,
    "ticket_id": 2**63 - 1,
    "charge_type_id": BIG,
    "agent_id": 2**63 - 1,
    "client_id": BIG,
    "assignee_id": 2**63 - 1,
    "client_ids": [BIG, 1],
    "cut_off": "9000-12-31",
    "start": "1970-01-01",
    "end": "9000-12-31",
    "commit": True,
    "reason": "r" * 2_001,
    "note": "n" * 10_001,
    "comment": "c" * 2_001,
    "name": "x" * 201,
    "summary": "s" * 201,
    "details": "d",
    "currency": "ZZZ",
    "tax_rate": "99.999",
    "hourly_rate": "1e20",
    "status": "closed",
    "state": "draft",
    "is_billable": False,
    "limit": 500,
    "offset": 2**31,
    "active": "maybe",
    "awaiting_me": "yes",
}
# Values that pass the schemas, so the services and the database see them.
PLAUSIBLE = {
    "started_at": "2026-11-17T09:00:00Z",
    "duration_minutes": 30,
    "cut_off": "2026-11-30",
    "start": "2026-11-16",
    "end": "2026-11-22",
    "commit": True,
    "reason": "why",
    "note": "n",
    "comment": "c",
    "name": "New",
    "summary": "s",
    "currency": "EUR",
    "tax_rate": "5",
    "hourly_rate": "10",
}
HOSTILE = [
    EXTREMES,
    dict.fromkeys(EXTREMES, None),
    dict.fromkeys(EXTREMES, "\x00"),
    dict.fromkeys(EXTREMES, -1),
    dict.fromkeys(EXTREMES, "NaN"),
]
RAW_BODIES = ["", "[]", '"text"', "{", "null"]
WEEKS = ["2026-W47", "9000-W52", "1969-W01", "2026-W00"]  # the first is real


def operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="")
    return [(method, path) for path, ops in schema["paths"].items() for method in ops]


def filled(path: str, ids: dict[str, int]) -> list[str]:
    """The path with real ids, then with each parameter in turn made absurd."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    real = {name: str(ids.get(name, WEEKS[0])) for name in names}
    absurd = WEEKS[1:] if "week" in names else []
    variants = [real] + [{**real, n: bad} for n in names for bad in [str(BIG), "abc"]]
    variants += [{**real, "week": week} for week in absurd]
    return [path.format(**values) for values in variants]


@pytest.mark.parametrize(("method", "path"), operations())
def test_no_input_causes_a_server_error(admin, approved_entry, invoice_draft, method, path):
    http, headers = HttpClient(), Api(admin).headers

    def call(url: str, variants: list[dict]) -> list:
        if method == "get":
            queries = [{k: "" if v is None else v for k, v in q.items()} for q in variants]
            return [http.get(url, q, headers=headers) for q in queries]
        send = getattr(http, method)
        bodies = [json.dumps(v) for v in variants] + RAW_BODIES
        return [send(url, b, content_type="application/json", headers=headers) for b in bodies]

    timer = Api(admin).post("/timers", {"charge_type_id": approved_entry.charge_type_id}).json()
    ids = {
        "entry_id": approved_entry.pk,
        "submission_id": approved_entry.submission_id,
        "invoice_id": invoice_draft.pk,
        "agent_id": approved_entry.agent_id,
        "timer_id": timer["id"],
        "ticket_id": approved_entry.ticket_id,
    }
    real = {"ticket_id": approved_entry.ticket_id, "client_id": invoice_draft.client_id}
    plausible = {**PLAUSIBLE, **real, "client_ids": [invoice_draft.client_id]}
    with_nul = {k: f"{v}\x00" if isinstance(v, str) else v for k, v in plausible.items()}
    variants = [{}, plausible, with_nul, *HOSTILE]
    urls = filled("/api/v1" + path, ids)
    # Absurd paths are refused before the body is read, so only the real one gets every body.
    responses = [
        *call(urls[0], variants),
        *(r for url in urls[1:] for r in call(url, [{}])),
    ]
    for response in responses:
        assert response.status_code < 500, (method, response.request["PATH_INFO"], response.content)
        if response.status_code >= 400:
            assert set(response.json()) == {"error", "message", "fields"}
