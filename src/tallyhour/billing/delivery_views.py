"""Billing pages for sending: issue and send a draft, send or resend an invoice, remind a
client, and issue (and send) a run's drafts in bulk."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from tallyhour.accounts.requests import PageRequest
from tallyhour.billing import bulk, delivery, selectors
from tallyhour.billing.models import DeliveryKind, InvoiceDelivery
from tallyhour.core.errors import NotFound
from tallyhour.core.htmx import done
from tallyhour.core.pageerrors import back_on_error


def _back(invoice_id: int) -> str:
    return reverse("billing:invoice_detail", args=[invoice_id])


def _queued_message(sent: InvoiceDelivery) -> str:
    return f"Queued to {', '.join(sent.recipients)}; see Deliveries for when it goes."


@login_required
@require_POST
def invoice_issue_send(request: PageRequest, invoice_id: int) -> HttpResponse:
    back_on_error(request, _back(invoice_id))
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    sent = delivery.invoice_issue_and_send(invoice=invoice, actor=request.user)
    return done(
        request, f"Issued {sent.invoice.number}. {_queued_message(sent)}", _back(invoice_id)
    )


@login_required
@require_POST
def invoice_send(request: PageRequest, invoice_id: int) -> HttpResponse:
    """Send (or resend) an issued invoice or credit note; `kind=reminder` sends a reminder."""
    back_on_error(request, _back(invoice_id))
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    kind = request.POST.get("kind") or DeliveryKind.INVOICE
    sent = delivery.invoice_send(invoice=invoice, actor=request.user, kind=kind)
    noun = "Reminder" if sent.kind == DeliveryKind.REMINDER else "Email"
    return done(request, f"{noun} queued. {_queued_message(sent)}", _back(invoice_id))


@login_required
@require_POST
def run_issue(request: PageRequest, run_id: int) -> HttpResponse:
    """Issue the ticked drafts of a run (and queue their emails with `send`)."""
    back = reverse("billing:run_detail", args=[run_id])
    back_on_error(request, back)
    run = selectors.runs_visible_to(request.user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"Invoice run {run_id} not found.")
    ids = [int(value) for value in request.POST.getlist("invoice") if value.isdigit()]
    outcomes = bulk.invoice_run_issue(
        run=run, actor=request.user, invoice_ids=ids, send=request.POST.get("send") == "1"
    )
    # One message per invoice that failed, so each reason is read next to its draft.
    for outcome in outcomes:
        if not outcome.ok:
            messages.error(request, f"Draft {outcome.invoice_id} not issued: {outcome.error}")
    issued = [o.number for o in outcomes if o.ok]
    summary = f"Issued {len(issued)} of {len(outcomes)}" + (
        f": {', '.join(str(n) for n in issued)}." if issued else "."
    )
    return done(request, summary, back)
