"""API: contracts, rates and the prepay ledger (billing and admin users only)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.accounts.models import User
from tallyhour.contracts import selectors, services
from tallyhour.contracts.models import ContractKind, PrepayEntry
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import (
    Day,
    ObjectId,
    Page,
    Paging,
    Text,
    error_responses,
    paginate,
)
from tallyhour.core.errors import InvalidInput
from tallyhour.core.idempotency import idempotency_header
from tallyhour.core.money import hours
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import ChargeType

router = Router(tags=["contracts"])


class ContractOut(Schema):
    id: int
    client_id: int
    name: str
    kind: ContractKind
    starts_on: dt.date
    ends_on: dt.date | None
    is_default: bool
    prepay_fallback_to_payg: bool
    retainer_fee: Decimal
    retainer_included_minutes: int
    overage_multiplier: Decimal
    rollover: bool


class ContractIn(Schema):
    client_id: ObjectId
    name: Text = Field(..., min_length=1, max_length=200)
    kind: ContractKind = ContractKind.TIME_AND_MATERIALS
    starts_on: Day
    ends_on: Day | None = None
    is_default: bool = False
    prepay_fallback_to_payg: bool = True
    retainer_fee: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    retainer_included_minutes: int = Field(0, ge=0, le=1_000_000)
    overage_multiplier: Decimal = Field(Decimal("1"), gt=0, max_digits=4, decimal_places=2)
    rollover: bool = False


class RateOut(Schema):
    id: int
    hourly_rate: Decimal
    valid_from: dt.date
    charge_type_id: int | None
    contract_id: int | None
    client_id: int | None
    agent_id: int | None


class RateIn(Schema):
    hourly_rate: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    valid_from: Day
    charge_type_id: ObjectId | None = None
    contract_id: ObjectId | None = None
    client_id: ObjectId | None = None
    agent_id: ObjectId | None = None


class LedgerRowOut(Schema):
    id: int
    kind: str
    hours: Decimal
    amount: Decimal
    purchased_on: dt.date | None
    expires_on: dt.date | None
    block_id: int | None
    invoice_id: int | None
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_hours(row: PrepayEntry) -> Decimal:
        return hours(row.seconds, 4)

    @staticmethod
    def resolve_invoice_id(row: PrepayEntry) -> int | None:
        return row.invoice_line.invoice_id if row.invoice_line else None


class LedgerOut(Schema):
    contract_id: int
    purchased_hours: Decimal
    drawn_hours: Decimal
    balance_hours: Decimal = Field(..., description="Purchases − drawdowns; may be negative.")
    rows: list[LedgerRowOut]


class PurchaseIn(Schema):
    hours: Decimal = Field(..., gt=0, max_digits=8, decimal_places=2)
    amount: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    purchased_on: Day | None = None
    expires_on: Day | None = None
    note: Text = Field("", max_length=300)


class ContractFilters(Paging):
    client_id: ObjectId | None = None


def _get(model: type, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()  # type: ignore[attr-defined]
    if obj is None:
        raise InvalidInput(f"Unknown {field} {pk}.", fields={field: "unknown"})
    return obj


@router.get(
    "/contracts",
    response={200: Page[ContractOut], **error_responses(403, 422)},
    summary="List contracts",
)
def list_contracts(request: AuthedRequest, filters: Query[ContractFilters]) -> dict[str, Any]:
    """Contracts by client, newest first; optionally one client's."""
    contracts = selectors.contracts_visible_to(request.auth)
    if filters.client_id is not None:
        contracts = contracts.filter(client_id=filters.client_id)
    return paginate(contracts, filters)


