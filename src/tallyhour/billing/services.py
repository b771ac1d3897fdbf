"""Writes for billing: invoice runs, issuing (gapless numbers), voiding drafts."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceRun,
    InvoiceState,
    RunState,
)
from tallyhour.billing.selectors import billable_entries, billable_groups, check_billing
from tallyhour.core import dates
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Conflict, InvalidInput
from tallyhour.core.money import amount_for_seconds, round_money
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, TimeEntry

INVOICE_FIELDS = ["client", "state", "number", "subtotal", "tax_amount", "total", "issue_date"]
HOURS = Decimal(3600)


@dataclass
class LinePreview:
    ticket_id: int
    charge_type_id: int
    description: str
    seconds: int
    rate: Decimal
    amount: Decimal
    entries: int

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / HOURS).quantize(Decimal("0.01"))


@dataclass
class ClientPreview:
    client: Client
    lines: list[LinePreview] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        return sum(line.seconds for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def entries(self) -> int:
        return sum(line.entries for line in self.lines)


@dataclass
class RunResult:
    run: InvoiceRun | None
    previews: list[ClientPreview]
    invoices: list[Invoice] = field(default_factory=list)


def _line_description(ticket: Ticket, charge_type: ChargeType) -> str:
    return f"#{ticket.pk} {ticket.summary} — {charge_type.name}"[:300]


def invoice_run_preview(
    *, cut_off: dt.date, client_ids: list[int] | None = None
) -> list[ClientPreview]:
    """What a run would bill, per client, without writing anything."""
    groups = billable_groups(cut_off, client_ids)
    clients = Client.objects.in_bulk({g["ticket__client_id"] for g in groups})
    tickets = Ticket.objects.in_bulk({g["ticket_id"] for g in groups})
    charge_types = ChargeType.objects.in_bulk({g["charge_type_id"] for g in groups})
    previews: dict[int, ClientPreview] = {}
    for g in groups:
        client = clients[g["ticket__client_id"]]
        charge_type = charge_types[g["charge_type_id"]]
        preview = previews.setdefault(client.pk, ClientPreview(client=client))
        preview.lines.append(
            LinePreview(
                ticket_id=g["ticket_id"],
                charge_type_id=g["charge_type_id"],
                description=_line_description(tickets[g["ticket_id"]], charge_type),
                seconds=g["seconds"],
                rate=charge_type.hourly_rate,
                amount=amount_for_seconds(charge_type.hourly_rate, g["seconds"], client.currency),
                entries=g["entries"],
            )
        )
    return list(previews.values())


def _recalculate(invoice: Invoice) -> None:
    subtotal = invoice.lines.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    invoice.subtotal = subtotal
    invoice.tax_amount = round_money(subtotal * invoice.tax_rate / 100, invoice.currency)
    invoice.total = invoice.subtotal + invoice.tax_amount
    invoice.save(update_fields=["subtotal", "tax_amount", "total"])


def _bill_client(preview: ClientPreview, *, run: InvoiceRun, cut_off: dt.date) -> Invoice | None:
    """One client in one transaction: claim each line's entries with a guarded update."""
    client = preview.client
    with transaction.atomic():
        invoice = Invoice.objects.create(
            client=client,
            run=run,
            currency=client.currency,
            tax_rate=client.tax_rate,
            period_end=cut_off,
            buyer_name=client.name,
        )
        for planned in preview.lines:
            line = InvoiceLine.objects.create(
                invoice=invoice,
                ticket_id=planned.ticket_id,
                charge_type_id=planned.charge_type_id,
                description=planned.description,
                quantity=Decimal("0"),
                rate=planned.rate,
                amount=Decimal("0"),
            )
            # Only rows still unclaimed move; a parallel run that got there first leaves us
            # fewer (or no) rows, and the line is priced from what we actually claimed.
            # The filters stay on the entry table itself (the ticket already fixes the client):
            # a join would turn the UPDATE into `id IN (subquery)`, and PostgreSQL does not
            # re-run that subquery after waiting for a row lock, so two runs could both claim
            # an entry. Rows are locked in primary-key order so parallel runs queue, never
            # deadlock.
            candidates = billable_entries(cut_off).filter(
                ticket_id=planned.ticket_id, charge_type_id=planned.charge_type_id
            )
            ids = list(candidates.select_for_update().order_by("pk").values_list("pk", flat=True))
            claimed = TimeEntry.objects.filter(pk__in=ids, invoice_line__isnull=True).update(
                invoice_line=line
            )
            if claimed == 0:
                line.delete()
                continue
            seconds = line.entries.aggregate(s=Sum("billable_seconds"))["s"] or 0
            line.billed_seconds = seconds
            line.quantity = (Decimal(seconds) / HOURS).quantize(Decimal("0.0001"))
            line.amount = amount_for_seconds(line.rate, seconds, invoice.currency)
            line.save(update_fields=["billed_seconds", "quantity", "amount"])
        if not invoice.lines.exists():
            invoice.delete()
            return None
        _recalculate(invoice)
        audit_record(
            actor=run.started_by,
            action="invoice.create",
            obj=invoice,
            after=snapshot(invoice, INVOICE_FIELDS),
        )
    return invoice


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
    previews = invoice_run_preview(cut_off=cut_off, client_ids=client_ids)
    if not commit:
        return RunResult(run=None, previews=previews)
    run = earlier or _run_start(
        cut_off=cut_off,
        client_ids=client_ids,
        idempotency_key=idempotency_key,
        actor=actor,
        now=now or dates.now(),
    )
    invoices = list(run.invoices.all()) if earlier is not None else []
    for preview in previews:
        invoice = _bill_client(preview, run=run, cut_off=cut_off)
        if invoice is not None:
            invoices.append(invoice)
    run.state, run.finished_at = RunState.COMPLETED, dates.now()
    run.invoice_count = run.invoices.count()
    run.entry_count = TimeEntry.objects.filter(invoice_line__invoice__run=run).count()
    run.save(update_fields=["state", "finished_at", "invoice_count", "entry_count"])
    return RunResult(run=run, previews=previews, invoices=invoices)


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
    return invoice


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
    released = TimeEntry.objects.filter(invoice_line__invoice=invoice).update(invoice_line=None)
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
