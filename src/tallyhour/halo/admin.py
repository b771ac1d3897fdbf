from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tallyhour.halo.models import ApiApplication


@admin.register(ApiApplication)
class ApiApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "agent", "is_active", "last_used_at")
    list_select_related = ("agent",)
    readonly_fields = ("client_id", "secret_digest", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # created on the API applications page, which shows the secret once
