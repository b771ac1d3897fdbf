import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class RoundingMode(models.TextChoices):
    UP = "up", "Up"
    NEAREST = "nearest", "Nearest"
    DOWN = "down", "Down"


class RoundingScope(models.TextChoices):
    ENTRY = "entry", "Per entry"
    TICKET_DAY = "ticket_day", "Per ticket per day"


class ChargeType(models.Model):
    """A kind of work (or non-billable activity) with its billing defaults."""

    name = models.CharField(max_length=100, unique=True)
    is_billable = models.BooleanField(default=True)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    is_active = models.BooleanField(default=True)
    # Billing rules: applied to billed time only, never to the raw worked seconds.
    rounding_increment_minutes = models.PositiveIntegerField(
        default=0, help_text="Bill in blocks of this many minutes (0 = exact)."
    )
    rounding_minimum_minutes = models.PositiveIntegerField(
        default=0, help_text="Bill at least this many minutes."
    )
    rounding_mode = models.CharField(
        max_length=8, choices=RoundingMode.choices, default=RoundingMode.UP
    )
    rounding_scope = models.CharField(
        max_length=10, choices=RoundingScope.choices, default=RoundingScope.ENTRY
    )
    multiplier_out_of_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    multiplier_weekend = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    multiplier_holiday = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    # Out of hours for this charge type: outside this window Monday to Friday (in the
    # organisation's time zone). Unset: outside each agent's own working day.
    business_hours_start = models.TimeField(null=True, blank=True)
    business_hours_end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(business_hours_start__isnull=True, business_hours_end__isnull=True)
                | Q(business_hours_end__gt=models.F("business_hours_start")),
                name="charge_type_business_hours_window",
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0), name="charge_type_rate_positive"
            ),
            models.CheckConstraint(
                condition=Q(rounding_mode__in=RoundingMode.values), name="charge_type_rounding_mode"
            ),
            models.CheckConstraint(
                condition=Q(rounding_scope__in=RoundingScope.values),
                name="charge_type_rounding_scope",
            ),
            models.CheckConstraint(
                condition=Q(
                    multiplier_out_of_hours__gt=0,
                    multiplier_weekend__gt=0,
                    multiplier_holiday__gt=0,
                ),
                name="charge_type_multipliers_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EntryState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


EDITABLE_STATES = (EntryState.DRAFT, EntryState.REJECTED)


class EntrySource(models.TextChoices):
    TIMER = "timer", "Timer"
    ACTION = "action", "Action"
    MANUAL = "manual", "Manual"
    IMPORT = "import", "Import"


class TimeEntry(models.Model):
    """Worked time by one agent; raw worked seconds are never rewritten by billing."""

    # No index of its own: (agent, started_at) below serves every look-up by agent, and one
    # index less is one write less for every entry logged or billed.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="time_entries",
        db_index=False,
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    charge_type = models.ForeignKey(
        ChargeType, on_delete=models.PROTECT, related_name="time_entries"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    worked_seconds = models.PositiveIntegerField()
    is_billable = models.BooleanField()
    billable_seconds = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    source = models.CharField(max_length=8, choices=EntrySource.choices, default=EntrySource.MANUAL)
    state = models.CharField(max_length=10, choices=EntryState.choices, default=EntryState.DRAFT)
    submission = models.ForeignKey(
        "timesheets.Submission",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )
    rejection_reason = models.TextField(blank=True)
    write_off_reason = models.TextField(blank=True)
    needs_review = models.BooleanField(default=False)
    invoice_line = models.ForeignKey(
        "billing.InvoiceLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["agent", "started_at"]),
            # What the next invoice run bills, by ticket: billing (and the unbilled-time
            # report) reads only the time waiting for it, not every entry never invoiced
            # (internal time piles up there). It replaced an index on (state, invoice_line)
            # that only those reads used, and that every entry write had to keep.
            models.Index(
                fields=["ticket"],
                condition=models.Q(
                    invoice_line__isnull=True, state=EntryState.APPROVED, is_billable=True
                ),
                name="entry_unbilled_by_ticket",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")), name="entry_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(worked_seconds__gt=0), name="entry_worked_positive"),
            models.CheckConstraint(
                condition=Q(billable_seconds__lte=F("worked_seconds")),
                name="entry_billable_within_worked",
            ),
            models.CheckConstraint(
                condition=Q(is_billable=True) | Q(billable_seconds=0),
                name="entry_nonbillable_has_no_billable_time",
            ),
            models.CheckConstraint(
                condition=Q(state__in=EntryState.values), name="entry_state_valid"
            ),
            # Only approved time can sit on an invoice line.
            models.CheckConstraint(
                condition=Q(invoice_line__isnull=True) | Q(state=EntryState.APPROVED),
                name="entry_invoiced_only_when_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.started_at:%Y-%m-%d %H:%M} {self.worked_seconds}s"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES and self.invoice_line_id is None


class TimerState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"


class Timer(models.Model):
    """A stopwatch on the server; at most one runs per agent (partial unique index)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="timers"
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="timers"
    )
    charge_type = models.ForeignKey(
        ChargeType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    state = models.CharField(max_length=8, choices=TimerState.choices, default=TimerState.RUNNING)
    accumulated_seconds = models.PositiveIntegerField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    first_started_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(state="running"), name="one_running_timer_per_agent"
            ),
            models.CheckConstraint(
                condition=Q(state="paused") | Q(running_since__isnull=False),
                name="running_timer_has_start",
            ),
            models.CheckConstraint(
                condition=Q(state__in=TimerState.values), name="timer_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"timer {self.pk} ({self.state})"

    def elapsed_seconds(self, now: dt.datetime) -> int:
        running = 0
        if self.state == TimerState.RUNNING and self.running_since:
            running = max(0, int((now - self.running_since).total_seconds()))
        return self.accumulated_seconds + running
