"""Writes for billing: invoice runs, issuing (gapless numbers), voiding drafts."""

import datetime as dt
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from tallyhour.accounts.models import Organisation, User
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
from tallyhour.billing.pricing import (
    BillableEntry,
    ClientPlan,
    EntryCache,
    PlanContext,
    PlannedLine,
    load_entries,
    micros_share,
    month_start,
    plan_client,
)
from tallyhour.billing.selectors import billable_entries, check_billing, waiting_review
from tallyhour.contracts.models import (
    Contract,
    ContractKind,
    PrepayEntry,
    PrepayKind,
    RetainerCharge,
)
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.bulk import copy_create
from tallyhour.core.errors import Conflict, InvalidInput, NotFound, full_clean_or_invalid
from tallyhour.core.events import event_emit
from tallyhour.core.models import AuditEntry
from tallyhour.core.money import round_money
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import EntryState, TimeEntry

INVOICE_FIELDS = ["client", "state", "number", "subtotal", "tax_amount", "total", "issue_date"]
HOURS = Decimal(3600)
# Seconds to wait between clients; only for the crash-safety test, which kills the run there.
PAUSE_ENV = "TALLYHOUR_INVOICE_RUN_PAUSE"
# A committing run plans and writes clients in batches of this many entries (a bigger client
# is a batch alone) or clients, whichever comes first: one transaction and a fixed number
# of queries per batch, and memory bounded by the batch, not the run.
BATCH_ENTRIES = 20_000
BATCH_CLIENTS = 200
# Rows per multi-row INSERT or UPDATE … FROM (VALUES …): within SQLite's parameter limit.
SQL_ROWS = 5_000


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


def _batches(loads: dict[int, int], *, single: bool = False) -> list[list[int]]:
    """Clients in batches of at most BATCH_ENTRIES entries (a bigger client alone) and
    BATCH_CLIENTS clients, so memory stays bounded whatever the run's size."""
    batches: list[list[int]] = []
    batch: list[int] = []
    size = 0
    for client_id, entries in loads.items():
        if batch and (single or size + entries > BATCH_ENTRIES or len(batch) >= BATCH_CLIENTS):
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


def _recalculate(invoice: Invoice) -> None:
    subtotal = invoice.lines.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    _set_totals(invoice, subtotal)
    invoice.save(update_fields=["subtotal", "tax_amount", "total"])


def _set_totals(invoice: Invoice, subtotal: Decimal) -> None:
    invoice.subtotal = subtotal
    invoice.tax_amount = round_money(subtotal * invoice.tax_rate / 100, invoice.currency)
    invoice.total = invoice.subtotal + invoice.tax_amount


def _tax_terms(client: Client) -> tuple[Decimal, str]:
    if client.reverse_charge:
        return Decimal("0"), "Reverse charge: the customer accounts for the tax."
    return client.tax_rate, ""


def _line_for(invoice: Invoice, planned: PlannedLine) -> InvoiceLine:
    if planned.quantity_units is not None:
        quantity = planned.quantity_units
    else:
        quantity = (Decimal(planned.seconds) / HOURS).quantize(Decimal("0.0001"))
    return InvoiceLine(
        invoice=invoice,
        kind=planned.kind,
        ticket_id=planned.ticket_id,
        charge_type_id=planned.charge_type_id,
        contract_id=planned.contract_id,
        period_start=planned.period_start,
        description=planned.description,
        billed_seconds=planned.seconds,
        quantity=quantity,
        base_rate=planned.base_rate,
        multiplier=planned.multiplier,
        rate=planned.rate,
        amount=planned.amount,
    )


