"""The pricing loader: every read planning needs, done in bulk and handed to the planner.

A run loads a batch of clients' entries (load_entries) and their contract state
(PlanContext.load) with a fixed number of queries; the planner then works in memory. Lookups
outside what a batch read (a ticket's contract of another client, a month before `since`)
are read here on demand, one by one.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Sum

from tallyhour.accounts.calendars import public_holidays
from tallyhour.accounts.models import Organisation, User
from tallyhour.billing.models import InvoiceState, LineKind, LineTime
from tallyhour.billing.pricing.plans import BillableEntry
from tallyhour.contracts.models import Contract, ContractKind, Rate, RetainerCharge
from tallyhour.contracts.selectors import (
    PrepayBlocks,
    prepay_blocks,
    rates_for_clients,
    unreleased_charges,
)
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType

LIVE_STATES = (
    InvoiceState.DRAFT,
    InvoiceState.ISSUED,
    InvoiceState.PAID,
    InvoiceState.NO_CHARGE,
)


def retainer_used_seconds(contract: Contract, period_start: dt.date) -> int:
    """Included time already on live lines for the month (entries still on those invoices)."""
    used = LineTime.objects.filter(
        line__kind=LineKind.RETAINER_INCLUDED,
        line__contract=contract,
        line__period_start=period_start,
        line__invoice__state__in=LIVE_STATES,
        entry__invoice_line__invoice=F("line__invoice"),
    ).aggregate(s=Sum("seconds"))["s"]
    return used or 0


def retainers_used_seconds(
    contract_ids: list[int], since: dt.date
) -> dict[tuple[int, dt.date], int]:
    """retainer_used_seconds for every month from `since` on of several contracts, in one
    grouped query (months with nothing used are missing)."""
    if not contract_ids:
        return {}
    used = (
        LineTime.objects.filter(
            line__kind=LineKind.RETAINER_INCLUDED,
            line__contract_id__in=contract_ids,
            line__period_start__gte=since,
            line__invoice__state__in=LIVE_STATES,
            entry__invoice_line__invoice=F("line__invoice"),
        )
        .values_list("line__contract_id", "line__period_start")
        .annotate(s=Sum("seconds"))
        .order_by()
    )
    return {(contract_id, period): seconds or 0 for contract_id, period, seconds in used}


@dataclass
class PlanContext:
    """What planning reads for a batch of clients, read once for all of them: the
    organisation, contracts and rates (one query each) and public holidays per region.
    It is the planner's PlanData."""

    org: Organisation
    contracts: dict[int, list[Contract]]
    rates: list[Rate]
    # Unreleased retainer charges per contract, in period order.
    charges: dict[int, list[RetainerCharge]] = field(default_factory=dict)
    # Included time already on live lines per (retainer contract, month), read for the
    # batch's contracts and months from `retainers_since` on; other contracts (a ticket's
    # contract of another client) and earlier months are looked up one by one.
    retainer_used: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    retainers_read: set[int] = field(default_factory=set)
    retainers_since: dt.date | None = None
    # Prepay purchase blocks and the seconds left on each, per contract.
    prepay: dict[int, PrepayBlocks] = field(default_factory=dict)
    holidays: dict[tuple[str, str, dt.date, dt.date], set[dt.date]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, client_ids: list[int], org: Organisation | None = None, *, since: dt.date | None = None
    ) -> "PlanContext":
        """`since`: the first month whose retainer usage planning may ask for (the month
        before the earliest entry's, for rollover), so usage is read for the whole batch."""
        contracts: dict[int, list[Contract]] = {pk: [] for pk in client_ids}
        for contract in Contract.objects.filter(client_id__in=client_ids).order_by(
            "client_id", "-starts_on", "pk"
        ):
            contracts[contract.client_id].append(contract)
        retainers = [
            c.pk for cs in contracts.values() for c in cs if c.kind == ContractKind.RETAINER
        ]
        prepays = [c.pk for cs in contracts.values() for c in cs if c.kind == ContractKind.PREPAY]
        return cls(
            org=org or Organisation.current(),
            contracts=contracts,
            rates=rates_for_clients(client_ids),
            charges=unreleased_charges(retainers),
            retainer_used=retainers_used_seconds(retainers, since) if since else {},
            retainers_read=set(retainers) if since else set(),
            retainers_since=since,
            prepay=prepay_blocks(prepays),
        )

    def used_seconds(self, contract: Contract, period: dt.date) -> int:
        read = self.retainers_since is not None and period >= self.retainers_since
        if read and contract.pk in self.retainers_read:
            return self.retainer_used.get((contract.pk, period), 0)
        return retainer_used_seconds(contract, period)

    def prepay_ledger(self, contract: Contract) -> PrepayBlocks:
        if contract.pk not in self.prepay:
            self.prepay.update(prepay_blocks([contract.pk]))
        return self.prepay[contract.pk]

    def unreleased_charges(self, contract: Contract) -> list[RetainerCharge]:
        if contract.pk not in self.charges:
            self.charges.update(unreleased_charges([contract.pk]))
        return self.charges[contract.pk]

    def public_holidays(
        self, country: str, subdivision: str, first: dt.date, last: dt.date
    ) -> set[dt.date]:
        key = (country, subdivision, first, last)
        if key not in self.holidays:
            self.holidays[key] = set(public_holidays(country, subdivision, first, last))
        return self.holidays[key]


@dataclass
class EntryCache:
    """Agents (with workdays) and charge types shared by every batch of one run."""

    people: dict[int, User] = field(default_factory=dict)
    charges: dict[int, ChargeType] = field(default_factory=dict)


def load_entries(queryset: Any, cache: EntryCache | None = None) -> list[BillableEntry]:
    """Billable entries with everything pricing reads, in working order.

    Tickets, charge types and agents are loaded once each and shared by their entries, so a
    client with thousands of entries builds a handful of related objects, not one per row.
    Agents come with their workdays (the planner's out-of-hours split reads them).
    With a `cache`, agents and charge types already read by an earlier batch are reused."""
    rows = list(
        queryset.order_by("started_at", "pk").values_list(
            "pk",
            "agent_id",
            "ticket_id",
            "charge_type_id",
            "started_at",
            "ended_at",
            "billable_seconds",
        )
    )
    if not rows:
        return []
    cache = cache or EntryCache()
    people, charges = cache.people, cache.charges
    users = User.objects.select_related("agent").prefetch_related("agent__workdays")
    if missing := {row[1] for row in rows} - people.keys():
        people.update(users.in_bulk(missing))
    if missing := {row[3] for row in rows} - charges.keys():
        charges.update(ChargeType.objects.in_bulk(missing))
    tickets = Ticket.objects.select_related("contract").in_bulk({row[2] for row in rows})
    return [
        BillableEntry(
            pk=pk,
            agent_id=agent_id,
            ticket_id=ticket_id,
            charge_type_id=charge_type_id,
            started_at=started_at,
            ended_at=ended_at,
            billable_seconds=billable_seconds,
            agent=people[agent_id],
            ticket=tickets[ticket_id],
            charge_type=charges[charge_type_id],
        )
        for pk, agent_id, ticket_id, charge_type_id, started_at, ended_at, billable_seconds in rows
    ]
