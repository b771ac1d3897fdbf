"""Billing pages for payments: record one, take back a mistaken one, pay in full."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from tallyhour.accounts.requests import PageRequest
from tallyhour.billing import payments, selectors
from tallyhour.core.errors import InvalidInput
from tallyhour.core.htmx import done
from tallyhour.core.pageerrors import back_on_error


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=100, required=False)
    method = forms.CharField(max_length=40, required=False)


def _back(invoice_id: int) -> str:
    return reverse("billing:invoice_detail", args=[invoice_id]) + "#payments"


@login_required
@require_POST
def payment_add(request: PageRequest, invoice_id: int) -> HttpResponse:
    back_on_error(request, _back(invoice_id))
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        fields = {name: " ".join(str(e) for e in errors) for name, errors in form.errors.items()}
        raise InvalidInput(
            "; ".join(f"{name}: {text}" for name, text in fields.items()), fields=fields
        )
    payment = payments.payment_record(invoice=invoice, actor=request.user, **form.cleaned_data)
    return done(request, f"Payment of {payment.amount} recorded.", _back(invoice_id))


@login_required
@require_POST
def payment_delete(request: PageRequest, invoice_id: int, payment_id: int) -> HttpResponse:
    back_on_error(request, _back(invoice_id))
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    payments.payment_delete(
        invoice=invoice,
        payment_id=payment_id,
        actor=request.user,
        reason=(request.POST.get("reason") or "")[:2000],
    )
    return done(request, "Payment removed.", _back(invoice_id))