def _insert_line_times(rows: list[tuple[int, int, int]]) -> None:
    """(line id, entry id, seconds) rows by COPY on PostgreSQL, else multi-row INSERTs: a run
    writes one per billed entry, and building a model instance for each costs more than the
    database does."""
    table = connection.ops.quote_name(LineTime._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: no SQL text to build and parse for 15,000 parameters a statement.
            with cursor.copy(f"COPY {table} (line_id, entry_id, seconds) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for first in range(0, len(rows), SQL_ROWS):
            chunk = rows[first : first + SQL_ROWS]
            values = ",".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (line_id, entry_id, seconds) VALUES {values}",  # noqa: S608
                [value for row in chunk for value in row],
            )


def _update_entries(
    assignments: str,
    rows: list[tuple[Any, ...]],
    *,
    set_params: tuple[Any, ...] = (),
    guard: str = "",
    guard_params: tuple[Any, ...] = (),
) -> int:
    """UPDATE time entries from rows (entry id, value, …) in chunks: `assignments` reads the
    values as v.column2, v.column3 …; `guard` adds conditions on the entry. The rows updated.

    On PostgreSQL the rows go as arrays (unnest) and, for this statement only, hash and merge
    joins are off: with thousands of rows the planner otherwise hash-joins them against every
    unbilled entry (read through the invoice-line index) once per chunk, instead of updating
    by primary key."""
    table = connection.ops.quote_name(TimeEntry._meta.db_table)
    width = len(rows[0]) if rows else 0
    names = ", ".join(f"column{n + 1}" for n in range(width))
    updated = 0
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
        for first in range(0, len(rows), SQL_ROWS):
            chunk = rows[first : first + SQL_ROWS]
            if postgres:
                arrays = ", ".join(["%s::bigint[]"] * width)
                source = f"unnest({arrays}) AS v({names})"
                values = [list(column) for column in zip(*chunk, strict=True)]
            else:
                source = "(VALUES " + ",".join(["(" + ",".join(["%s"] * width) + ")"] * len(chunk))
                source += ") AS v"
                values = [value for row in chunk for value in row]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {source} "  # noqa: S608
                f"WHERE {table}.id = v.column1 {guard}",
                [*set_params, *values, *guard_params],
            )
            updated += cursor.rowcount
        if postgres:
            cursor.execute("SET LOCAL enable_hashjoin TO DEFAULT")
            cursor.execute("SET LOCAL enable_mergejoin TO DEFAULT")
    return updated


def _claim(main_lines: dict[int, int], client_ids: list[int]) -> None:
    """Point each entry at the line holding most of its time (`main_lines`: entry id → line
    id, worked out by the caller), with guarded UPDATEs joined to the pairs: only entries
    still approved and unclaimed move, and the row count must match the plans or the batch
    rolls back."""
    table = connection.ops.quote_name(TimeEntry._meta.db_table)
    claimed = _update_entries(
        "invoice_line_id = v.column2",
        list(main_lines.items()),
        guard=f"AND {table}.invoice_line_id IS NULL AND {table}.state = %s",
        guard_params=(EntryState.APPROVED,),
    )
    if claimed != len(main_lines):
        names = ", ".join(str(pk) for pk in client_ids)
        raise ClaimLost(f"Entries of client {names} changed while billing them.")


