from django.conf import settings
from django.db import models


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
    scopes = models.CharField(max_length=200, default="all")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"
