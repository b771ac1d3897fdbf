from django.conf import settings
from django.db import models
from django.db.models import Q


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class TicketPriority(models.IntegerChoices):
    """Halo's default priorities, by the same ids."""

    CRITICAL = 1, "Critical"
    HIGH = 2, "High"
    MEDIUM = 3, "Medium"
    LOW = 4, "Low"


class ActionKind(models.TextChoices):
    NOTE = "note", "Internal note"
    REPLY = "reply", "Client reply"
    STATUS_CHANGE = "status_change", "Status change"


class TicketType(models.Model):
    """A kind of ticket (incident, request, project, task) with its default charge type."""

    name = models.CharField(max_length=100, unique=True)
    is_project = models.BooleanField(
        default=False, help_text="Tickets of this type are projects: task tickets sit under them."
    )
    default_charge_type = models.ForeignKey(
        "timetracking.ChargeType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="New tickets of this type get this charge type unless one is chosen.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """A piece of client work that time is logged against."""

    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="tickets")
    summary = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        help_text="The team whose queue holds the ticket while nobody is assigned.",
    )
    charge_type = models.ForeignKey(
        "timetracking.ChargeType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Wins over the agent's default charge type.",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text="Else the client's default contract on the work date.",
    )
    ticket_type = models.ForeignKey(
        TicketType, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    project = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        help_text="The project this task belongs to; its time rolls up there.",
    )
    site = models.ForeignKey(
        "crm.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        help_text="The client's end user who raised the ticket.",
    )
    priority = models.PositiveSmallIntegerField(
        choices=TicketPriority.choices, default=TicketPriority.MEDIUM
    )
    occurred_at = models.DateTimeField(
        null=True, blank=True, help_text="When the problem began, if before the ticket was raised."
    )
    # Integration fields kept as sent (Halo `customfields`): {name: value}.
    custom_fields = models.JSONField(default=dict, blank=True)
    budget_hours = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Hours budgeted for this task or project.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "assignee"]),
            models.Index(fields=["client", "status"]),
            # Forms list the open tickets; closed ones pile up without end (a seq scan of
            # 330k tickets for 1k open ones took 26 ms of My week).
            models.Index(
                fields=["client"],
                condition=~Q(status=TicketStatus.CLOSED),
                name="ticket_open_by_client",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(budget_hours__isnull=True) | Q(budget_hours__gte=0),
                name="ticket_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(project=models.F("id")), name="ticket_not_its_own_project"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=TicketPriority.values), name="ticket_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"


class Action(models.Model):
    """A note, client reply or status change by an agent on a ticket; it may carry time."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="actions")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_actions"
    )
    kind = models.CharField(max_length=16, choices=ActionKind.choices, default=ActionKind.NOTE)
    body = models.TextField(blank=True)
    old_status = models.CharField(max_length=16, choices=TicketStatus.choices, blank=True)
    new_status = models.CharField(max_length=16, choices=TicketStatus.choices, blank=True)
    time_entry = models.OneToOneField(
        "timetracking.TimeEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action",
    )
    # How the work was done, as the integration named it (Halo's outcome: "Phone call"…).
    outcome = models.CharField(max_length=100, blank=True)
    client_visible = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="action_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="status_change") | ~Q(new_status=""),
                name="status_change_names_new_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"
