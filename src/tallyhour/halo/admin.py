from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from tallyhour.accounts.models import User
from tallyhour.halo.models import ApiApplication, HaloStatus
from tallyhour.halo.statuses import DEFAULT_STATUSES, halo_status_create, halo_status_delete


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


# --- custom Halo status ids (written through halo.statuses, audited) --------------------------


class HaloStatusForm(forms.ModelForm):
    class Meta:
        model = HaloStatus
        fields = ("halo_id", "name", "status")

    def clean_halo_id(self) -> int:
        halo_id: int = self.cleaned_data["halo_id"]
        if halo_id in {i for i, _, _ in DEFAULT_STATUSES}:
            raise ValidationError("This id is one of Halo's built-in statuses.")
        return halo_id


@admin.register(HaloStatus)
class HaloStatusAdmin(admin.ModelAdmin):
    form = HaloStatusForm
    list_display = ("halo_id", "name", "status")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A mapping is added or deleted, never edited: scripts may already rely on it.
        return ("halo_id", "name", "status") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: HaloStatus, form: Any, change: bool) -> None:
        if not change:
            saved = halo_status_create(
                halo_id=obj.halo_id, name=obj.name, status=obj.status, actor=_user(request)
            )
            obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: HaloStatus) -> None:
        halo_status_delete(halo_status=obj, actor=_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[HaloStatus]) -> None:
        for row in queryset:
            halo_status_delete(halo_status=row, actor=_user(request))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin site lets only signed-in staff in
    return request.user
