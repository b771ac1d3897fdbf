"""Writes for contracts, rates and prepay purchases: one transaction and audit row each.

Billing's side of the ledger (drawdowns and retainer charges made when time is billed, and
their reversal) is written here too, inside billing's transaction and under its audit row."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from tallyhour.accounts.models import User
from tallyhour.contracts.models import Contract, PrepayEntry, PrepayKind, Rate, RetainerCharge
from tallyhour.contracts.selectors import _check
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Conflict, InvalidInput, full_clean_or_invalid
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.servicedesk.services import ticket_contract_update
from tallyhour.timetracking.models import ChargeType

CONTRACT_FIELDS = [
    "client",
    "name",
    "kind",
    "starts_on",
    "ends_on",
    "is_default",
    "prepay_fallback_to_payg",
    "retainer_fee",
    "retainer_included_minutes",
    "overage_multiplier",
    "rollover",
]


@transaction.atomic
def contract_create(
    *,
    client: Client,
    name: str,
    kind: str,
    starts_on: dt.date,
    actor: User,
    ends_on: dt.date | None = None,
    is_default: bool = False,
    prepay_fallback_to_payg: bool = True,
    retainer_fee: Decimal = Decimal("0"),
    retainer_included_minutes: int = 0,
    overage_multiplier: Decimal = Decimal("1"),
    rollover: bool = False,
) -> Contract:
    _check(actor)
    contract = Contract(
        client=client,
        name=(name or "").strip(),
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        is_default=is_default,
        prepay_fallback_to_payg=prepay_fallback_to_payg,
        retainer_fee=retainer_fee,
        retainer_included_minutes=retainer_included_minutes,
        overage_multiplier=overage_multiplier,
        rollover=rollover,
    )
    full_clean_or_invalid(contract)
    if is_default:
        clash = Contract.objects.filter(client=client, is_default=True).exclude(
            ends_on__lt=starts_on
        )
        if ends_on is not None:
            clash = clash.filter(starts_on__lte=ends_on)
        if clash.exists():
            raise Conflict(
                "The client already has a default contract over those dates.",
                fields={"is_default": "overlaps"},
            )
    contract.save()
    audit_record(
        actor=actor,
        action="contract.create",
        obj=contract,
        after=snapshot(contract, CONTRACT_FIELDS),
    )
    return contract


@transaction.atomic
def ticket_contract_set(*, ticket: Ticket, contract: Contract | None, actor: User) -> Ticket:
    """Point a ticket at one of its client's contracts (or back at the client's default)."""
    _check(actor)
    if contract is not None and contract.client_id != ticket.client_id:
        raise InvalidInput(
            "That contract belongs to another client.", fields={"contract": "client"}
        )
    return ticket_contract_update(ticket=ticket, contract=contract, actor=actor)


@transaction.atomic
def rate_create(
    *,
    hourly_rate: Decimal,
    valid_from: dt.date,
    actor: User,
    charge_type: ChargeType | None = None,
    contract: Contract | None = None,
    client: Client | None = None,
    agent: User | None = None,
) -> Rate:
    """A new rate from `valid_from` on; invoiced time keeps the rate it was billed at."""
    _check(actor)
    rate = Rate(
        hourly_rate=hourly_rate,
        valid_from=valid_from,
        charge_type=charge_type,
        contract=contract,
        client=client,
        agent=agent,
    )
    if contract is not None and client is not None:
        raise InvalidInput(
            "A rate is for a contract or a client, not both.", fields={"client": "with contract"}
        )
    if not any((charge_type, contract, client, agent)):
        raise InvalidInput("Name at least one scope.", fields={"charge_type_id": "required"})
    full_clean_or_invalid(rate, exclude=["contract", "client", "agent", "charge_type"])
    # The unique constraint treats empty scopes as equal only where the database supports
    # NULLS NOT DISTINCT (PostgreSQL 15+); SQLite needs the check spelled out.
    same_scope = Rate.objects.filter(
        valid_from=valid_from,
        charge_type=charge_type,
        contract=contract,
        client=client,
        agent=agent,
    )
    if same_scope.exists():
        raise Conflict(
            "A rate for that scope already starts that day.", fields={"valid_from": "taken"}
        )
    try:
        with transaction.atomic():
            rate.save()
    except IntegrityError as exc:
        raise Conflict(
            "A rate for that scope already starts that day.", fields={"valid_from": "taken"}
        ) from exc
    audit_record(
        actor=actor,
        action="rate.create",
        obj=rate,
        after=snapshot(
            rate, ["hourly_rate", "valid_from", "charge_type", "contract", "client", "agent"]
        ),
    )
    return rate


@transaction.atomic
def prepay_purchase(
    *,
    contract: Contract,
    hours: Decimal,
    amount: Decimal,
    actor: User,
    purchased_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> PrepayEntry:
    """Add a block of prepaid hours to the ledger (a new row; rows are never edited)."""
    _check(actor)
    if contract.kind != "prepay":
        raise Conflict("Only prepay contracts hold prepaid hours.")
    fields = {}
    if hours is None or hours <= 0:
        fields["hours"] = "must be positive"
    if amount is None or amount < 0:
        fields["amount"] = "must not be negative"
    if purchased_on and expires_on and expires_on < purchased_on:
        fields["expires_on"] = "before the purchase"
    if fields:
        raise InvalidInput("Check the purchase.", fields=fields)
    moment = now or dates.now()
    entry = PrepayEntry.objects.create(
        contract=contract,
        kind=PrepayKind.PURCHASE,
        seconds=int(hours * 3600),
        amount=amount,
        purchased_on=purchased_on or moment.date(),
        expires_on=expires_on,
        note=(note or "").strip()[:300],
        created_by=actor,
        created_at=moment,
    )
    audit_record(
        actor=actor,
        action="prepay.purchase",
        obj=contract,
        after={"seconds": entry.seconds, "amount": str(amount), "expires_on": str(expires_on)},
    )
    return entry


# --- billing's side of the ledger ------------------------------------------------------------
# An invoice run or an invoice edit calls these inside its own transaction; its audit row
# (invoice.create, invoice.void, ...) covers them, so they write none of their own.

# Rows per multi-row INSERT: within the 65,535 parameters a statement bound on the server
# (PostgreSQL) may carry.
LEDGER_ROWS = 2_000


@dataclass(frozen=True)
class Drawdown:
    """Prepaid time an invoice line uses (or gives back): `seconds` (positive) of `block_id`,
    or overdrawn (no block)."""

    contract_id: int
    block_id: int | None
    seconds: int
    invoice_line_id: int | None
    note: str


@dataclass(frozen=True)
class RetainerFee:
    """A retainer's fee for the month from `period_start`, billed on `invoice_line_id`."""

    contract: Contract
    period_start: dt.date
    rollover_seconds: int
    invoice_line_id: int


