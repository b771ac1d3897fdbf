"""Invoice runs: approved, unbilled time turned into draft invoices, client batch by batch."""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing import sql
from tallyhour.billing.invoices import INVOICE_FIELDS, apply_totals, line_on_terms
from tallyhour.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceRun,
    InvoiceState,
    LineTime,
    RunState,
)
from tallyhour.billing.pricing import (
    BillableEntry,
    ClientPlan,
    EntryCache,
    PlanContext,
    PlannedLine,
    load_entries,
    month_start,
    plan_client,
)
from tallyhour.billing.selectors import billable_entries, check_billing, waiting_review
from tallyhour.contracts.models import Contract, ContractKind
from tallyhour.contracts.services import (
    Drawdown,
    RetainerFee,
    prepay_drawdowns_create,
    retainer_charges_create,
)
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, audit_record_many, snapshot
from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.crm.models import Client
from tallyhour.timetracking.claims import EntriesTaken, time_entries_claim
from tallyhour.timetracking.models import TimeEntry

# A committing run plans and writes clients in batches of this many entries (a bigger client
# is a batch alone) or clients, whichever comes first: one transaction and a fixed number
# of queries per batch, and memory bounded by the batch, not the run.
BATCH_ENTRIES = 20_000
BATCH_CLIENTS = 200
# Rows per multi-row INSERT: within the 65,535 parameters a statement bound on the server
# (PostgreSQL) may carry.
BULK_ROWS = 2_000


class ClaimLost(Conflict):
    """Another writer claimed an entry this client's plan counted on; the client is redone."""


@dataclass
class RunResult:
    run: InvoiceRun | None
    previews: list[ClientPlan]
    invoices: list[Invoice] = field(default_factory=list)


