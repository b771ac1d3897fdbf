"""Admin for tickets."""

from django.contrib import admin

from tallyhour.servicedesk.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("id", "summary", "client", "status", "assignee", "charge_type", "updated_at")
    list_display_links = ("id", "summary")
    list_filter = (
        "status",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ("charge_type", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=id", "summary", "client__name")
    autocomplete_fields = ("client", "assignee", "charge_type")
    list_select_related = ("client", "assignee", "charge_type")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"
