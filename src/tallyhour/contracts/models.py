from django.db import models
from django.db.models import F, Q


class ContractKind(models.TextChoices):
    TIME_AND_MATERIALS = "time_and_materials", "Time and materials"
    PREPAY = "prepay", "Prepaid hours"
    RETAINER = "retainer", "Retainer"
    FIXED_PRICE = "fixed_price", "Fixed price"
    NO_CHARGE = "no_charge", "No charge"


class Contract(models.Model):
    """How a client's time is charged over a span of dates."""

    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="contracts")
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=20, choices=ContractKind.choices, default=ContractKind.TIME_AND_MATERIALS
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    is_default = models.BooleanField(
        default=False, help_text="Applies to the client's tickets that name no contract."
    )

    class Meta:
        ordering = ["client", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ContractKind.values), name="contract_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} — {self.name}"