def _bill_batch(
    client_ids: list[int],
    *,
    run: InvoiceRun,
    cut_off: dt.date,
    org: Organisation,
    cache: EntryCache,
    waiting: dict[int, int],
) -> list[tuple[Invoice, ClientPlan]]:
    """A batch of clients in one transaction, under the clients' row locks so parallel runs
    queue: every invoice of the batch is written or none.

    Entries are claimed with one guarded update (only rows still unclaimed move) whose row
    count must match the plans; anything else rolls the batch back to be tried again.
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
            invoice = Invoice(
                client=client,
                run=run,
                currency=client.currency,
                tax_rate=tax_rate,
                tax_note=tax_note,
                period_end=cut_off,
                buyer_name=client.name,
            )
            _set_totals(invoice, plan.subtotal)
            invoices.append(invoice)
        # One INSERT per model family for the whole batch (ids come back), then the rows
        # that point at them.
        Invoice.objects.bulk_create(invoices)
        all_planned = [
            (invoice, line)
            for invoice, (_, plan) in zip(invoices, planned, strict=True)
            for line in plan.all_lines
        ]
        lines = copy_create([_line_for(invoice, line) for invoice, line in all_planned])
        written = {
            id(planned_line): line
            for (_, planned_line), line in zip(all_planned, lines, strict=True)
        }
        times: list[tuple[int, int, int]] = []
        ledger: list[PrepayEntry] = []
        charges: list[RetainerCharge] = []
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
                    ledger.append(
                        PrepayEntry(
                            contract_id=planned_line.contract_id,
                            kind=PrepayKind.DRAWDOWN,
                            seconds=-seconds,
                            block_id=block_id,
                            invoice_line=line,
                            note=f"{line.description} (draft {invoice.pk})"[:300],
                            created_by=run.started_by,
                            created_at=now,
                        )
                    )
            charges += [
                RetainerCharge(
                    contract=fee.contract,
                    period_start=fee.period_start,
                    fee=fee.contract.retainer_fee,
                    included_seconds=fee.contract.retainer_included_minutes * 60,
                    rollover_seconds=fee.rollover_seconds,
                    invoice_line=written[id(fee.line)],
                )
                for fee in plan.fees
            ]
        _insert_line_times(times)
        copy_create(ledger)
        RetainerCharge.objects.bulk_create(charges)
        _claim({entry: line for entry, (_, line) in main.items()}, client_ids)
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=run.started_by,
                action="invoice.create",
                object_type=invoice._meta.label_lower,
                object_id=str(invoice.pk),
                after=snapshot(invoice, INVOICE_FIELDS),
            )
            for invoice in invoices
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
) -> RunResult:
    """Bill approved, uninvoiced billable time up to `cut_off`; a dry run unless `commit`.

    Each client is its own transaction, so a crash leaves whole invoices or none, and a rerun
    picks up exactly the entries nobody has claimed yet.
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
    pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
    invoices = list(run.invoices.all()) if earlier is not None else []
    errors: list[str] = []
    plans: list[ClientPlan] = []
    org = Organisation.current()
    cache = EntryCache()
    # Held-back entries only feed a warning: counted once for the run, not per batch.
    waiting = _waiting_by_client(cut_off, client_ids, org)
    done = 0
    # The crash-safety test kills the run between clients, so with a pause each is alone.
    for batch in _batches(loads, single=bool(pause)):
        try:
            billed = _bill_batch(
                batch, run=run, cut_off=cut_off, org=org, cache=cache, waiting=waiting
            )
        except ClaimLost:
            # Someone else moved entries of the batch: redo its clients one at a time so only
            # the contended client is retried (once) and, failing again, reported.
            billed = []
            for client_id in batch:
                for attempt in range(2):
                    try:
                        billed += _bill_batch(
                            [client_id],
                            run=run,
                            cut_off=cut_off,
                            org=org,
                            cache=cache,
                            waiting=waiting,
                        )
                        break
                    except ClaimLost as exc:
                        if attempt:
                            errors.append(exc.message)
        for invoice, plan in billed:
            invoices.append(invoice)
            plans.append(plan)
        done += len(batch)
        InvoiceRun.objects.filter(pk=run.pk).update(clients_done=done)
        if pause:
            # Test hook (crash-safety test): a gap between clients to kill the process in.
            time.sleep(pause)
    run.refresh_from_db()
    run.state, run.finished_at = RunState.COMPLETED, dates.now()
    run.invoice_count = run.invoices.count()
    run.entry_count = TimeEntry.objects.filter(invoice_line__invoice__run=run).count()
    run.error = "\n".join(errors)
    run.save(update_fields=["state", "finished_at", "invoice_count", "entry_count", "error"])
    return RunResult(run=run, previews=plans, invoices=invoices)


def _lock_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)


def _next_number(year: int) -> int:
    InvoiceNumberSequence.objects.get_or_create(year=year)
    seq = InvoiceNumberSequence.objects.select_for_update().get(year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return seq.last_number


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor: User, now: dt.datetime | None = None) -> Invoice:
    """Give a draft its gapless number, snapshot both parties and freeze it."""
    check_billing(actor)
    invoice = _lock_invoice(invoice)
    if invoice.state != InvoiceState.DRAFT:
        raise Conflict(f"Invoice {invoice} is {invoice.state}; only drafts can be issued.")
    if not invoice.lines.exists():
        raise Conflict("An invoice without lines cannot be issued.")
    return _issue_locked(invoice, actor=actor, now=now)


def _issue_locked(invoice: Invoice, *, actor: User, now: dt.datetime | None) -> Invoice:
    org = Organisation.current()
    today = dates.local_date(now or dates.now(), dates.zone(org.timezone))
    before = snapshot(invoice, INVOICE_FIELDS)
    number = _next_number(today.year)
    client = invoice.client
    invoice.number_year, invoice.number_sequence = today.year, number
    invoice.number = org.invoice_number_format.format(year=today.year, number=number)
    invoice.state = InvoiceState.ISSUED
    invoice.issue_date = today
    terms = (
        client.payment_terms_days
        if client.payment_terms_days is not None
        else org.payment_terms_days
    )
    invoice.due_date = today + dt.timedelta(days=terms)
    invoice.buyer_name, invoice.buyer_address = client.name, client.billing_address
    invoice.buyer_tax_id = client.tax_id
    invoice.seller_name, invoice.seller_address, invoice.seller_tax_id = (
        org.name,
        org.address,
        org.tax_id,
    )
    invoice.issued_by = actor
    invoice.save()
    if not invoice.is_credit_note:
        _mark_billed(invoice)
    audit_record(
        actor=actor,
        action="invoice.issue",
        obj=invoice,
        before=before,
        after=snapshot(invoice, INVOICE_FIELDS),
    )
    event_emit("invoice.issued", invoice_event(invoice))
    return invoice


