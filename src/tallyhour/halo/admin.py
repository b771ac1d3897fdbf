from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tallyhour.halo.models import ApiApplication


@admin.register(ApiApplication)
class ApiApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "agent", "created_by", "scopes", "is_active")
    list_select_related = ("agent", "created_by")
    # Who it acts as, who granted it and what it holds are decided (and audited) by the
    # service; editing them here would skip those rules.
    readonly_fields = (
        "client_id",
        "secret_digest",
        "agent",
        "created_by",
        "scopes",
        "is_active",
        "created_at",
        "last_used_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # created on the API applications page, which shows the secret once