def _ledger_add(
    kind: str, draws: Iterable[Drawdown], *, actor: User | None, now: dt.datetime
) -> None:
    """Ledger rows moving prepaid time out of its blocks (drawdowns, negative) or back into
    them (reversals, positive), in a few multi-row INSERTs."""
    sign = -1 if kind == PrepayKind.DRAWDOWN else 1
    PrepayEntry.objects.bulk_create(
        (
            PrepayEntry(
                contract_id=draw.contract_id,
                kind=kind,
                seconds=sign * draw.seconds,
                block_id=draw.block_id,
                invoice_line_id=draw.invoice_line_id,
                note=draw.note[:300],
                created_by=actor,
                created_at=now,
            )
            for draw in draws
        ),
        batch_size=LEDGER_ROWS,
    )


def prepay_drawdowns_create(
    *, drawdowns: Iterable[Drawdown], actor: User | None, now: dt.datetime
) -> None:
    """Ledger rows for prepaid time being billed."""
    _ledger_add(PrepayKind.DRAWDOWN, drawdowns, actor=actor, now=now)


def prepay_drawdowns_reverse(
    *, line_ids: list[int], why: str, actor: User, now: dt.datetime
) -> None:
    """Give back the prepaid time drawn by invoice lines no longer billed: a reversal row for
    each of their drawdowns (ledger rows are never edited)."""
    drawdowns = PrepayEntry.objects.filter(invoice_line__in=line_ids, kind=PrepayKind.DRAWDOWN)
    reversals = [
        Drawdown(
            contract_id=draw.contract_id,
            block_id=draw.block_id,
            seconds=-draw.seconds,
            invoice_line_id=draw.invoice_line_id,
            note=f"{why}: {draw.note}",
        )
        for draw in drawdowns
    ]
    _ledger_add(PrepayKind.REVERSAL, reversals, actor=actor, now=now)


def retainer_charges_create(*, fees: Iterable[RetainerFee]) -> None:
    """Mark retainer months as charged, with the contract's fee and included time as they
    stand now (a later change to the contract does not rewrite a billed month)."""
    RetainerCharge.objects.bulk_create(
        [
            RetainerCharge(
                contract=fee.contract,
                period_start=fee.period_start,
                fee=fee.contract.retainer_fee,
                included_seconds=fee.contract.retainer_included_minutes * 60,
                rollover_seconds=fee.rollover_seconds,
                invoice_line_id=fee.invoice_line_id,
            )
            for fee in fees
        ]
    )


def retainer_charges_release(*, line_ids: list[int]) -> None:
    """The months charged on invoice lines no longer billed may be charged again."""
    RetainerCharge.objects.filter(invoice_line__in=line_ids, released=False).update(released=True)