def _mark_billed(invoice: Invoice) -> None:
    """Record on each entry of an issued invoice its billed seconds and its share of the
    lines' amounts (what reports sum), with UPDATEs joined to the computed rows."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    times = LineTime.objects.filter(line__invoice=invoice).values_list(
        "entry_id", "seconds", "line__billed_seconds", "line__amount"
    )
    for entry_id, seconds, line_seconds, amount in times.iterator(chunk_size=SQL_ROWS):
        total = totals[entry_id]
        total[0] += seconds
        if line_seconds:
            total[1] += micros_share(seconds, line_seconds, amount)
    rows = [(entry_id, seconds, micros) for entry_id, (seconds, micros) in totals.items()]
    _update_entries(
        "billed_seconds = v.column2, billed_micros = v.column3, billed_currency = %s",
        rows,
        set_params=(invoice.currency,),
    )


def _unmark_billed(invoice: Invoice) -> None:
    """A credited invoice bills nothing any more: its entries' billed figures go back to 0."""
    TimeEntry.objects.filter(
        pk__in=LineTime.objects.filter(line__invoice=invoice).values("entry_id")
    ).update(billed_seconds=0, billed_micros=0, billed_currency="")


def invoice_event(invoice: Invoice) -> dict[str, Any]:
    """The public shape of an invoice in webhook payloads."""
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "client_id": invoice.client_id,
        "currency": invoice.currency,
        "subtotal": invoice.subtotal,
        "tax_amount": invoice.tax_amount,
        "total": invoice.total,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "credits": invoice.credits_id,
    }


def _release(invoice: Invoice, lines: list[InvoiceLine], *, actor: User, why: str) -> int:
    """Free the time on `lines` for the next run: entries unclaimed, prepay drawdowns
    reversed by new ledger rows, retainer fees of those lines chargeable again."""
    now = dates.now()
    line_ids = [line.pk for line in lines]
    released = TimeEntry.objects.filter(invoice_line__in=line_ids).update(invoice_line=None)
    reversals = [
        PrepayEntry(
            contract_id=draw.contract_id,
            kind=PrepayKind.REVERSAL,
            seconds=-draw.seconds,
            block_id=draw.block_id,
            invoice_line_id=draw.invoice_line_id,
            note=f"{why}: {draw.note}"[:300],
            created_by=actor,
            created_at=now,
        )
        for draw in PrepayEntry.objects.filter(invoice_line__in=line_ids, kind=PrepayKind.DRAWDOWN)
    ]
    PrepayEntry.objects.bulk_create(reversals)
    RetainerCharge.objects.filter(invoice_line__in=line_ids, released=False).update(released=True)
    return released


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: User, reason: str) -> Invoice:
    """Void a draft and release its time for the next run."""
    check_billing(actor)
    if not (reason or "").strip():
        raise InvalidInput("Give a reason for voiding.", fields={"reason": "required"})
    invoice = _lock_invoice(invoice)
    if invoice.state != InvoiceState.DRAFT:
        raise Conflict("Only drafts can be voided; issued invoices are corrected by a credit note.")
    before = snapshot(invoice, INVOICE_FIELDS)
    released = _release(invoice, list(invoice.lines.all()), actor=actor, why="voided")
    invoice.state = InvoiceState.VOID
    invoice.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="invoice.void",
        obj=invoice,
        before=before,
        after={**snapshot(invoice, INVOICE_FIELDS), "released_entries": released},
        reason=reason.strip(),
    )
    return invoice


def _draft_for_edit(invoice: Invoice, actor: User) -> Invoice:
    check_billing(actor)
    invoice = _lock_invoice(invoice)
    if invoice.state != InvoiceState.DRAFT:
        raise Conflict(f"Invoice {invoice} is {invoice.state}; only drafts can be edited.")
    return invoice


@transaction.atomic
def invoice_line_remove(*, invoice: Invoice, line_id: int, actor: User) -> Invoice:
    """Take a line off a draft and release its time (and that of lines sharing entries with
    it, so an entry is never half billed)."""
    invoice = _draft_for_edit(invoice, actor)
    line = invoice.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"Line {line_id} is not on this invoice.")
    entry_ids = set(LineTime.objects.filter(line=line).values_list("entry_id", flat=True))
    sibling_ids = set(
        LineTime.objects.filter(line__invoice=invoice, entry_id__in=entry_ids).values_list(
            "line_id", flat=True
        )
    )
    lines = list(invoice.lines.filter(pk__in=sibling_ids | {line.pk}))
    before = snapshot(invoice, INVOICE_FIELDS)
    released = _release(invoice, lines, actor=actor, why="line removed")
    descriptions = [removed.description for removed in lines]
    InvoiceLine.objects.filter(pk__in=[removed.pk for removed in lines]).delete()
    _recalculate(invoice)
    audit_record(
        actor=actor,
        action="invoice.line_remove",
        obj=invoice,
        before=before,
        after={
            **snapshot(invoice, INVOICE_FIELDS),
            "removed": descriptions,
            "released_entries": released,
        },
    )
    return invoice


