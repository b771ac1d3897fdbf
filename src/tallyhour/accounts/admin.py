"""Admin for configuration: users and roles, the organisation, teams, agents, workdays, tokens."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from tallyhour.accounts.models import (
    Agent,
    ApiToken,
    ClosureDay,
    Leave,
    Organisation,
    Team,
    User,
    Workday,
)
from tallyhour.accounts.services import organisation_set_lock_date
from tallyhour.core.admin import ReadOnlyAdminMixin


class UserCreateForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Role and access",
            {
                "fields": (
                    "role",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "currency", "lock_date", "payment_terms_days", "tax_id")
    fieldsets = (
        (None, {"fields": ("name", "timezone", "currency", "lock_date")}),
        ("Invoicing", {"fields": ("invoice_number_format", "payment_terms_days")}),
        ("Seller details on invoices", {"fields": ("address", "tax_id", "email")}),
        ("Public holidays", {"fields": ("holiday_country", "holiday_subdivision")}),
        (
            "Timesheets",
            {"fields": ("submission_mode", "submission_deadline_days", "approval_reminder_days")},
        ),
        ("Capture", {"fields": ("capture_mode", "max_timer_hours", "timer_grace_minutes")}),
    )

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # The lock date closes periods, so changing it goes through the audited service.
        if change and "lock_date" in form.changed_data:
            new_lock_date = obj.lock_date
            obj.lock_date = form.initial.get("lock_date")
            super().save_model(request, obj, form, change)
            actor = request.user
            assert isinstance(actor, User)  # the admin site only admits signed-in staff
            organisation_set_lock_date(
                lock_date=new_lock_date, actor=actor, reason="Changed in administration"
            )
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)

    # There is exactly one organisation; it is created on first use and never removed.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not Organisation.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "approver", "agent_count")
    search_fields = ("name",)
    autocomplete_fields = ("approver",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .select_related("approver")
            .annotate(agent_total=Count("agents"))
        )

    @admin.display(description="agents", ordering="agent_total")
    def agent_count(self, team: Team) -> int:
        return team.agent_total  # type: ignore[attr-defined]


class WorkdayInline(admin.TabularInline):
    model = Workday
    extra = 0
    max_num = 7
    fields = ("weekday", "start", "end", "break_minutes")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "team_names",
        "timezone",
        "timesheet_approver",
        "default_charge_type",
        "cost_rate",
        "target_utilisation",
        "allow_overlaps",
    )
    list_filter = ("teams", "timezone", "allow_overlaps")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    autocomplete_fields = ("user", "timesheet_approver", "default_charge_type")
    filter_horizontal = ("teams",)
    inlines = (WorkdayInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agent]:
        return (
            super()
            .get_queryset(request)
            .select_related("user", "timesheet_approver", "default_charge_type")
            .prefetch_related("teams")
        )

    @admin.display(description="teams")
    def team_names(self, agent: Agent) -> str:
        return ", ".join(team.name for team in agent.teams.all())


@admin.register(Workday)
class WorkdayAdmin(admin.ModelAdmin):
    list_display = ("agent", "weekday", "start", "end", "break_minutes", "target_hours")
    list_filter = ("weekday",)
    search_fields = ("agent__user__username", "agent__user__first_name", "agent__user__last_name")
    autocomplete_fields = ("agent",)
    list_select_related = ("agent__user",)

    @admin.display(description="target hours")
    def target_hours(self, workday: Workday) -> str:
        return f"{workday.target_seconds / 3600:.2f}"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tokens are listed for oversight; creating one shows its secret once, so that happens
    through `tallyhour createapitoken` or the API, and the stored digest is never edited."""

    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    exclude = ("digest",)


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ("agent", "kind", "first_day", "last_day", "hours", "note")
    list_filter = ("kind",)
    list_select_related = ("agent__user",)
    search_fields = ("agent__user__username", "agent__user__first_name", "note")
    date_hierarchy = "first_day"
    readonly_fields = ("created_by", "created_at")


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ("day", "name")
    date_hierarchy = "day"
