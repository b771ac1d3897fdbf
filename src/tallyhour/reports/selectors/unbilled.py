"""Unbilled time and write-offs, valued at today's rates; long timers waiting for review."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    F,
    Min,
    QuerySet,
    Sum,
)

from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.billing.pricing import RateBook
from tallyhour.billing.selectors import billable_entries
from tallyhour.contracts.models import Contract
from tallyhour.contracts.selectors import rates_for_clients
from tallyhour.core import dates
from tallyhour.core.money import SECONDS_PER_HOUR
from tallyhour.crm.models import Client
from tallyhour.reports.selectors.common import (
    Money,
    add_money,
    check_finance,
    period_entries,
    rounded,
)
from tallyhour.timetracking.models import (
    ChargeType,
    TimeEntry,
)


@dataclass
class MoneyGroup:
    """Time (and its value at current rates) for one client or agent."""

    key: int
    name: str
    seconds: int
    entries: int
    value: Money = field(default_factory=dict)
    oldest: dt.datetime | None = None


def valued_by_client(entries: QuerySet[TimeEntry], seconds_field: Any) -> list[MoneyGroup]:
    """Time grouped by client, charge type, agent and contract in SQL, valued per group at
    the rate that would apply to work done today (contract, client, agent and charge-type
    rates, most specific first; before rounding, multipliers and prepaid hours)."""
    rows = [
        row
        for row in entries.filter(ticket__isnull=False)
        .values("ticket__client_id", "charge_type_id", "agent_id", "ticket__contract_id")
        .annotate(seconds=Sum(seconds_field), entries=Count("id"), oldest=Min("started_at"))
        .order_by()
        if row["seconds"]
    ]
    clients = Client.objects.in_bulk({row["ticket__client_id"] for row in rows})
    charge_types = ChargeType.objects.in_bulk({row["charge_type_id"] for row in rows})
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for contract in Contract.objects.filter(client__in=list(clients)):
        contracts[contract.client_id].append(contract)
    # The rates of every client with time here, read at once and sorted into a book each.
    rates = rates_for_clients(list(clients))
    books = {pk: RateBook(client, contracts[pk], rates) for pk, client in clients.items()}
    today = dates.local_date(dates.now(), dates.zone(Organisation.current().timezone))
    groups: dict[int, MoneyGroup] = {}
    for row in rows:
        client = clients[row["ticket__client_id"]]
        group = groups.setdefault(
            client.pk, MoneyGroup(key=client.pk, name=client.name, seconds=0, entries=0)
        )
        group.seconds += row["seconds"]
        group.entries += row["entries"]
        group.oldest = min(filter(None, [group.oldest, row["oldest"]]))
        rate = books[client.pk].resolve(
            charge_type=charge_types[row["charge_type_id"]],
            agent_id=row["agent_id"],
            client_id=client.pk,
            contract_id=row["ticket__contract_id"],
            day=today,
        )
        add_money(group.value, {client.currency: rate * row["seconds"] / SECONDS_PER_HOUR})
    for group in groups.values():
        group.value = rounded(group.value)
    return sorted(groups.values(), key=lambda g: (-g.seconds, g.name))


def unbilled_entries(*, actor: User, end: dt.date) -> QuerySet[TimeEntry]:
    """Approved billable time worked up to `end` and not on any invoice: the leakage."""
    check_finance(actor)
    return billable_entries(end).select_related("agent", "ticket__client", "charge_type")


def unbilled_by_client(*, actor: User, end: dt.date) -> list[MoneyGroup]:
    return valued_by_client(unbilled_entries(actor=actor, end=end), "billable_seconds")


def write_off_entries(
    *, actor: User, start: dt.date, end: dt.date, agent_ids: list[int] | None = None
) -> QuerySet[TimeEntry]:
    """Billable entries of the period an approver trimmed below their worked time."""
    _, entries = period_entries(actor, start, end, agent_ids)
    return (
        entries.filter(is_billable=True, billable_seconds__lt=F("worked_seconds"))
        .select_related("agent", "ticket__client", "charge_type")
        .order_by("started_at", "id")
    )


def write_offs_by_agent(entries: QuerySet[TimeEntry], agents: list[Agent]) -> list[MoneyGroup]:
    names = {agent.user_id: agent.user.display_name for agent in agents}
    rows = (
        entries.values("agent_id")
        .annotate(seconds=Sum(F("worked_seconds") - F("billable_seconds")), entries=Count("id"))
        .order_by()
    )
    groups = [
        MoneyGroup(
            key=row["agent_id"],
            name=names[row["agent_id"]],
            seconds=row["seconds"],
            entries=row["entries"],
        )
        for row in rows
    ]
    return sorted(groups, key=lambda g: (-g.seconds, g.name))


def long_timer_entries(
    *, actor: User, start: dt.date, end: dt.date, agent_ids: list[int] | None = None
) -> QuerySet[TimeEntry]:
    """Entries from timers that were capped or ran long and wait for someone to review them."""
    _, entries = period_entries(actor, start, end, agent_ids)
    return (
        entries.filter(needs_review=True)
        .select_related("agent", "ticket__client", "charge_type")
        .order_by("started_at", "id")
    )
