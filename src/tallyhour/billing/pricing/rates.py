"""Rates: which hourly rate applies to a piece of work, resolved in memory.

Most specific scope wins (contract+agent > contract > client+agent > client > agent > charge
type default); within a scope a rate naming the charge type beats one for every charge type;
then the latest `valid_from` on or before the work date. The rates are read by the loader.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from tallyhour.contracts.models import Contract, Rate
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import ChargeType


def rate_level(rate: Rate, contract_id: int | None, client_id: int, agent_id: int) -> int | None:
    """Scope precedence (lower wins), or None when the rate does not apply."""
    if rate.agent_id is not None and rate.agent_id != agent_id:
        return None
    if rate.contract_id is not None:
        if rate.contract_id != contract_id:
            return None
        return 0 if rate.agent_id else 1
    if rate.client_id is not None:
        if rate.client_id != client_id:
            return None
        return 2 if rate.agent_id else 3
    return 4 if rate.agent_id else 5


class RateBook:
    """The rates that could apply to one client, resolved per entry.

    `rates` may hold several clients' rates (contracts' rates_for_clients reads a batch at once);
    the book keeps those of this client, its contracts and the global ones, in order."""

    def __init__(self, client: Client, contracts: Iterable[Contract], rates: list[Rate]) -> None:
        mine = {contract.pk for contract in contracts}
        self.rates = [
            rate
            for rate in rates
            if rate.contract_id in mine
            or rate.client_id == client.pk
            or (rate.contract_id is None and rate.client_id is None)
        ]

    def resolve(
        self,
        *,
        charge_type: ChargeType,
        agent_id: int,
        client_id: int,
        contract_id: int | None,
        day: dt.date,
    ) -> Decimal:
        """The chosen rate's hourly rate, else the charge type's default."""
        best: tuple[int, int, int] | None = None
        chosen = charge_type.hourly_rate
        for rate in self.rates:
            if rate.valid_from > day:
                continue
            if rate.charge_type_id is not None and rate.charge_type_id != charge_type.pk:
                continue
            level = rate_level(rate, contract_id, client_id, agent_id)
            if level is None:
                continue
            key = (level, 0 if rate.charge_type_id else 1, -rate.valid_from.toordinal())
            if best is None or key < best:
                best, chosen = key, rate.hourly_rate
        return chosen
