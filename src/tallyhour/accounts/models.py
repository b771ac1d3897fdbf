import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    ENGINEER = "engineer", "Engineer"
    APPROVER = "approver", "Approver"
    BILLING = "billing", "Billing"
    ADMIN = "admin", "Admin"
    # A client's contact signed in to the portal: no staff page, no staff API (see portal/).
    CONTACT = "contact", "Client contact"


class User(AbstractUser):
    """A person who signs in; staff roles decide what they may see and do."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ENGINEER)

    # Not a column: set on the request's user when it calls with a token someone else granted
    # (an API application's), naming that person, whose own time the call must not decide on.
    delegated_by_id: int | None = None

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid")
        ]

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_billing_role(self) -> bool:
        return self.role == Role.BILLING or self.is_admin_role

    @property
    def is_contact(self) -> bool:
        return self.role == Role.CONTACT

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Organisation(models.Model):
    """The MSP itself: one row holding organisation-wide settings and seller details."""

    name = models.CharField(max_length=200, default="Tallyhour MSP")
    timezone = models.CharField(max_length=64, default="Europe/London")
    currency = models.CharField(max_length=3, default="GBP")
    lock_date = models.DateField(null=True, blank=True)
    invoice_number_format = models.CharField(
        max_length=64,
        default="INV-{year}-{number:06d}",
        help_text="Python format with {year} and {number}.",
    )
    payment_terms_days = models.PositiveIntegerField(default=14)
    address = models.TextField(blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    # Calendars: public holidays from the `holidays` package (agents may override).
    holiday_country = models.CharField(max_length=2, default="GB", blank=True)
    holiday_subdivision = models.CharField(max_length=10, default="ENG", blank=True)
    # Timesheets.
    submission_mode = models.CharField(
        max_length=10,
        choices=[("weekly", "Weekly"), ("per_ticket", "Per ticket")],
        default="weekly",
    )
    submission_deadline_days = models.PositiveIntegerField(
        default=2, help_text="Days after a week ends before its timesheet counts as late."
    )
    approval_reminder_days = models.PositiveIntegerField(
        default=3, help_text="Remind approvers of submissions waiting longer than this."
    )
    # Capture rules.
    capture_mode = models.CharField(
        max_length=10,
        choices=[
            ("on_open", "When a ticket is opened"),
            ("on_action", "When an action starts"),
            ("off", "Off"),
        ],
        default="on_open",
    )
    max_timer_hours = models.PositiveIntegerField(
        default=10, help_text="A timer running longer than this is stopped and flagged."
    )
    timer_grace_minutes = models.PositiveIntegerField(
        default=60, help_text="A timer still running this long after the workday ends is stopped."
    )
    timer_discard_seconds = models.PositiveIntegerField(
        default=60,
        help_text="A timer stopped before it counted this long, with no note typed, is "
        "discarded rather than logged.",
    )
    # Invoices: how billed time becomes a quantity, and what the documents carry.
    invoice_hours_places = models.PositiveSmallIntegerField(
        choices=[(2, "Hundredths of an hour (0.01 h)"), (1, "Tenths of an hour (0.1 h)")],
        default=2,
        help_text="Billed time is rounded half-up to this before it is priced, so quantity × "
        "rate is the line amount on every document.",
    )
    zero_value_statements = models.BooleanField(
        default=False,
        help_text="Draft a 0.00 statement for a client whose time is all covered; off: the "
        "covered time is recorded without a document.",
    )
    locale = models.CharField(
        max_length=16, default="en_GB", help_text="Number and date format of documents."
    )
    brand_colour = models.CharField(
        max_length=7,
        default="#1f4e79",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour like #1f4e79")],
    )
    logo = models.BinaryField(blank=True, default=b"", editable=True)
    logo_content_type = models.CharField(max_length=40, blank=True)
    bank_details = models.TextField(
        blank=True, help_text="Bank, account and sort code or IBAN and BIC, as printed."
    )
    payment_instructions = models.TextField(blank=True)
    overdue_reminder_days = models.PositiveIntegerField(
        default=7,
        help_text="Remind a client this many days after an invoice falls due, and again each "
        "time as many days pass; 0 turns reminders off.",
    )

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Organisation":
        org, _ = cls.objects.get_or_create(pk=1)
        return org


class Team(models.Model):
    """A group of agents sharing a timesheet approver."""

    name = models.CharField(max_length=100, unique=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approved_teams",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A user who logs time: zone, teams, workday, approver, default charge type, cost."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="agent"
    )
    timezone = models.CharField(max_length=64, default="Europe/London")
    teams = models.ManyToManyField(Team, blank=True, related_name="agents")
    timesheet_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approved_agents",
    )
    default_charge_type = models.ForeignKey(
        "timetracking.ChargeType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cost_rate = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    target_utilisation = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.750"),
        help_text="Billable share of available hours this agent aims for (0–1).",
    )
    allow_overlaps = models.BooleanField(default=False)
    holiday_country = models.CharField(
        max_length=2, blank=True, help_text="Overrides the organisation's holiday country."
    )
    holiday_subdivision = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_utilisation__gte=0, target_utilisation__lte=1),
                name="agent_target_utilisation_fraction",
            ),
            models.CheckConstraint(condition=Q(cost_rate__gte=0), name="agent_cost_rate_positive"),
        ]

    def __str__(self) -> str:
        return self.user.display_name


class Workday(models.Model):
    """An agent's working hours on one weekday (0 = Monday); absent weekday = no target."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="workdays")
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField(default=dt.time(9, 0))
    end = models.TimeField(default=dt.time(17, 30))
    break_minutes = models.PositiveIntegerField(default=30)

    class Meta:
        ordering = ["agent", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "weekday"], name="workday_once_per_weekday"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="workday_weekday_range"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="workday_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} weekday {self.weekday}"

    @property
    def target_seconds(self) -> int:
        span = (self.end.hour * 3600 + self.end.minute * 60) - (
            self.start.hour * 3600 + self.start.minute * 60
        )
        return max(0, span - self.break_minutes * 60)


