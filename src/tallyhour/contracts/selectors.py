"""Reads for contracts, rates and the prepay ledger (billing and admin users)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.accounts.permissions import can_bill, require_billing
from tallyhour.contracts.models import (
    Contract,
    ContractKind,
    PrepayEntry,
    PrepayKind,
    Rate,
    RetainerCharge,
)
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import TimeEntry


def _check(actor: User) -> None:
    require_billing(actor, "Contracts and rates are for billing and admin users.")


def contracts_visible_to(actor: User) -> QuerySet[Contract]:
    _check(actor)
    return Contract.objects.select_related("client").order_by("client__name", "-starts_on", "pk")


def contract_get(*, actor: User, contract_id: int) -> Contract:
    contract = contracts_visible_to(actor).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound(f"Contract {contract_id} not found.")
    return contract


def rates_visible_to(actor: User) -> QuerySet[Rate]:
    _check(actor)
    return Rate.objects.select_related(
        "contract__client", "client", "agent", "charge_type"
    ).order_by("-valid_from", "pk")


@dataclass
class PrepayLedger:
    contract: Contract
    rows: list[PrepayEntry]
    purchased_seconds: int
    drawn_seconds: int  # net of reversals

    @property
    def balance_seconds(self) -> int:
        return self.purchased_seconds - self.drawn_seconds

    def rows_with_balance(self) -> list[tuple[PrepayEntry, int]]:
        """Each row with the balance just after it, oldest first (the ledger's history)."""
        running, out = 0, []
        for row in self.rows:
            running += row.seconds
            out.append((row, running))
        return out


def prepay_ledger(contract: Contract) -> PrepayLedger:
    """Every row of the ledger, oldest first, with balance = purchases − drawdowns."""
    rows = list(
        PrepayEntry.objects.filter(contract=contract)
        .select_related("invoice_line__invoice", "invoice_line__ticket", "created_by")
        .order_by("created_at", "pk")
    )
    purchased = sum(r.seconds for r in rows if r.kind == PrepayKind.PURCHASE)
    drawn = -sum(r.seconds for r in rows if r.kind != PrepayKind.PURCHASE)
    return PrepayLedger(contract, rows, purchased, drawn)


def prepay_balances(client_ids: list[int]) -> dict[int, int]:
    """Balance in seconds per prepay contract of the given clients (one query)."""
    rows = (
        PrepayEntry.objects.filter(
            contract__client_id__in=client_ids, contract__kind=ContractKind.PREPAY
        )
        .values("contract_id")
        .annotate(s=Sum("seconds"))
    )
    return {row["contract_id"]: row["s"] or 0 for row in rows}


# --- what billing's planning reads, for a batch of clients at once ----------------------------

# A prepay contract's purchase blocks in drawing order, and the seconds left on each.
PrepayBlocks = tuple[list[PrepayEntry], dict[int, int]]


def rates_for_clients(client_ids: list[int]) -> list[Rate]:
    """Every rate that could apply to any of the clients, in one query."""
    return list(
        Rate.objects.filter(
            Q(contract__client_id__in=client_ids)
            | Q(client_id__in=client_ids)
            | Q(contract__isnull=True, client__isnull=True)
        )
    )


def prepay_blocks(contract_ids: list[int]) -> dict[int, PrepayBlocks]:
    """Per prepay contract: its purchase blocks in drawing order (soonest expiry first) and
    the seconds left on each (expired blocks included; callers filter). Two queries for
    all the contracts."""
    ledgers: dict[int, PrepayBlocks] = {pk: ([], {}) for pk in contract_ids}
    if not contract_ids:
        return ledgers
    purchases = PrepayEntry.objects.filter(
        contract_id__in=contract_ids, kind=PrepayKind.PURCHASE
    ).order_by("contract_id", F("expires_on").asc(nulls_last=True), "purchased_on", "pk")
    for block in purchases:
        blocks, remaining = ledgers[block.contract_id]
        blocks.append(block)
        remaining[block.pk] = remaining.get(block.pk, 0) + block.seconds
    used = (
        PrepayEntry.objects.filter(contract_id__in=contract_ids, block__isnull=False)
        .values_list("contract_id", "block_id")
        .annotate(s=Sum("seconds"))
        .order_by()
    )
    for contract_id, block_id, seconds in used:
        remaining = ledgers[contract_id][1]
        remaining[block_id] = remaining.get(block_id, 0) + seconds
    return ledgers


def unreleased_charges(contract_ids: list[int]) -> dict[int, list[RetainerCharge]]:
    """Unreleased retainer charges per contract, in period order (one query)."""
    charges: dict[int, list[RetainerCharge]] = {pk: [] for pk in contract_ids}
    if contract_ids:
        for charge in RetainerCharge.objects.filter(
            contract_id__in=contract_ids, released=False
        ).order_by("contract_id", "period_start", "pk"):
            charges[charge.contract_id].append(charge)
    return charges


def contracts_of_client(client: Client) -> QuerySet[Contract]:
    """A client's contracts for its page. Terms without amounts are no secret from staff:
    engineers need to know which contract their time falls under."""
    return Contract.objects.filter(client=client).order_by("-starts_on", "-pk")


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


@dataclass
class RetainerUsage:
    contract: Contract
    period_start: dt.date
    period_end: dt.date
    allowance_seconds: int
    rollover_known: bool  # the fee for the month is on an invoice, so rollover is settled
    used_seconds: int  # billable time tracked against the retainer this month
    invoiced_seconds: int

    @property
    def remaining_seconds(self) -> int:
        return self.allowance_seconds - self.used_seconds

    @property
    def over_seconds(self) -> int:
        return max(0, -self.remaining_seconds)


def retainer_usage(contract: Contract, today: dt.date) -> RetainerUsage:
    """Billable time against a retainer in the month holding `today` (the org's month).

    The allowance is the billed month's included hours plus rollover once the fee is charged,
    else the contract's included hours (rollover is worked out when the month is billed).
    """
    first, last = _month_bounds(today)
    start = max(first, contract.starts_on)
    end = min(last, contract.ends_on) if contract.ends_on else last
    tz = dates.zone(Organisation.current().timezone)
    covers = Q(ticket__contract=contract)
    if contract.is_default:
        covers |= Q(ticket__contract__isnull=True, ticket__client_id=contract.client_id)
    used = invoiced = 0
    if start <= end:
        since, until = dates.day_range(start, end, tz)
        totals = (
            TimeEntry.objects.filter(covers, is_billable=True, started_at__gte=since)
            .filter(started_at__lt=until)
            .aggregate(
                used=Sum("billable_seconds"),
                invoiced=Sum("billable_seconds", filter=Q(invoice_line__isnull=False)),
            )
        )
        used, invoiced = totals["used"] or 0, totals["invoiced"] or 0
    charge = RetainerCharge.objects.filter(
        contract=contract, period_start=first, released=False
    ).first()
    allowance = charge.allowance_seconds if charge else contract.retainer_included_minutes * 60
    return RetainerUsage(
        contract=contract,
        period_start=first,
        period_end=last,
        allowance_seconds=allowance,
        rollover_known=charge is not None,
        used_seconds=used,
        invoiced_seconds=invoiced,
    )


# The client pages (crm) show these through crm/panels.py; registered in apps.py.


def default_contracts_on(clients: list[Client], day: dt.date) -> dict[int, Contract]:
    """Each client's default contract active on `day` (one query for the whole page)."""
    found: dict[int, Contract] = {}
    contracts = Contract.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        client__in=clients,
        is_default=True,
        starts_on__lte=day,
    ).order_by("client_id", "-starts_on", "-pk")
    for contract in contracts:
        found.setdefault(contract.client_id, contract)
    return found


