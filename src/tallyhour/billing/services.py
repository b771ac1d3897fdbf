"""Writes for billing: invoice runs, issuing (gapless numbers), voiding drafts."""

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery, Sum

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
from tallyhour.billing.pricing import ClientPlan, PlannedLine, load_entries, plan_client
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
from tallyhour.core.errors import Conflict, InvalidInput, NotFound, full_clean_or_invalid
from tallyhour.core.money import round_money
from tallyhour.crm.models import Client
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.webhooks.models import Event
from tallyhour.webhooks.services import webhook_emit

INVOICE_FIELDS = ["client", "state", "number", "subtotal", "tax_amount", "total", "issue_date"]
HOURS = Decimal(3600)
# Seconds to wait between clients; only for the crash-safety test, which kills the run there.
PAUSE_ENV = "TALLYHOUR_INVOICE_RUN_PAUSE"


class ClaimLost(Conflict):
    """Another writer claimed an entry this client's plan counted on; the client is redone."""


@dataclass
class RunResult:
    run: InvoiceRun | None
    previews: list[ClientPlan]
    invoices: list[Invoice] = field(default_factory=list)


def _clients_to_bill(cut_off: dt.date, client_ids: list[int] | None) -> list[int]:
    """Clients with billable time, plus those with a retainer whose fee may be due."""
    with_time = set(
        billable_entries(cut_off, client_ids).values_list("ticket__client_id", flat=True)
    )
    retainers = Contract.objects.filter(kind=ContractKind.RETAINER, starts_on__lte=cut_off)
    if client_ids:
        retainers = retainers.filter(client_id__in=client_ids)
    return sorted(with_time | set(retainers.values_list("client_id", flat=True)))


def _plan(client: Client, cut_off: dt.date) -> ClientPlan:
    plan = plan_client(client, cut_off, load_entries(billable_entries(cut_off, [client.pk])))
    waiting = waiting_review(cut_off, [client.pk]).count()
    if waiting:
        plan.warnings.insert(
            0,
            f"{waiting} entr{'y' if waiting == 1 else 'ies'} from capped timers wait for review "
            "and are not billed.",
        )
    return plan


def invoice_run_preview(
    *, cut_off: dt.date, client_ids: list[int] | None = None
) -> list[ClientPlan]:
    """What a run would bill, per client, without writing anything."""
    clients = Client.objects.in_bulk(_clients_to_bill(cut_off, client_ids))
    plans = [_plan(client, cut_off) for _, client in sorted(clients.items())]
    return [plan for plan in plans if plan.all_lines]


def _recalculate(invoice: Invoice) -> None:
    subtotal = invoice.lines.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    invoice.subtotal = subtotal
    invoice.tax_amount = round_money(subtotal * invoice.tax_rate / 100, invoice.currency)
    invoice.total = invoice.subtotal + invoice.tax_amount
    invoice.save(update_fields=["subtotal", "tax_amount", "total"])


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


def _claim(invoice: Invoice, entry_count: int, client_id: int) -> None:
    """Point each entry at the line holding most of its time (the earliest such line on a
    tie: lines are inserted in plan order, so the earliest has the lowest id), in one guarded
    UPDATE: only entries still approved and unclaimed move, and the row count must match the
    plan or the client rolls back."""
    times = LineTime.objects.filter(line__invoice=invoice)
    main_line = (
        times.filter(entry_id=OuterRef("pk")).order_by("-seconds", "line_id").values("line_id")[:1]
    )
    claimed = TimeEntry.objects.filter(
        pk__in=times.values("entry_id"), invoice_line__isnull=True, state=EntryState.APPROVED
    ).update(invoice_line_id=Subquery(main_line))
    if claimed != entry_count:
        raise ClaimLost(f"Entries of client {client_id} changed while billing them.")


def _bill_client(
    client_id: int, *, run: InvoiceRun, cut_off: dt.date
) -> tuple[Invoice | None, ClientPlan | None]:
    """One client in one transaction, under the client's row lock so parallel runs queue.

    Entries are claimed with a guarded update (only rows still unclaimed move) whose row
    count must match the plan; anything else rolls the client back to be tried again.
    """
    now = dates.now()
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client_id)
        plan = _plan(client, cut_off)
        if not plan.all_lines:
            return None, None
        tax_rate, tax_note = _tax_terms(client)
        invoice = Invoice.objects.create(
            client=client,
            run=run,
            currency=client.currency,
            tax_rate=tax_rate,
            tax_note=tax_note,
            period_end=cut_off,
            buyer_name=client.name,
        )
        written: dict[int, InvoiceLine] = {}
        times: list[LineTime] = []
        ledger: list[PrepayEntry] = []
        entry_ids: set[int] = set()
        # One INSERT for every line (ids come back), then the rows that point at them.
        lines = InvoiceLine.objects.bulk_create(
            [_line_for(invoice, planned) for planned in plan.all_lines]
        )
        for index, planned in enumerate(plan.all_lines):
            line = written[index] = lines[index]
            for entry_id, seconds in planned.pieces.items():
                times.append(LineTime(line=line, entry_id=entry_id, seconds=seconds))
                entry_ids.add(entry_id)
            for block_id, seconds in planned.draws:
                assert planned.contract_id is not None
                ledger.append(
                    PrepayEntry(
                        contract_id=planned.contract_id,
                        kind=PrepayKind.DRAWDOWN,
                        seconds=-seconds,
                        block_id=block_id,
                        invoice_line=line,
                        note=f"{line.description} (draft {invoice.pk})"[:300],
                        created_by=run.started_by,
                        created_at=now,
                    )
                )
        LineTime.objects.bulk_create(times)
        PrepayEntry.objects.bulk_create(ledger)
        fee_lines = {id(fee.line): fee for fee in plan.fees}
        for index, planned in enumerate(plan.all_lines):
            fee = fee_lines.get(id(planned))
            if fee is not None:
                RetainerCharge.objects.create(
                    contract=fee.contract,
                    period_start=fee.period_start,
                    fee=fee.contract.retainer_fee,
                    included_seconds=fee.contract.retainer_included_minutes * 60,
                    rollover_seconds=fee.rollover_seconds,
                    invoice_line=written[index],
                )
        _claim(invoice, len(entry_ids), client.pk)
        _recalculate(invoice)
        audit_record(
            actor=run.started_by,
            action="invoice.create",
            obj=invoice,
            after=snapshot(invoice, INVOICE_FIELDS),
        )
    return invoice, plan


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
    targets = _clients_to_bill(cut_off, client_ids)
    InvoiceRun.objects.filter(pk=run.pk).update(clients_total=len(targets), clients_done=0)
    pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
    invoices = list(run.invoices.all()) if earlier is not None else []
    errors: list[str] = []
    plans: list[ClientPlan] = []
    for done, client_id in enumerate(targets, start=1):
        invoice = plan = None
        for attempt in range(2):
            try:
                invoice, plan = _bill_client(client_id, run=run, cut_off=cut_off)
                break
            except ClaimLost as exc:
                if attempt:
                    errors.append(exc.message)
        if invoice is not None and plan is not None:
            invoices.append(invoice)
            plans.append(plan)
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
    audit_record(
        actor=actor,
        action="invoice.issue",
        obj=invoice,
        before=before,
        after=snapshot(invoice, INVOICE_FIELDS),
    )
    webhook_emit(Event.INVOICE_ISSUED, invoice_event(invoice))
    return invoice


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
    webhook_emit(
        Event.INVOICE_CREDITED,
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