class Scope(models.TextChoices):
    """What an API token may be used for; a token's scopes only narrow its user's role."""

    READ = "read", "Read"
    TIME = "time", "Record time"
    APPROVE = "approve", "Approve timesheets"
    BILLING = "billing", "Billing"
    ADMIN = "admin", "Administration"


# Approving depends on who approves whom, not on the role, so every role may hold `approve`.
_ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    Role.ENGINEER: ("read", "time", "approve"),
    Role.APPROVER: ("read", "time", "approve"),
    Role.BILLING: ("read", "time", "approve", "billing"),
    Role.ADMIN: ("read", "time", "approve", "billing", "admin"),
    Role.CONTACT: (),
}


def scopes_for_role(role: str) -> list[str]:
    """Every scope a token of a user with `role` may carry, in a stable order."""
    return list(_ROLE_SCOPES.get(role, ("read",)))


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Scope names (see `Scope`); checked against the user's role on every request as well.
    scopes = models.JSONField(default=list, blank=True)
    # HaloPSA scope names (`read:tickets`, `all`…) granted at /auth/token; they narrow which
    # Halo resources the token reaches. Empty: a native token, not narrowed by Halo area.
    halo_scopes = models.JSONField(default=list, blank=True)
    # Who granted it when that is not its user: the admin who registered the API application.
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def effective_scopes(self) -> set[str]:
        """The token's scopes that its user's current role still allows."""
        return set(self.scopes) & set(scopes_for_role(self.user.role))


class LeaveKind(models.TextChoices):
    ANNUAL = "annual", "Annual leave"
    SICK = "sick", "Sick leave"
    OTHER = "other", "Other absence"


class Leave(models.Model):
    """An agent's absence over whole local days; it lowers target hours and is not work."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="leaves")
    kind = models.CharField(max_length=10, choices=LeaveKind.choices, default=LeaveKind.ANNUAL)
    first_day = models.DateField()
    last_day = models.DateField()
    # Null means the whole working day; otherwise hours off on each day of the range.
    hours = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_day"]
        indexes = [models.Index(fields=["agent", "first_day", "last_day"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="leave_last_after_first"
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=24),
                name="leave_hours_range",
            ),
            models.CheckConstraint(condition=Q(kind__in=LeaveKind.values), name="leave_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_kind_display()} {self.first_day}–{self.last_day}"


class ClosureDay(models.Model):
    """A day the whole organisation is closed (e.g. between Christmas and New Year)."""

    day = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"
