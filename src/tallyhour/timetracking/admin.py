"""Admin for charge types (configuration) and, read-only, time entries and timers.

Time entries and timers change only through the services, which check locks and permissions
and write the audit log; the admin shows them for support and investigation.
"""

from django.contrib import admin

from tallyhour.core.admin import ReadOnlyAdminMixin
from tallyhour.timetracking.models import ChargeType, TimeEntry, Timer


@admin.register(ChargeType)
class ChargeTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "is_billable", "hourly_rate", "is_active")
    list_filter = ("is_billable", "is_active")
    search_fields = ("name",)


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "agent",
        "started_at",
        "ended_at",
        "hours",
        "ticket",
        "charge_type",
        "is_billable",
        "state",
        "source",
        "invoice_line",
    )
    list_filter = ("state", "is_billable", "source", "needs_review", "charge_type")
    search_fields = ("=id", "note", "agent__username", "ticket__summary", "=ticket__id")
    list_select_related = ("agent", "ticket", "charge_type", "invoice_line")
    date_hierarchy = "started_at"

    @admin.display(description="hours", ordering="worked_seconds")
    def hours(self, entry: TimeEntry) -> str:
        return f"{entry.worked_seconds / 3600:.2f}"


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "agent",
        "ticket",
        "charge_type",
        "state",
        "running_since",
        "accumulated_seconds",
        "first_started_at",
    )
    list_filter = ("state",)
    search_fields = ("agent__username", "ticket__summary", "note")
    list_select_related = ("agent", "ticket", "charge_type")