def _client_loads(cut_off: dt.date, client_ids: list[int] | None) -> dict[int, int]:
    """Clients with billable time (and how many entries each), plus those with a retainer
    whose fee may be due (with none)."""
    loads = {
        row["ticket__client_id"]: row["n"]
        for row in billable_entries(cut_off, client_ids)
        .values("ticket__client_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    retainers = Contract.objects.filter(kind=ContractKind.RETAINER, starts_on__lte=cut_off)
    if client_ids:
        retainers = retainers.filter(client_id__in=client_ids)
    for client_id in retainers.values_list("client_id", flat=True):
        loads.setdefault(client_id, 0)
    return dict(sorted(loads.items()))


def _batches(loads: dict[int, int], *, max_clients: int = BATCH_CLIENTS) -> list[list[int]]:
    """Clients in batches of at most BATCH_ENTRIES entries (a bigger client alone) and
    `max_clients` clients, so memory stays bounded whatever the run's size."""
    batches: list[list[int]] = []
    batch: list[int] = []
    size = 0
    for client_id, entries in loads.items():
        if batch and (size + entries > BATCH_ENTRIES or len(batch) >= max_clients):
            batches.append(batch)
            batch, size = [], 0
        batch.append(client_id)
        size += entries
    if batch:
        batches.append(batch)
    return batches


def _waiting_by_client(
    cut_off: dt.date, client_ids: list[int] | None, org: Organisation
) -> dict[int, int]:
    """Entries from capped timers held back from billing, per client (one grouped query)."""
    return dict(
        waiting_review(cut_off, client_ids, org=org)
        .values("ticket__client_id")
        .annotate(n=Count("id"))
        .values_list("ticket__client_id", "n")
        .order_by()
    )


def _plan_many(
    clients: list[Client],
    cut_off: dt.date,
    *,
    org: Organisation | None = None,
    cache: EntryCache | None = None,
    waiting: dict[int, int] | None = None,
) -> list[ClientPlan]:
    """Plans for several clients with one query per model family, not per client.
    `waiting` (entries held for review per client) may be counted once for a whole run."""
    ids = [client.pk for client in clients]
    org = org or Organisation.current()
    entries = load_entries(billable_entries(cut_off, ids, org=org), cache)
    by_client: dict[int, list[BillableEntry]] = {pk: [] for pk in ids}
    for entry in entries:
        assert entry.ticket is not None
        by_client[entry.ticket.client_id].append(entry)
    if waiting is None:
        waiting = _waiting_by_client(cut_off, ids, org)
    since = None
    if entries:
        # Work dates are local: the earliest may be the day before its UTC date.
        first = month_start(entries[0].started_at.date() - dt.timedelta(days=1))
        since = month_start(first - dt.timedelta(days=1))
    context = PlanContext.load(ids, org, since=since)
    plans = []
    for client in clients:
        plan = plan_client(client, cut_off, by_client[client.pk], context)
        if count := waiting.get(client.pk, 0):
            plan.warnings.insert(
                0,
                f"{count} entr{'y' if count == 1 else 'ies'} from capped timers wait for "
                "review and are not billed.",
            )
        plans.append(plan)
    return plans


def invoice_run_preview(
    *, cut_off: dt.date, client_ids: list[int] | None = None
) -> list[ClientPlan]:
    """What a run would bill, per client, without writing anything."""
    org = Organisation.current()
    cache = EntryCache()
    waiting = _waiting_by_client(cut_off, client_ids, org)
    plans: list[ClientPlan] = []
    for batch in _batches(_client_loads(cut_off, client_ids)):
        clients = list(Client.objects.filter(pk__in=batch).order_by("pk"))
        plans += _plan_many(clients, cut_off, org=org, cache=cache, waiting=waiting)
    return [plan for plan in plans if plan.all_lines]


def _tax_terms(client: Client) -> tuple[Decimal, str]:
    if client.reverse_charge:
        return Decimal("0"), "Reverse charge: the customer accounts for the tax."
    return client.tax_rate, ""


def _line_for(invoice: Invoice, planned: PlannedLine) -> InvoiceLine:
    return line_on_terms(
        planned,
        invoice=invoice,
        billed_seconds=planned.seconds,
        quantity=planned.quantity,
        amount=planned.amount,
    )


def _bill_batch(
    client_ids: list[int],
    *,
    run: InvoiceRun,
    actor: User,
    cut_off: dt.date,
    org: Organisation,
    cache: EntryCache,
    waiting: dict[int, int],
) -> list[tuple[Invoice, ClientPlan]]:
    """A batch of clients in one transaction, under the clients' row locks so parallel runs
    queue: every invoice of the batch is written or none.

    Entries are claimed through timetracking (`time_entries_claim`: only rows still
    unclaimed move, and all must); anything else rolls the batch back to be tried again.
    """
    now = dates.now()
    with transaction.atomic():
        clients = list(Client.objects.select_for_update().filter(pk__in=client_ids).order_by("pk"))
        planned = [
            (client, plan)
            for client, plan in zip(
                clients,
                _plan_many(clients, cut_off, org=org, cache=cache, waiting=waiting),
                strict=True,
            )
            if plan.all_lines
        ]
        if not planned:
            return []
        invoices = []
        for client, plan in planned:
            tax_rate, tax_note = _tax_terms(client)
            no_charge = plan.all_covered and not org.zero_value_statements
            invoice = Invoice(
                client=client,
                run=run,
                state=InvoiceState.NO_CHARGE if no_charge else InvoiceState.DRAFT,
                currency=client.currency,
                tax_rate=tax_rate,
                tax_note=tax_note,
                period_end=cut_off,
                buyer_name=client.name,
                purchase_order=client.purchase_order,
            )
            apply_totals(invoice, plan.subtotal)
            invoices.append(invoice)
        # One INSERT per model family for the whole batch (ids come back), then the rows
        # that point at them.
        Invoice.objects.bulk_create(invoices)
        all_planned = [
            (invoice, line)
            for invoice, (_, plan) in zip(invoices, planned, strict=True)
            for line in plan.all_lines
        ]
        lines = InvoiceLine.objects.bulk_create(
            [_line_for(invoice, line) for invoice, line in all_planned], batch_size=BULK_ROWS
        )
        written = {
            id(planned_line): line
            for (_, planned_line), line in zip(all_planned, lines, strict=True)
        }
        times: list[tuple[int, int, int]] = []
        drawdowns: list[Drawdown] = []
        fees: list[RetainerFee] = []
        # entry id → (seconds, line id) of the line carrying most of it; lines come in plan
        # order with rising ids, so on a tie the earliest line keeps the entry.
        main: dict[int, tuple[int, int]] = {}
        for invoice, (_, plan) in zip(invoices, planned, strict=True):
            for planned_line in plan.all_lines:
                line = written[id(planned_line)]
                for entry_id, seconds in planned_line.pieces.items():
                    times.append((line.pk, entry_id, seconds))
                    if entry_id not in main or seconds > main[entry_id][0]:
                        main[entry_id] = (seconds, line.pk)
                for block_id, seconds in planned_line.draws:
                    assert planned_line.contract_id is not None
                    drawdowns.append(
                        Drawdown(
                            contract_id=planned_line.contract_id,
                            block_id=block_id,
                            seconds=seconds,
                            invoice_line_id=line.pk,
                            note=f"{line.description} (draft {invoice.pk})",
                        )
                    )
            fees += [
                RetainerFee(
                    contract=fee.contract,
                    period_start=fee.period_start,
                    rollover_seconds=fee.rollover_seconds,
                    invoice_line_id=written[id(fee.line)].pk,
                )
                for fee in plan.fees
            ]
        if connection.vendor == "postgresql":
            sql.copy_line_times(times)
        else:
            sql.insert_line_times_orm(times)
        # A no-charge record is final at once: its time counts as billed (at nothing) in
        # reports, as it would on an issued invoice.
        records = [invoice.pk for invoice in invoices if invoice.state == InvoiceState.NO_CHARGE]
        if records:
            LineTime.objects.filter(line__invoice__in=records).update(billed=True)
        prepay_drawdowns_create(drawdowns=drawdowns, actor=run.started_by, now=now)
        retainer_charges_create(fees=fees)
        try:
            time_entries_claim(
                claims={entry: line for entry, (_, line) in main.items()}, actor=actor
            )
        except EntriesTaken as exc:
            names = ", ".join(str(pk) for pk in client_ids)
            raise ClaimLost(f"Entries of client {names} changed while billing them.") from exc
        audit_record_many(
            actor=run.started_by,
            action="invoice.create",
            changes=((invoice, None, snapshot(invoice, INVOICE_FIELDS)) for invoice in invoices),
        )
    for _, plan in planned:
        plan.release_pieces()
    return [(invoice, plan) for invoice, (_, plan) in zip(invoices, planned, strict=True)]


def _run_start(
    *,
    cut_off: dt.date,
    client_ids: list[int],
    idempotency_key: str | None,
    actor: User,
    now: dt.datetime,
) -> InvoiceRun:
    try:
        with transaction.atomic():
            run = InvoiceRun.objects.create(
                cut_off=cut_off,
                client_ids=client_ids,
                idempotency_key=idempotency_key or None,
                started_by=actor,
                started_at=now,
            )
            audit_record(
                actor=actor,
                action="invoice_run.start",
                obj=run,
                after={"cut_off": cut_off.isoformat(), "client_ids": client_ids},
            )
    except IntegrityError:
        # A parallel request with the same idempotency key created the run first; join it.
        # Claims are guarded, so both finishing the same run still bills every entry once.
        return InvoiceRun.objects.get(idempotency_key=idempotency_key)
    return run


def invoice_run_execute(
    *,
    cut_off: dt.date,
    actor: User,
    client_ids: list[int] | None = None,
    commit: bool = False,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
    clients_per_batch: int = BATCH_CLIENTS,
    after_batch: Callable[[], None] | None = None,
) -> RunResult:
    """Bill approved, uninvoiced billable time up to `cut_off`; a dry run unless `commit`.

    Each batch of clients is its own transaction, so a crash leaves whole invoices or none,
    and a rerun picks up exactly the entries nobody has claimed yet. `after_batch` is called
    once each batch is committed (the crash-safety test kills the process there).
    """
    check_billing(actor)
    client_ids = sorted(set(client_ids or []))
    if client_ids:
        known = set(Client.objects.filter(pk__in=client_ids).values_list("pk", flat=True))
        missing = [c for c in client_ids if c not in known]
        if missing:
            raise InvalidInput(f"Unknown client ids {missing}.", fields={"client_ids": missing})
    earlier = (
        InvoiceRun.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key
        else None
    )
    if earlier is not None and (earlier.state == RunState.COMPLETED or not commit):
        return RunResult(run=earlier, previews=[], invoices=list(earlier.invoices.all()))
    if earlier is not None:
        # The first attempt with this key never finished (killed part-way): finish that run,
        # on its own terms, rather than refuse or start a second one.
        cut_off, client_ids = earlier.cut_off, list(earlier.client_ids)
    if not commit:
        previews = invoice_run_preview(cut_off=cut_off, client_ids=client_ids)
        return RunResult(run=None, previews=previews)
    run = earlier or _run_start(
        cut_off=cut_off,
        client_ids=client_ids,
        idempotency_key=idempotency_key,
        actor=actor,
        now=now or dates.now(),
    )
    loads = _client_loads(cut_off, client_ids)
    InvoiceRun.objects.filter(pk=run.pk).update(clients_total=len(loads), clients_done=0)
    invoices = list(run.invoices.all()) if earlier is not None else []
    errors: list[str] = []
    plans: list[ClientPlan] = []
    org = Organisation.current()
    cache = EntryCache()
    # Held-back entries only feed a warning: counted once for the run, not per batch.
    waiting = _waiting_by_client(cut_off, client_ids, org)
    bill = functools.partial(
        _bill_batch, run=run, actor=actor, cut_off=cut_off, org=org, cache=cache, waiting=waiting
    )
    done = 0
    for batch in _batches(loads, max_clients=clients_per_batch):
        try:
            billed = bill(batch)
        except ClaimLost:
            # Someone else moved entries of the batch: redo its clients one at a time so only
            # the contended client is retried (once) and, failing again, reported.
            billed = []
            for client_id in batch:
                for attempt in range(2):
                    try:
                        billed += bill([client_id])
                        break
                    except ClaimLost as exc:
                        if attempt:
                            errors.append(exc.message)
        for invoice, plan in billed:
            invoices.append(invoice)
            plans.append(plan)
        done += len(batch)
        InvoiceRun.objects.filter(pk=run.pk).update(clients_done=done)
        if after_batch is not None:
            after_batch()
    run.refresh_from_db()
    run.state, run.finished_at = RunState.COMPLETED, dates.now()
    run.invoice_count = run.invoices.exclude(state=InvoiceState.NO_CHARGE).count()
    run.entry_count = TimeEntry.objects.filter(invoice_line__invoice__run=run).count()
    run.error = "\n".join(errors)
    run.save(update_fields=["state", "finished_at", "invoice_count", "entry_count", "error"])
    return RunResult(run=run, previews=plans, invoices=invoices)
