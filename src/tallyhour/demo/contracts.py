"""Demo contracts: one of each kind across the demo clients, with rates and prepaid blocks."""

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry, PrepayKind, Rate
from tallyhour.crm.models import Client


def load_demo_contracts(
    rng: random.Random, clients: Sequence[Client], *, today: dt.date, now: dt.datetime
) -> list[Contract]:
    """Give the first clients a prepay block, a retainer, a fixed-price project and a no-charge
    warranty; everyone else stays on time and materials with a client rate."""
    kinds = [
        ContractKind.PREPAY,
        ContractKind.RETAINER,
        ContractKind.FIXED_PRICE,
        ContractKind.NO_CHARGE,
    ]
    start = (today - dt.timedelta(days=120)).replace(day=1)
    contracts = []
    for index, client in enumerate(clients):
        kind = kinds[index] if index < len(kinds) else ContractKind.TIME_AND_MATERIALS
        contract = Contract.objects.create(
            client=client,
            name=f"{client.name} {kind.label.lower()}",
            kind=kind,
            starts_on=start,
            is_default=kind != ContractKind.FIXED_PRICE,
            retainer_fee=Decimal("1500.00") if kind == ContractKind.RETAINER else Decimal("0"),
            retainer_included_minutes=20 * 60 if kind == ContractKind.RETAINER else 0,
            overage_multiplier=Decimal("1.25"),
            rollover=kind == ContractKind.RETAINER,
        )
        contracts.append(contract)
        if kind == ContractKind.PREPAY:
            for hours, expires in (
                (10, today - dt.timedelta(days=10)),
                (20, today.replace(year=today.year + 1)),
            ):
                PrepayEntry.objects.create(
                    contract=contract,
                    kind=PrepayKind.PURCHASE,
                    seconds=hours * 3600,
                    amount=Decimal(hours) * Decimal("85.00"),
                    purchased_on=start,
                    expires_on=expires,
                    note=f"{hours}-hour block",
                    created_at=now,
                )
        if kind == ContractKind.TIME_AND_MATERIALS:
            Rate.objects.create(
                client=client,
                hourly_rate=Decimal(rng.choice([95, 105, 115])),
                valid_from=start,
            )
    return contracts
