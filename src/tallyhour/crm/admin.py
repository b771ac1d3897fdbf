"""Admin for clients: configuration, edited freely (invoices snapshot them at issue)."""

from django.contrib import admin

from tallyhour.core.admin import ReadOnlyAdminMixin
from tallyhour.crm.models import Client, Contact


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


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """View only: invitations and portal access are changed from the client page, whose
    services send the mail, keep the sign-in in step and write the audit log."""

    list_display = ("name", "email", "client", "can_see_invoices", "is_active", "accepted_at")
    list_filter = ("is_active", "can_see_invoices")
    search_fields = ("name", "email", "client__name")
    list_select_related = ("client",)
    exclude = ("invitation_digest",)
