"""Clients with their default contracts, client rates and the prepay ledger."""

import datetime as dt
from decimal import Decimal
from itertools import accumulate
from typing import Any

from bench.seed.options import (
    CLIENT_KINDS,
    CLIENT_WORDS,
    CONTRACT_KINDS,
    CURRENCIES,
    PREPAY_BLOCK_SECONDS,
    weighted,
)
from bench.seed.state import ClientInfo, SeedState
from bench.seed.writer import columns
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry, PrepayKind, Rate
from tallyhour.crm.models import Client


class Clients(SeedState):
    def client_list(self) -> None:
        """Clients with Pareto-like workloads, each with a default contract of some kind."""
        rng, o = self.rng, self.o
        words, kinds = CLIENT_WORDS.split(), CLIENT_KINDS.split()
        pick_currency = weighted(rng, [(c[:3], c[3]) for c in CURRENCIES])
        pick_kind = weighted(rng, CONTRACT_KINDS)
        first_client = self.w.ids(Client, o.clients)
        first_contract = self.w.ids(Contract, o.clients)
        contract_start = self.start.replace(day=1)
        clients, contracts, rates, purchases = [], [], [], []
        for n in range(o.clients):
            client_id, contract_id = first_client + n, first_contract + n
            currency, tax_rate, reverse_charge = pick_currency()
            name = f"{rng.choice(words)} {rng.choice(kinds)} {n + 1:04d} (seed {o.seed})"
            kind = pick_kind()
            info = ClientInfo(
                client_id, currency, Decimal(tax_rate), reverse_charge, name, contract_id, kind, {}
            )
            clients.append(
                (
                    client_id,
                    name,
                    currency,
                    Decimal(tax_rate),
                    f"{n + 1} High Street\nLeeds",
                    f"accounts@client{n + 1}.seed.example",
                    reverse_charge,
                    True,
                    self.now,
                )
            )
            if kind == ContractKind.RETAINER:
                info.retainer_fee = Decimal(rng.choice([750, 1200, 1500, 2500]))
                info.included_seconds = rng.choice([5, 10, 15, 20]) * 3600
                info.overage_multiplier = Decimal("1.25")
            contracts.append(
                (
                    contract_id,
                    client_id,
                    f"{kind.label} {n + 1:04d}",
                    kind,
                    contract_start,
                    None,
                    True,
                    True,
                    info.retainer_fee,
                    info.included_seconds // 60,
                    info.overage_multiplier,
                    False,
                )
            )
            if kind == ContractKind.TIME_AND_MATERIALS and rng.random() < 0.2:
                remote = self.charge["Remote support"]
                info.rates[remote.pk] = Decimal(rng.choice(["75.00", "80.00", "95.00"]))
                rates.append((info.rates[remote.pk], contract_start, remote.pk, client_id))
            if kind == ContractKind.PREPAY:
                purchases.append(self.purchase(info, contract_start))
            self.clients.append(info)
        self.w.insert(
            Client,
            [
                "id",
                "name",
                "currency",
                "tax_rate",
                "billing_address",
                "billing_email",
                "reverse_charge",
                "is_active",
                "created_at",
            ],
            clients,
        )
        self.w.insert(Contract, columns(Contract), contracts)
        first_rate = self.w.ids(Rate, len(rates))
        self.w.insert(
            Rate,
            ["id", "hourly_rate", "valid_from", "charge_type_id", "client_id"],
            [(first_rate + i, *row) for i, row in enumerate(rates)],
        )
        self.write_ledger(purchases)
        weights = [rng.paretovariate(1.2) for _ in self.clients]
        self.client_weights = list(accumulate(weights))

    def purchase(self, info: ClientInfo, day: dt.date) -> tuple[Any, ...]:
        block_id = self.w.ids(PrepayEntry)
        info.blocks.append([block_id, PREPAY_BLOCK_SECONDS])
        amount = Decimal(PREPAY_BLOCK_SECONDS // 3600) * Decimal("80.00")
        return (
            block_id,
            info.contract_id,
            PrepayKind.PURCHASE,
            PREPAY_BLOCK_SECONDS,
            amount,
            day,
            None,
            None,
            None,
            "Block of 40 hours",
            self.billing_id,
            dt.datetime.combine(day, dt.time(9)),
        )

    def write_ledger(self, rows: list[tuple[Any, ...]]) -> None:
        self.w.insert(
            PrepayEntry,
            [
                "id",
                "contract_id",
                "kind",
                "seconds",
                "amount",
                "purchased_on",
                "expires_on",
                "block_id",
                "invoice_line_id",
                "note",
                "created_by_id",
                "created_at",
            ],
            rows,
        )
