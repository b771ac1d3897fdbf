"""Admin for contracts and rates (configuration) and, read-only, the prepay ledger and the
retainer charges: ledger rows are only ever added (by purchases, runs and releases), never
edited in place, so the balance always equals purchases minus drawdowns."""

from django.contrib import admin

from tallyhour.contracts.models import Contract, PrepayEntry, Rate, RetainerCharge
from tallyhour.core.admin import ReadOnlyAdminMixin


class RateInline(admin.TabularInline):
    model = Rate
    fk_name = "contract"
    fields = ("hourly_rate", "valid_from", "agent", "charge_type")
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "kind", "starts_on", "ends_on", "is_default")
    list_filter = ("kind", "is_default")
    search_fields = ("name", "client__name")
    list_select_related = ("client",)
    date_hierarchy = "starts_on"
    inlines = (RateInline,)
    fieldsets = (
        (None, {"fields": ("client", "name", "kind", "starts_on", "ends_on", "is_default")}),
        ("Prepay", {"fields": ("prepay_fallback_to_payg",)}),
        (
            "Retainer",
            {
                "fields": (
                    "retainer_fee",
                    "retainer_included_minutes",
                    "overage_multiplier",
                    "rollover",
                )
            },
        ),
    )


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    list_display = ("hourly_rate", "valid_from", "contract", "client", "agent", "charge_type")
    list_filter = ("charge_type",)
    search_fields = ("client__name", "contract__name", "agent__username")
    list_select_related = ("contract__client", "client", "agent", "charge_type")
    date_hierarchy = "valid_from"


@admin.register(PrepayEntry)
class PrepayEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "contract",
        "kind",
        "seconds",
        "amount",
        "expires_on",
        "block",
        "invoice_line",
    )
    list_filter = ("kind",)
    search_fields = ("contract__name", "contract__client__name", "note")
    list_select_related = ("contract__client", "block", "invoice_line")
    date_hierarchy = "created_at"


@admin.register(RetainerCharge)
class RetainerChargeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "contract",
        "period_start",
        "fee",
        "included_seconds",
        "rollover_seconds",
        "released",
    )
    list_filter = ("released",)
    search_fields = ("contract__name", "contract__client__name")
    list_select_related = ("contract__client",)
