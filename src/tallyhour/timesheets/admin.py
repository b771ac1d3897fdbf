"""Admin for submissions, read-only: approval decisions are made through the services."""

from django.contrib import admin

from tallyhour.core.admin import ReadOnlyAdminMixin
from tallyhour.timesheets.models import Submission


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "agent",
        "week_start",
        "state",
        "submitted_at",
        "decided_by",
        "decided_at",
        "total_hours",
    )
    list_filter = ("state", "week_start")
    search_fields = (
        "agent__username",
        "agent__first_name",
        "agent__last_name",
        "reason",
        "comment",
    )
    list_select_related = ("agent", "decided_by")
    date_hierarchy = "week_start"

    @admin.display(description="hours", ordering="total_seconds")
    def total_hours(self, submission: Submission) -> str:
        return f"{submission.total_seconds / 3600:.2f}"
