from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q


class Client(models.Model):
    """A customer of the MSP, billed in its own currency with its own tax rate."""

    name = models.CharField(max_length=200, unique=True)
    currency = models.CharField(
        max_length=3, default="GBP", validators=[RegexValidator(r"^[A-Z]{3}$", "ISO 4217 code")]
    )
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent applied to the invoice subtotal.",
    )
    billing_address = models.TextField(blank=True)
    billing_email = models.EmailField(blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    payment_terms_days = models.PositiveIntegerField(null=True, blank=True)
    reverse_charge = models.BooleanField(
        default=False, help_text="The customer accounts for the tax (no tax on our invoices)."
    )
    purchase_order = models.CharField(
        max_length=64, blank=True, help_text="Printed on new invoices as the buyer's reference."
    )
    timezone = models.CharField(
        max_length=64, blank=True, help_text="For times on documents; blank: the organisation's."
    )
    locale = models.CharField(
        max_length=16,
        blank=True,
        help_text="Number format on documents; blank: the organisation's.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="client_tax_rate_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A client's location: tickets can be raised for a site, and name their client through it."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="site_name_unique_per_client"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a client who may be invited to the client portal."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    # Stored lower-case; it becomes the portal username, so one contact per address.
    email = models.EmailField(unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
    )
    can_see_invoices = models.BooleanField(
        default=False, help_text="May see invoices and credit notes and download their PDFs."
    )
    receives_invoices = models.BooleanField(
        default=False, help_text="Invoices, credit notes and reminders are emailed to them."
    )
    is_active = models.BooleanField(default=True, help_text="Off: the contact cannot sign in.")
    # SHA-256 of the emailed invitation token; the token itself is never stored.
    invitation_digest = models.CharField(max_length=64, blank=True, db_index=True)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def has_access(self) -> bool:
        return self.is_active and self.user_id is not None
