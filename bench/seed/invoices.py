"""A month of entries written, invoiced first when it is old enough to have been billed."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from bench.seed.clients import Clients
from bench.seed.options import month_end
from bench.seed.state import (
    E_AGENT,
    E_BILL_SECONDS,
    E_BILLABLE,
    E_CHARGE,
    E_END,
    E_ID,
    E_LINE,
    E_STATE,
    E_TICKET,
    ENTRY_COLUMNS,
    ClientInfo,
)
from bench.seed.writer import columns
from tallyhour.accounts.models import Organisation
from tallyhour.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceRun,
    InvoiceState,
    LineKind,
    LineTime,
    RunState,
)
from tallyhour.billing.pricing import micros_share
from tallyhour.contracts.models import ContractKind, PrepayEntry, PrepayKind, RetainerCharge
from tallyhour.core.money import amount_for_seconds, round_money
from tallyhour.servicedesk.models import Action, ActionKind
from tallyhour.timetracking.models import EntryState, TimeEntry


class Invoices(Clients):
    def flush_month(self, month: dt.date) -> None:
        bucket = self.months.pop(month)
        invoiced = month_end(month) <= self.horizon
        if invoiced:
            self.invoice_month(month, bucket)
        self.w.insert(TimeEntry, ENTRY_COLUMNS, (entry for entry, *_ in bucket))
        if self.pending_times:
            self.w.insert(
                LineTime,
                ["id", "line_id", "entry_id", "seconds", "micros", "billed"],
                self.pending_times,
            )
            self.pending_times = []
        kinds = [ActionKind.NOTE, ActionKind.REPLY]
        self.w.insert(
            Action,
            [
                "id",
                "ticket_id",
                "agent_id",
                "kind",
                "body",
                "time_entry_id",
                "client_visible",
                "created_at",
            ],
            (
                (
                    action,
                    e[E_TICKET],
                    e[E_AGENT],
                    kinds[action % 2],
                    "Worked on the issue.",
                    e[E_ID],
                    action % 2 == 1,
                    e[E_END],
                )
                for e, _, _, action in bucket
                if action
            ),
        )

    def invoice_month(
        self, month: dt.date, bucket: list[tuple[list[Any], int, dt.date, int]]
    ) -> None:
        rng = self.rng
        last_day = month_end(month)
        issue = last_day + dt.timedelta(days=3)
        issued_at = dt.datetime.combine(issue, dt.time(9))
        # The latest invoiced month is issued and unpaid; older ones are paid.
        paid = month_end(last_day + dt.timedelta(days=1)) <= self.horizon
        by_client: dict[int, list[list[Any]]] = defaultdict(list)
        for entry, client_id, _, _ in bucket:
            if entry[E_STATE] == EntryState.APPROVED and entry[E_BILLABLE] and client_id:
                by_client[client_id].append(entry)
        run_id = self.w.ids(InvoiceRun)
        invoices: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        times: list[tuple[int, int, int, int, int, bool]] = []
        ledger: list[tuple[Any, ...]] = []
        charges: list[tuple[Any, ...]] = []
        rates = {ct.pk: ct.hourly_rate for ct in self.charge.values()}
        names = {ct.pk: ct.name for ct in self.charge.values()}
        entry_count = 0
        for info in self.clients:
            entries = by_client.get(info.client_id, [])
            fee = info.kind == ContractKind.RETAINER and month >= self.start.replace(day=1)
            if not entries and not fee:
                continue
            invoice_id = self.w.ids(Invoice)
            grouped: dict[tuple[str, int, int, Decimal], list[list[Any]]] = defaultdict(list)
            used = 0
            for e in entries:
                base = info.rates.get(e[E_CHARGE], rates[e[E_CHARGE]])
                kind: str = LineKind.TIME
                rate = base
                if info.kind in (ContractKind.FIXED_PRICE, ContractKind.NO_CHARGE):
                    kind, rate = LineKind.COVERED, Decimal("0")
                elif info.kind == ContractKind.PREPAY:
                    kind, rate = LineKind.PREPAY, Decimal("0")
                elif info.kind == ContractKind.RETAINER:
                    if used + e[E_BILL_SECONDS] <= info.included_seconds:
                        kind, rate = LineKind.RETAINER_INCLUDED, Decimal("0")
                        used += e[E_BILL_SECONDS]
                    else:
                        kind, rate = LineKind.OVERAGE, base * info.overage_multiplier
                grouped[(kind, e[E_TICKET], e[E_CHARGE], rate)].append(e)
            subtotal = Decimal("0")
            if fee:
                line_id = self.w.ids(InvoiceLine)
                lines.append(
                    (
                        line_id,
                        invoice_id,
                        None,
                        None,
                        LineKind.FEE,
                        info.contract_id,
                        month,
                        f"Retainer, {month:%B %Y}",
                        0,
                        Decimal("1"),
                        info.retainer_fee,
                        Decimal("1.00"),
                        info.retainer_fee,
                        info.retainer_fee,
                    )
                )
                charges.append(
                    (
                        self.w.ids(RetainerCharge),
                        info.contract_id,
                        month,
                        info.retainer_fee,
                        info.included_seconds,
                        0,
                        line_id,
                        False,
                    )
                )
                subtotal += info.retainer_fee
            for (kind, ticket_id, charge_id, rate), members in grouped.items():
                line_id = self.w.ids(InvoiceLine)
                seconds = sum(e[E_BILL_SECONDS] for e in members)
                amount = amount_for_seconds(rate, seconds, info.currency)
                base = info.rates.get(charge_id, rates[charge_id])
                multiplier = info.overage_multiplier if kind == LineKind.OVERAGE else Decimal("1")
                contract = info.contract_id if kind != LineKind.TIME else None
                lines.append(
                    (
                        line_id,
                        invoice_id,
                        ticket_id,
                        charge_id,
                        kind,
                        contract,
                        None,
                        f"Ticket #{ticket_id}: {names[charge_id]}",
                        seconds,
                        (Decimal(seconds) / 3600).quantize(Decimal("0.0001")),
                        base,
                        multiplier,
                        rate.quantize(Decimal("0.0001")),
                        amount,
                    )
                )
                subtotal += amount
                for e in members:
                    e[E_LINE] = line_id
                    # Seeded invoices are all issued or paid: each line time counts as billed.
                    share = micros_share(e[E_BILL_SECONDS], seconds, amount) if seconds else 0
                    times.append(
                        (self.w.ids(LineTime), line_id, e[E_ID], e[E_BILL_SECONDS], share, True)
                    )
                entry_count += len(members)
                if kind == LineKind.PREPAY:
                    ledger.extend(self.draws(info, line_id, seconds, last_day, issued_at))
            tax_rate = Decimal("0") if info.reverse_charge else info.tax_rate
            tax = round_money(subtotal * tax_rate / 100, info.currency)
            year = issue.year
            if year not in self.number_sequences:
                known = InvoiceNumberSequence.objects.filter(year=year).first()
                self.number_sequences[year] = known.last_number if known else 0
            sequence = self.number_sequences[year] = self.number_sequences[year] + 1
            number = self.number_format.format(year=year, number=sequence)
            invoices.append(
                (
                    invoice_id,
                    info.client_id,
                    run_id,
                    InvoiceState.PAID if paid else InvoiceState.ISSUED,
                    InvoiceKind.INVOICE,
                    number,
                    year,
                    sequence,
                    info.currency,
                    tax_rate,
                    subtotal,
                    tax,
                    subtotal + tax,
                    last_day,
                    issue,
                    issue + dt.timedelta(days=14),
                    info.name,
                    "High Street\nLeeds",
                    "Reverse charge: the customer accounts for the tax."
                    if info.reverse_charge
                    else "",
                    self.billing_id,
                    subtotal + tax if paid else Decimal("0"),
                    issued_at + dt.timedelta(days=rng.randint(10, 28)) if paid else None,
                    issued_at,
                )
            )
        self.w.insert(
            InvoiceRun,
            [
                "id",
                "cut_off",
                "client_ids",
                "state",
                "started_by_id",
                "started_at",
                "finished_at",
                "invoice_count",
                "entry_count",
                "clients_total",
                "clients_done",
            ],
            [
                (
                    run_id,
                    last_day,
                    [],
                    RunState.COMPLETED,
                    self.billing_id,
                    issued_at,
                    issued_at + dt.timedelta(minutes=2),
                    len(invoices),
                    entry_count,
                    len(invoices),
                    len(invoices),
                )
            ],
        )
        # Seeded invoices credit nothing and leave the tax ids and seller empty.
        unset = [
            "credits",
            "buyer_tax_id",
            "seller_name",
            "seller_address",
            "seller_tax_id",
            "purchase_order",
        ]
        self.w.insert(Invoice, columns(Invoice, leave_out=unset), invoices)
        self.w.insert(
            InvoiceLine,
            [
                "id",
                "invoice_id",
                "ticket_id",
                "charge_type_id",
                "kind",
                "contract_id",
                "period_start",
                "description",
                "billed_seconds",
                "quantity",
                "base_rate",
                "multiplier",
                "rate",
                "amount",
            ],
            lines,
        )
        self.w.insert(
            RetainerCharge,
            [
                "id",
                "contract_id",
                "period_start",
                "fee",
                "included_seconds",
                "rollover_seconds",
                "invoice_line_id",
                "released",
            ],
            charges,
        )
        self.write_ledger(ledger)
        # Line times point at entries, which the caller writes next.
        self.pending_times = times

    @property
    def number_format(self) -> str:
        return Organisation.current().invoice_number_format

    def draws(
        self, info: ClientInfo, line_id: int, seconds: int, day: dt.date, at: dt.datetime
    ) -> list[tuple[Any, ...]]:
        """Drawdowns from prepaid blocks, oldest first, buying a new block when one runs dry."""
        rows: list[tuple[Any, ...]] = []
        while seconds > 0:
            if not info.blocks or info.blocks[0][1] <= 0:
                if info.blocks:
                    info.blocks.pop(0)
                if not info.blocks:
                    rows.append(self.purchase(info, day))
                continue
            block = info.blocks[0]
            take = min(block[1], seconds)
            block[1] -= take
            seconds -= take
            rows.append(
                (
                    self.w.ids(PrepayEntry),
                    info.contract_id,
                    PrepayKind.DRAWDOWN,
                    -take,
                    Decimal("0"),
                    None,
                    None,
                    block[0],
                    line_id,
                    f"Invoice line {line_id}",
                    self.billing_id,
                    at,
                )
            )
        return rows
