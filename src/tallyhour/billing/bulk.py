"""Issuing (and sending) many drafts of an invoice run at once.

Each draft is issued in its own transaction: one that cannot be issued (no lines, nobody to
send to, changed meanwhile) is reported and the others go ahead, instead of one bad invoice
rolling back a whole month's billing.
"""

import datetime as dt
from dataclasses import dataclass

from tallyhour.accounts.models import User
from tallyhour.billing.delivery import invoice_issue_and_send
from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import Invoice, InvoiceRun, InvoiceState
from tallyhour.billing.selectors import check_billing
from tallyhour.core.errors import DomainError


@dataclass(frozen=True)
class IssueOutcome:
    """What happened to one draft of a bulk issue."""

    invoice_id: int
    ok: bool
    number: str | None = None
    delivery_id: int | None = None
    error: str = ""


def run_drafts(run: InvoiceRun) -> list[Invoice]:
    return list(
        run.invoices.filter(state=InvoiceState.DRAFT).select_related("client").order_by("pk")
    )


def invoice_run_issue(
    *,
    run: InvoiceRun,
    actor: User,
    invoice_ids: list[int] | None = None,
    send: bool = False,
    now: dt.datetime | None = None,
) -> list[IssueOutcome]:
    """Issue the run's drafts (all of them, or those named), each on its own; with `send`
    each one is also queued for email. Answers one outcome per invoice."""
    check_billing(actor)
    invoices = {invoice.pk: invoice for invoice in run.invoices.select_related("client")}
    wanted = invoice_ids if invoice_ids is not None else [i.pk for i in run_drafts(run)]
    outcomes = []
    for invoice_id in dict.fromkeys(wanted):  # each once, in the order given
        invoice = invoices.get(invoice_id)
        if invoice is None:
            outcomes.append(IssueOutcome(invoice_id, False, error="Not an invoice of this run."))
            continue
        try:
            if send:
                delivery = invoice_issue_and_send(invoice=invoice, actor=actor, now=now)
                issued, delivery_id = delivery.invoice, delivery.pk
            else:
                issued, delivery_id = invoice_issue(invoice=invoice, actor=actor, now=now), None
        except DomainError as exc:
            outcomes.append(IssueOutcome(invoice_id, False, error=exc.message))
            continue
        outcomes.append(IssueOutcome(invoice_id, True, issued.number, delivery_id))
    return outcomes
