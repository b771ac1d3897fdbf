"""Every creating POST honours Idempotency-Key: the retry answers the first result and
creates nothing more (the schema test in test_openapi.py checks that each one documents it)."""

import pytest

from tallyhour.billing.models import Invoice, InvoiceLine
from tallyhour.contracts.models import Contract, PrepayEntry, Rate
from tallyhour.crm.models import Client
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import ChargeType, TimeEntry
from tests.api.conftest import Api
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


def _contract(f):  # noqa: ANN001, ANN202
    from tallyhour.contracts.services import contract_create

    return contract_create(
        client=f.client_acme,
        actor=f.admin,
        name="Prepay",
        kind="prepay",
        starts_on=MONDAY,
    )


def _with_entry(f):  # noqa: ANN001, ANN202
    return f.draft_entry


def _per_ticket(f):  # noqa: ANN001, ANN202
    f.org.submission_mode = "per_ticket"
    f.org.save()
    return f.draft_entry


def _issued(f):  # noqa: ANN001, ANN202
    from tallyhour.billing.invoices import invoice_issue

    invoice_issue(invoice=f.invoice_draft, actor=f.billing)
    return f.invoice_draft


# name → (actor, path(fixtures), body, model counted)
CASES = {
    "client": ("billing", lambda f: "/clients", {"name": "Globex"}, Client),
    "charge type": ("admin", lambda f: "/charge-types", {"name": "Onsite"}, ChargeType),
    "submit week": (
        "engineer",
        lambda f: f"/timesheets/{_with_entry(f).agent_id}/2026-W47/submit",
        {},
        Submission,
    ),
    "copy last week": (
        "engineer",
        lambda f: f"/timesheets/{f.engineer.pk}/2026-W48/copy-last-week",
        None,
        TimeEntry,
    ),
    "submit ticket": (
        "engineer",
        lambda f: f"/timesheets/{f.engineer.pk}/tickets/{_per_ticket(f).ticket_id}/submit",
        {},
        Submission,
    ),
    "manual line": (
        "billing",
        lambda f: f"/invoices/{f.invoice_draft.pk}/lines",
        {"description": "Toner", "quantity": "1", "unit_price": "50"},
        InvoiceLine,
    ),
    "credit note": (
        "billing",
        lambda f: f"/invoices/{_issued(f).pk}/credit",
        {"reason": "Wrong rate"},
        Invoice,
    ),
    "contract": (
        "billing",
        lambda f: "/contracts",
        lambda f: {"client_id": f.client_acme.pk, "name": "T&M", "starts_on": "2026-12-01"},
        Contract,
    ),
    "prepay purchase": (
        "billing",
        lambda f: f"/contracts/{_contract(f).pk}/prepay",
        {"hours": "10", "amount": "900"},
        PrepayEntry,
    ),
    "rate": (
        "billing",
        lambda f: "/rates",
        lambda f: {"hourly_rate": "95", "valid_from": "2026-12-01", "client_id": f.client_acme.pk},
        Rate,
    ),
}


class _Fixtures:
    def __init__(self, request):  # noqa: ANN001
        self._request = request

    def __getattr__(self, name: str):  # noqa: ANN204
        return self._request.getfixturevalue(name)


@pytest.mark.parametrize("case", CASES)
def test_a_retry_with_the_same_key_creates_nothing_more(request, case):
    actor, path_of, body, model = CASES[case]
    fixtures = _Fixtures(request)
    path = path_of(fixtures)
    if callable(body):
        body = body(fixtures)
    api = Api(request.getfixturevalue(actor))
    key = {"Idempotency-Key": f"retry-{case}"}
    before = model.objects.count()
    first = api.post(path, body, headers=key)
    assert first.status_code == 201, first.content
    created = model.objects.count()
    assert created >= before
    again = api.post(path, body, headers=key)
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert model.objects.count() == created
