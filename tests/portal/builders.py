"""Invoices built straight from rows, for portal tests that need shapes an invoice run makes
only with much set-up: an entry split over two lines, fifty lines of twenty entries."""

import datetime as dt
import itertools
from decimal import Decimal

from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceState, LineTime
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import EntryState, TimeEntry

_numbers = itertools.count(1)


def entries(ticket: Ticket, agent, charge_type, start: dt.datetime, count: int, minutes: int = 15):  # noqa: ANN001, ANN201
    """`count` approved entries back to back on `ticket`, `minutes` each."""
    step = dt.timedelta(minutes=minutes)
    return TimeEntry.objects.bulk_create(
        TimeEntry(
            agent=agent,
            ticket=ticket,
            charge_type=charge_type,
            started_at=start + i * step,
            ended_at=start + (i + 1) * step,
            worked_seconds=minutes * 60,
            is_billable=True,
            billable_seconds=minutes * 60,
            note=f"entry note {i}",
            state=EntryState.APPROVED,
        )
        for i in range(count)
    )


def invoice(
    client: Client,
    issued: dt.date | None,
    lines: list[tuple[Ticket, list[tuple[TimeEntry, int]]]],
    state: str = InvoiceState.ISSUED,
) -> Invoice:
    """An invoice with one line per (ticket, [(entry, seconds)]); each line bills exactly
    the seconds its entries carry, as the invoice run does."""
    number = f"T-{next(_numbers)}" if state in (InvoiceState.ISSUED, InvoiceState.PAID) else None
    bill = Invoice.objects.create(
        client=client,
        state=state,
        number=number,
        currency="GBP",
        tax_rate=Decimal("20"),
        period_end=issued or dt.date(2026, 11, 30),
        issue_date=issued,
    )
    for ticket, times in lines:
        seconds = sum(s for _, s in times)
        line = InvoiceLine.objects.create(
            invoice=bill,
            ticket=ticket,
            description=f"#{ticket.pk} {ticket.summary}",
            billed_seconds=seconds,
            quantity=Decimal(seconds) / 3600,
            rate=Decimal("90"),
            amount=(Decimal(seconds) / 40).quantize(Decimal("0.01")),
        )
        LineTime.objects.bulk_create(
            LineTime(line=line, entry=entry, seconds=s, billed=bill.number is not None)
            for entry, s in times
        )
    return bill
