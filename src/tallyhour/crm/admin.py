"""Admin for clients: configuration, edited freely (invoices snapshot them at issue)."""

from django.contrib import admin

from tallyhour.crm.models import Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "currency",
        "tax_rate",
        "billing_email",
        "payment_terms_days",
        "is_active",
    )
    list_filter = ("is_active", "currency", "tax_rate")
    search_fields = ("name", "billing_email", "tax_id")
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        (
            "Billing",
            {
                "fields": (
                    "currency",
                    "tax_rate",
                    "payment_terms_days",
                    "billing_address",
                    "billing_email",
                    "tax_id",
                )
            },
        ),
    )
