"""Admin for billing, read-only: runs, invoices and numbers change only through the services,
which claim entries safely, assign gapless numbers and write the audit log."""

from django.contrib import admin

from tallyhour.billing.models import (
    Invoice,
    InvoiceDelivery,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceRun,
    Payment,
)
from tallyhour.core.admin import ReadOnlyAdminMixin


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "cut_off",
        "state",
        "started_by",
        "started_at",
        "finished_at",
        "invoice_count",
        "entry_count",
    )
    list_filter = ("state",)
    search_fields = ("=id", "idempotency_key")
    list_select_related = ("started_by",)
    date_hierarchy = "started_at"


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    fields = ("description", "ticket", "charge_type", "quantity", "rate", "amount")
    extra = 0


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    fields = ("amount", "received_on", "reference", "method", "recorded_by", "recorded_at")
    extra = 0


class InvoiceDeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceDelivery
    fields = ("kind", "state", "recipients", "queued_at", "sent_at", "attempts", "error")
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "client",
        "state",
        "currency",
        "subtotal",
        "tax_amount",
        "total",
        "period_end",
        "issue_date",
        "due_date",
    )
    list_filter = ("state", "currency", "issue_date")
    search_fields = ("number", "buyer_name", "client__name")
    list_select_related = ("client",)
    inlines = (InvoiceLineInline, PaymentInline, InvoiceDeliveryInline)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "invoice", "description", "quantity", "rate", "amount")
    search_fields = ("description", "invoice__number", "=invoice__id")
    list_select_related = ("invoice", "ticket", "charge_type")


@admin.register(InvoiceNumberSequence)
class InvoiceNumberSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("year", "last_number")
