from django.conf import settings
from django.db import models

from tallyhour.servicedesk.models import TicketStatus


class ApiApplication(models.Model):
    """An OAuth2 client-credentials application for the HaloPSA-compatible API.

    It acts as one chosen agent, so every call goes through that agent's permissions.
    Only the SHA-256 digest of the secret is stored.
    """

    name = models.CharField(max_length=100)
    client_id = models.CharField(max_length=64, unique=True)
    secret_digest = models.CharField(max_length=64)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The admin who registered it; its tokens never exceed what they could grant.",
    )
    scopes = models.CharField(max_length=200, default="all")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class HaloStatus(models.Model):
    """A Halo ticket status id and what it means here.

    Halo's defaults are built in; an MSP adds the custom ids its old Halo used so scripts that
    send them keep working (each maps onto one of our five statuses).
    """

    halo_id = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=TicketStatus.choices)

    class Meta:
        ordering = ["halo_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TicketStatus.values), name="halo_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.halo_id} {self.name}"