@router.post(
    "/contracts",
    response={201: ContractOut, **error_responses(403, 409, 422)},
    summary="Create a contract",
    openapi_extra=examples(
        body={
            "time and materials": {
                "client_id": 3,
                "name": "Support 2027",
                "starts_on": "2027-01-01",
                "is_default": True,
            },
            "retainer": {
                "client_id": 3,
                "name": "Managed service",
                "kind": "retainer",
                "starts_on": "2026-12-01",
                "retainer_fee": "1500.00",
                "retainer_included_minutes": 1200,
                "overage_multiplier": "1.25",
            },
        }
    ),
)
def create_contract(
    request: AuthedRequest, payload: ContractIn, idempotency_key: str | None = idempotency_header()
) -> Any:
    """A contract for a client; a default contract applies to tickets that name none.
    Honours `Idempotency-Key`."""
    data = payload.model_dump()
    client = _get(Client, data.pop("client_id"), "client_id")
    return created(
        request,
        payload=payload,
        schema=ContractOut,
        create=lambda: services.contract_create(client=client, actor=request.auth, **data),
    )


@router.get(
    "/contracts/{contract_id}/prepay",
    response={200: LedgerOut, **error_responses(403, 404)},
    summary="Prepay balance and history",
)
def get_ledger(request: AuthedRequest, contract_id: ObjectId) -> dict[str, Any]:
    """Every ledger row (purchases, drawdowns, reversals) and the balance."""
    contract = selectors.contract_get(actor=request.auth, contract_id=contract_id)
    ledger = selectors.prepay_ledger(contract)
    return {
        "contract_id": contract.pk,
        "purchased_hours": hours(ledger.purchased_seconds, 4),
        "drawn_hours": hours(ledger.drawn_seconds, 4),
        "balance_hours": hours(ledger.balance_seconds, 4),
        "rows": ledger.rows,
    }


@router.post(
    "/contracts/{contract_id}/prepay",
    response={201: LedgerRowOut, **error_responses(403, 404, 409, 422)},
    summary="Record a prepay purchase",
    openapi_extra=examples(
        body={
            "20 hours": {
                "hours": "20",
                "amount": "1800.00",
                "purchased_on": "2026-11-01",
                "expires_on": "2027-10-31",
                "note": "PO 4471",
            }
        }
    ),
)
def purchase(
    request: AuthedRequest,
    contract_id: ObjectId,
    payload: PurchaseIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """A block of prepaid hours (amount paid, optional expiry) added to the ledger. Honours
    `Idempotency-Key`: a retried purchase is never booked twice."""
    contract = selectors.contract_get(actor=request.auth, contract_id=contract_id)
    return created(
        request,
        payload=payload,
        schema=LedgerRowOut,
        create=lambda: services.prepay_purchase(
            contract=contract, actor=request.auth, **payload.model_dump()
        ),
    )


@router.get(
    "/rates", response={200: Page[RateOut], **error_responses(403, 422)}, summary="List rates"
)
def list_rates(request: AuthedRequest, filters: Query[Paging]) -> dict[str, Any]:
    """Every rate, newest `valid_from` first."""
    return paginate(selectors.rates_visible_to(request.auth), filters)


@router.post(
    "/rates",
    response={201: RateOut, **error_responses(403, 404, 409, 422)},
    summary="Create a rate",
    openapi_extra=examples(
        body={
            "client rate": {"hourly_rate": "95.00", "valid_from": "2027-01-01", "client_id": 3},
            "senior on a contract": {
                "hourly_rate": "140.00",
                "valid_from": "2026-12-01",
                "contract_id": 12,
                "agent_id": 7,
            },
        }
    ),
)
def create_rate(
    request: AuthedRequest, payload: RateIn, idempotency_key: str | None = idempotency_header()
) -> Any:
    """A rate from `valid_from` on. Most specific scope wins: contract+agent > contract >
    client+agent > client > agent > charge type. Invoiced time keeps its old rate. Honours
    `Idempotency-Key`."""
    return created(
        request,
        payload=payload,
        schema=RateOut,
        create=lambda: services.rate_create(
            hourly_rate=payload.hourly_rate,
            valid_from=payload.valid_from,
            charge_type=_get(ChargeType, payload.charge_type_id, "charge_type_id"),
            contract=(
                selectors.contract_get(actor=request.auth, contract_id=payload.contract_id)
                if payload.contract_id
                else None
            ),
            client=_get(Client, payload.client_id, "client_id"),
            agent=_get(User, payload.agent_id, "agent_id"),
            actor=request.auth,
        ),
    )
