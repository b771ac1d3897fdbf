from django.conf import settings
from django.db import models
from django.db.models import Q


class SubmissionState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RECALLED = "recalled", "Recalled"


class Submission(models.Model):
    """An agent's week of time sent for approval, and the decision on it."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    week_start = models.DateField(help_text="Monday of the week, in the agent's time zone.")
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

    class Meta:
        ordering = ["-week_start", "agent"]
        constraints = [
            # One live (undecided or approved) submission per agent and week.
            models.UniqueConstraint(
                fields=["agent", "week_start"],
                condition=Q(state__in=["submitted", "approved"]),
                name="one_live_submission_per_week",
            ),
            models.CheckConstraint(
                condition=Q(state__in=SubmissionState.values), name="submission_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} week of {self.week_start} ({self.state})"
