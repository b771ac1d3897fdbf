from django.conf import settings
from django.db import models
from django.db.models import Q


class SubmissionState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RECALLED = "recalled", "Recalled"


class SubmissionKind(models.TextChoices):
    WEEK = "week", "Week"
    TICKET = "ticket", "Ticket"


class Submission(models.Model):
    """An agent's week (or one ticket's entries) sent for approval, and the decision on it."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    kind = models.CharField(max_length=6, choices=SubmissionKind.choices, default="week")
    week_start = models.DateField(
        null=True,
        blank=True,
        help_text="Monday of the week, in the agent's time zone (weekly submissions only).",
    )
    through = models.DateField(
        null=True,
        blank=True,
        help_text="The last day of the week it covers. A week is submitted up to today; the "
        "days after join a follow-up submission of the same week.",
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    state = models.CharField(
        max_length=10, choices=SubmissionState.choices, default=SubmissionState.SUBMITTED
    )
    submitted_at = models.DateTimeField()
    comment = models.TextField(blank=True, help_text="The agent's note, e.g. why there are gaps.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="The approver's reason on rejection.")
    total_seconds = models.PositiveIntegerField(default=0)
    billable_seconds = models.PositiveIntegerField(default=0)
    target_seconds = models.PositiveIntegerField(default=0)
    gap_seconds = models.PositiveIntegerField(
        default=0, help_text="Target not covered by logged time when submitted."
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["state", "submitted_at"])]
        constraints = [
            # One undecided weekly submission per agent, week and last day covered. A week
            # submitted early gets a follow-up for its later days; an approved week one for
            # entries returned singly, fixed and sent again.
            models.UniqueConstraint(
                fields=["agent", "week_start", "through"],
                condition=Q(state="submitted", kind="week"),
                name="one_pending_submission_per_week_part",
            ),
            models.CheckConstraint(
                condition=Q(state__in=SubmissionState.values), name="submission_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="week",
                    week_start__isnull=False,
                    through__isnull=False,
                    ticket__isnull=True,
                )
                | Q(kind="ticket", ticket__isnull=False, week_start__isnull=True),
                name="submission_kind_matches_scope",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == SubmissionKind.TICKET:
            return f"{self.agent} ticket #{self.ticket_id} ({self.state})"
        return f"{self.agent} week of {self.week_start} to {self.through} ({self.state})"