@transaction.atomic
def invoice_line_add(
    *,
    invoice: Invoice,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    actor: User,
) -> InvoiceLine:
    """A manual line on a draft (hardware, a one-off fee, a goodwill discount)."""
    invoice = _draft_for_edit(invoice, actor)
    description = (description or "").strip()
    fields = {}
    if not description:
        fields["description"] = "required"
    if quantity is None or quantity == 0:
        fields["quantity"] = "must not be zero"
    if unit_price is None:
        fields["unit_price"] = "required"
    if fields:
        raise InvalidInput("Give a description, a quantity and a unit price.", fields=fields)
    line = InvoiceLine(
        invoice=invoice,
        kind=LineKind.MANUAL,
        description=description[:300],
        quantity=quantity,
        base_rate=unit_price,
        rate=unit_price,
        amount=round_money(quantity * unit_price, invoice.currency),
    )
    full_clean_or_invalid(line, exclude=["invoice"])
    line.save()
    _recalculate(invoice)
    audit_record(
        actor=actor,
        action="invoice.line_add",
        obj=invoice,
        after={"description": line.description, "amount": str(line.amount)},
    )
    return line


@transaction.atomic
def invoice_credit(
    *,
    invoice: Invoice,
    actor: User,
    reason: str,
    release_time: bool = True,
    now: dt.datetime | None = None,
) -> Invoice:
    """Correct an issued invoice with a credit note: a new, issued invoice whose lines negate
    the original's. With `release_time` the billed time is free for the next run."""
    check_billing(actor)
    if not (reason or "").strip():
        raise InvalidInput("Give a reason for the credit note.", fields={"reason": "required"})
    original = _lock_invoice(invoice)
    if original.is_credit_note or original.state not in (InvoiceState.ISSUED, InvoiceState.PAID):
        raise Conflict("Only issued invoices can be credited.")
    if original.credit_notes.exists():
        raise Conflict(f"Invoice {original} has already been credited.")
    credit = Invoice.objects.create(
        client=original.client,
        kind=InvoiceKind.CREDIT_NOTE,
        credits=original,
        currency=original.currency,
        tax_rate=original.tax_rate,
        tax_note=original.tax_note,
        period_end=original.period_end,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=credit,
            kind=line.kind,
            ticket_id=line.ticket_id,
            charge_type_id=line.charge_type_id,
            contract_id=line.contract_id,
            period_start=line.period_start,
            description=line.description,
            billed_seconds=-line.billed_seconds,
            quantity=-line.quantity,
            base_rate=line.base_rate,
            multiplier=line.multiplier,
            rate=line.rate,
            amount=-line.amount,
        )
        for line in original.lines.all()
    )
    credit.subtotal = -original.subtotal
    credit.tax_amount = -original.tax_amount
    credit.total = -original.total
    credit.save(update_fields=["subtotal", "tax_amount", "total"])
    _unmark_billed(original)
    released = 0
    if release_time:
        released = _release(original, list(original.lines.all()), actor=actor, why="credited")
    _issue_locked(credit, actor=actor, now=now)
    audit_record(
        actor=actor,
        action="invoice.credit",
        obj=original,
        after={"credit_note": credit.number, "released_entries": released},
        reason=reason.strip(),
    )
    event_emit(
        "invoice.credited",
        {
            "invoice": invoice_event(original),
            "credit_note": invoice_event(credit),
            "released_entries": released,
        },
    )
    return credit


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, actor: User, now: dt.datetime | None = None) -> Invoice:
    check_billing(actor)
    invoice = _lock_invoice(invoice)
    if invoice.state != InvoiceState.ISSUED or invoice.is_credit_note:
        raise Conflict("Only issued invoices can be marked paid.")
    before = snapshot(invoice, INVOICE_FIELDS)
    invoice.state, invoice.paid_at = InvoiceState.PAID, now or dates.now()
    invoice.save(update_fields=["state", "paid_at"])
    audit_record(
        actor=actor,
        action="invoice.paid",
        obj=invoice,
        before=before,
        after=snapshot(invoice, INVOICE_FIELDS),
    )
    return invoice