def client_prepay_balances(clients: list[Client]) -> dict[int, int]:
    """Prepay balance in seconds per client, over all its prepay contracts (one query)."""
    rows = (
        PrepayEntry.objects.filter(contract__client__in=clients, contract__kind=ContractKind.PREPAY)
        .values("contract__client_id")
        .annotate(seconds=Sum("seconds"))
        .order_by()
    )
    return {row["contract__client_id"]: row["seconds"] or 0 for row in rows}


def client_rows_contracts(actor: User, clients: list[Client], today: dt.date) -> None:
    """The client list's contract column, and prepaid hours left for billing and admin users."""
    defaults = default_contracts_on(clients, today)
    balances = client_prepay_balances(clients) if can_bill(actor) else {}
    for client in clients:
        client.default_contract = defaults.get(client.pk)  # type: ignore[attr-defined]
        client.prepay_seconds = balances.get(client.pk)  # type: ignore[attr-defined]


def _active_on(contract: Contract, day: dt.date) -> bool:
    return contract.starts_on <= day and (contract.ends_on is None or contract.ends_on >= day)


def client_page_contracts(actor: User, client: Client, today: dt.date) -> dict[str, Any]:
    """The client page's contracts, prepay ledgers and this month's retainer usage."""
    contracts = list(contracts_of_client(client))
    for contract in contracts:
        contract.active_today = _active_on(contract, today)  # type: ignore[attr-defined]
    prepay = [prepay_ledger(c) for c in contracts if c.kind == ContractKind.PREPAY]
    retainers = [
        retainer_usage(c, today)
        for c in contracts
        if c.kind == ContractKind.RETAINER and _active_on(c, today)
    ]
    return {
        "contracts": contracts,
        "prepay": prepay,
        "retainers": retainers,
        "prepay_balance_seconds": sum(ledger.balance_seconds for ledger in prepay),
    }
