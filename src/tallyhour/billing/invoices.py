"""Writes for invoices once drafted: issuing (gapless numbers), editing drafts, voiding,
crediting (payments are in payments.py)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from tallyhour.accounts.models import Organisation, User
from tallyhour.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceState,
    LineKind,
    LineTime,
)
from tallyhour.billing.pricing import PlannedLine, micros_share
from tallyhour.billing.selectors import check_billing
from tallyhour.contracts.services import prepay_drawdowns_reverse, retainer_charges_release
from tallyhour.core import dates
from tallyhour.core.audit import Audited, audit_record
from tallyhour.core.errors import Conflict, InvalidInput, NotFound, full_clean_or_invalid
from tallyhour.core.events import event_emit
from tallyhour.core.money import round_money
from tallyhour.timetracking.claims import time_entries_release

# Ids per `IN (…)` list: well within SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 5_000
INVOICE_FIELDS = ["client", "state", "number", "subtotal", "tax_amount", "total", "issue_date"]


def _recalculate(invoice: Invoice) -> None:
    subtotal = invoice.lines.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    apply_totals(invoice, subtotal)
    invoice.save(update_fields=["subtotal", "tax_amount", "total"])


def apply_totals(invoice: Invoice, subtotal: Decimal) -> None:
    """Set tax and total from the subtotal (on the object; the caller saves it)."""
    invoice.subtotal = subtotal
    invoice.tax_amount = round_money(subtotal * invoice.tax_rate / 100, invoice.currency)
    invoice.total = invoice.subtotal + invoice.tax_amount


def line_on_terms(
    terms: PlannedLine | InvoiceLine,
    *,
    invoice: Invoice,
    billed_seconds: int,
    quantity: Decimal,
    amount: Decimal,
) -> InvoiceLine:
    """A new line on `invoice` for what `terms` bills (its ticket, charge type, contract and
    month) at the same rates: a planned line being written, or a line being credited."""
    return InvoiceLine(
        invoice=invoice,
        kind=terms.kind,
        ticket_id=terms.ticket_id,
        charge_type_id=terms.charge_type_id,
        contract_id=terms.contract_id,
        period_start=terms.period_start,
        description=terms.description,
        billed_seconds=billed_seconds,
        quantity=quantity,
        base_rate=terms.base_rate,
        multiplier=terms.multiplier,
        rate=terms.rate,
        amount=amount,
    )


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
    if invoice.tax_note and not (Organisation.current().tax_id and invoice.client.tax_id):
        # EN 16931 (BR-AE-02): a reverse-charge invoice names both parties' VAT numbers.
        raise Conflict(
            "A reverse-charge invoice needs the organisation's and the client's VAT numbers; "
            "add them before issuing."
        )
    return _issue_locked(invoice, actor=actor, now=now)


def _issue_locked(invoice: Invoice, *, actor: User, now: dt.datetime | None) -> Invoice:
    org = Organisation.current()
    today = dates.local_date(now or dates.now(), dates.zone(org.timezone))
    change = Audited(invoice, INVOICE_FIELDS)
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
    change.record(actor=actor, action="invoice.issue")
    event_emit("invoice.issued", invoice_event(invoice))
    return invoice


def _mark_billed(invoice: Invoice) -> None:
    """Record on each line time of an issued invoice the entry's share of the line's amount
    and count it as billed (what reports sum). Rows sharing a share (most do: same rate,
    same length) are updated together."""
    groups: dict[int, list[int]] = defaultdict(list)
    times = LineTime.objects.filter(line__invoice=invoice).values_list(
        "pk", "seconds", "line__billed_seconds", "line__amount"
    )
    for pk, seconds, line_seconds, amount in times.iterator(chunk_size=IN_CHUNK):
        groups[micros_share(seconds, line_seconds, amount) if line_seconds else 0].append(pk)
    for micros, pks in groups.items():
        for first in range(0, len(pks), IN_CHUNK):
            LineTime.objects.filter(pk__in=pks[first : first + IN_CHUNK]).update(
                micros=micros, billed=True
            )


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
    released = time_entries_release(line_ids=line_ids, actor=actor)
    prepay_drawdowns_reverse(line_ids=line_ids, why=why, actor=actor, now=now)
    retainer_charges_release(line_ids=line_ids)
    return released


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: User, reason: str) -> Invoice:
    """Void a draft (or a no-charge record, e.g. after a contract is corrected) and release
    its time for the next run."""
    check_billing(actor)
    if not (reason or "").strip():
        raise InvalidInput("Give a reason for voiding.", fields={"reason": "required"})
    invoice = _lock_invoice(invoice)
    if invoice.state not in (InvoiceState.DRAFT, InvoiceState.NO_CHARGE):
        raise Conflict("Only drafts can be voided; issued invoices are corrected by a credit note.")
    change = Audited(invoice, INVOICE_FIELDS)
    released = _release(invoice, list(invoice.lines.all()), actor=actor, why="voided")
    LineTime.objects.filter(line__invoice=invoice).update(billed=False)
    invoice.state = InvoiceState.VOID
    invoice.save(update_fields=["state"])
    change.record(
        actor=actor,
        action="invoice.void",
        reason=reason.strip(),
        extra={"released_entries": released},
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
    change = Audited(invoice, INVOICE_FIELDS)
    released = _release(invoice, lines, actor=actor, why="line removed")
    descriptions = [removed.description for removed in lines]
    InvoiceLine.objects.filter(pk__in=[removed.pk for removed in lines]).delete()
    _recalculate(invoice)
    change.record(
        actor=actor,
        action="invoice.line_remove",
        extra={"removed": descriptions, "released_entries": released},
    )
    return invoice


@transaction.atomic
def invoice_purchase_order_set(*, invoice: Invoice, purchase_order: str, actor: User) -> Invoice:
    """The buyer's reference on a draft (a run copies the client's; issued invoices keep it)."""
    invoice = _draft_for_edit(invoice, actor)
    value = (purchase_order or "").strip()
    if len(value) > Invoice._meta.get_field("purchase_order").max_length:  # type: ignore[operator]
        raise InvalidInput("At most 64 characters.", fields={"purchase_order": "too long"})
    change = Audited(invoice, ["purchase_order"])
    invoice.purchase_order = value
    invoice.save(update_fields=["purchase_order"])
    change.record(actor=actor, action="invoice.purchase_order")
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
        line_on_terms(
            line,
            invoice=credit,
            billed_seconds=-line.billed_seconds,
            quantity=-line.quantity,
            amount=-line.amount,
        )
        for line in original.lines.all()
    )
    credit.subtotal = -original.subtotal
    credit.tax_amount = -original.tax_amount
    credit.total = -original.total
    credit.save(update_fields=["subtotal", "tax_amount", "total"])
    # A credited invoice bills nothing any more.
    LineTime.objects.filter(line__invoice=original).update(billed=False)
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
