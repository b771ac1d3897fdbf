from django.contrib import admin

from tallyhour.core.admin import ReadOnlyAdminMixin
from tallyhour.webhooks.models import Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("url", "is_active", "created_at")
    exclude = ("secret",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "event", "subscription", "state", "attempts", "last_status")
    list_filter = ("state", "event")
    list_select_related = ("subscription",)
