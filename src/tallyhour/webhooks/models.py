from django.conf import settings
from django.db import models
from django.db.models import Q


class Event(models.TextChoices):
    TIME_ENTRY_CREATED = "time_entry.created", "Time entry created"
    SUBMISSION_SUBMITTED = "submission.submitted", "Timesheet submitted"
    SUBMISSION_APPROVED = "submission.approved", "Timesheet approved"
    SUBMISSION_REJECTED = "submission.rejected", "Timesheet rejected"
    TIMER_CAPPED = "timer.capped", "Forgotten timer capped"
    INVOICE_ISSUED = "invoice.issued", "Invoice issued"
    INVOICE_CREDITED = "invoice.credited", "Invoice credited"


class Subscription(models.Model):
    """An endpoint that receives signed POSTs for the events it subscribes to.

    The signing secret is kept readable because every delivery must be signed with it; it is
    shown in full only once, when the subscription is created.
    """

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names; empty means all events.")
    secret = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event for one subscription: written in the same transaction as the change (an
    outbox), so a rolled-back change never leaves a delivery behind."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="delivery_state_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.state})"
