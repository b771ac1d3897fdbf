"""Profitability: billed revenue against the cost of the time behind it."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Sum,
)
from django.db.models.functions import Coalesce

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing.models import InvoiceKind, InvoiceLine
from tallyhour.core.money import SECONDS_PER_HOUR, round_money
from tallyhour.crm.models import Client
from tallyhour.reports.selectors.common import (
    BILLED_STATES,
    RATIO,
    Money,
    add_money,
    check_finance,
    period_entries,
    rounded,
)
from tallyhour.reports.selectors.totals import billed_by_agent_and_client


@dataclass
class ProfitRow:
    """Billed revenue against the cost of the time behind it, for a client or an agent."""

    key: int
    name: str
    worked_seconds: int
    billed_seconds: int
    revenue: Money
    cost: Decimal
    currency: str  # the organisation's: cost rates are kept in it

    @property
    def effective_rate(self) -> Money:
        """Revenue per hour worked, per currency (time not billed yet lowers it)."""
        if not self.worked_seconds:
            return {}
        return {
            c: round_money(a * SECONDS_PER_HOUR / self.worked_seconds, c)
            for c, a in self.revenue.items()
        }

    @property
    def margin(self) -> Decimal | None:
        """Revenue less cost, when all revenue is in the organisation's currency."""
        if set(self.revenue) - {self.currency}:
            return None
        return self.revenue.get(self.currency, Decimal(0)) - self.cost

    @property
    def margin_ratio(self) -> Decimal | None:
        margin = self.margin
        revenue = self.revenue.get(self.currency)
        if margin is None or not revenue:
            return None
        return (margin / revenue).quantize(RATIO)


@dataclass
class Profitability:
    start: dt.date
    end: dt.date
    currency: str
    clients: list[ProfitRow]
    agents: list[ProfitRow]


def billed_fees(start: dt.date, end: dt.date) -> list[tuple[int, str, Decimal]]:
    """Billed lines that carry no time (retainer fees, manual lines) per client and
    currency, for the period they belong to (else their invoice's issue date)."""
    rows = (
        InvoiceLine.objects.filter(
            invoice__state__in=BILLED_STATES,
            invoice__kind=InvoiceKind.INVOICE,
            times__isnull=True,
        )
        .exclude(invoice__credit_notes__isnull=False)
        .annotate(belongs_to=Coalesce("period_start", "invoice__issue_date"))
        .filter(belongs_to__gte=start, belongs_to__lte=end)
        .values("invoice__client_id", "invoice__currency")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    return [(r["invoice__client_id"], r["invoice__currency"], r["amount"]) for r in rows]


def profitability(*, actor: User, start: dt.date, end: dt.date) -> Profitability:
    """Per client and per agent: hours worked in the period, what of it was billed (issued or
    paid invoices), the revenue, the cost of the time at agent cost rates and the effective
    hourly rate. Grouped by the database; Python scales one row per group."""
    check_finance(actor)
    agents, entries = period_entries(actor, start, end)
    currency = Organisation.current().currency
    cost_rates = {agent.user_id: agent.cost_rate for agent in agents}
    worked = (
        entries.values("agent_id", "ticket__client_id")
        .annotate(seconds=Sum("worked_seconds"))
        .order_by()
    )
    billed = billed_by_agent_and_client(agents, start, end)
    clients = Client.objects.in_bulk(
        {row["ticket__client_id"] for row in worked if row["ticket__client_id"]}
    )

    def blank(key: int, name: str) -> ProfitRow:
        return ProfitRow(key, name, 0, 0, {}, Decimal(0), currency)

    by_agent = {a.user_id: blank(a.user_id, a.user.display_name) for a in agents}
    by_client: dict[int, ProfitRow] = {}
    billed_seconds: dict[tuple[str, int], int] = defaultdict(int)
    for row in worked:
        cost = cost_rates[row["agent_id"]] * row["seconds"] / SECONDS_PER_HOUR
        targets = [by_agent[row["agent_id"]]]
        if client_id := row["ticket__client_id"]:
            targets.append(
                by_client.setdefault(client_id, blank(client_id, clients[client_id].name))
            )
        for target in targets:
            target.worked_seconds += row["seconds"]
            target.cost += cost
    for (agent_id, client_id), group in billed.items():
        billed_seconds[("agent", agent_id)] += group.seconds
        add_money(by_agent[agent_id].revenue, group.revenue)
        if client_id in by_client:
            billed_seconds[("client", client_id)] += group.seconds
            add_money(by_client[client_id].revenue, group.revenue)
    for client_id, line_currency, amount in billed_fees(start, end):
        if client_id not in by_client:
            by_client[client_id] = blank(client_id, Client.objects.get(pk=client_id).name)
        add_money(by_client[client_id].revenue, {line_currency: amount})
    for kind, rows in (("agent", by_agent), ("client", by_client)):
        for key, profit in rows.items():
            profit.billed_seconds = billed_seconds[(kind, key)]
            profit.revenue = rounded(profit.revenue)
            profit.cost = round_money(profit.cost, currency)

    def order(rows: Iterable[ProfitRow]) -> list[ProfitRow]:
        return sorted(rows, key=lambda r: (-sum(r.revenue.values(), Decimal(0)), r.name))

    return Profitability(start, end, currency, order(by_client.values()), order(by_agent.values()))
