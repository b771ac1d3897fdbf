from decimal import Decimal

from django.conf import settings
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
    # Prepay: what happens to billable time once every unexpired block is used up.
    prepay_fallback_to_payg = models.BooleanField(
        default=True,
        help_text="When prepaid hours run out, bill pay-as-you-go (else go negative).",
    )
    # Retainer: a fee per calendar month that includes some hours.
    retainer_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    retainer_included_minutes = models.PositiveIntegerField(default=0)
    overage_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    rollover = models.BooleanField(
        default=False, help_text="Unused included hours carry over to the next month."
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
            models.CheckConstraint(
                condition=Q(retainer_fee__gte=0, overage_multiplier__gt=0),
                name="contract_retainer_amounts_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} — {self.name}"


class Rate(models.Model):
    """An hourly sell rate from `valid_from` on, for a scope; the most specific scope wins."""

    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2)
    valid_from = models.DateField()
    charge_type = models.ForeignKey(
        "timetracking.ChargeType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rates",
        help_text="Empty applies to every charge type in the scope.",
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.CASCADE, related_name="rates"
    )
    client = models.ForeignKey(
        "crm.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="rates"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rates",
    )

    class Meta:
        ordering = ["-valid_from", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="rate_not_negative"),
            # A contract rate names its contract; a client rate may not also name a contract.
            models.CheckConstraint(
                condition=Q(contract__isnull=True) | Q(client__isnull=True),
                name="rate_contract_or_client",
            ),
            models.CheckConstraint(
                condition=~Q(
                    contract__isnull=True,
                    client__isnull=True,
                    agent__isnull=True,
                    charge_type__isnull=True,
                ),
                name="rate_has_scope",
            ),
            models.UniqueConstraint(
                fields=["contract", "client", "agent", "charge_type", "valid_from"],
                name="rate_unique_per_scope_and_day",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hourly_rate}/h from {self.valid_from}"

    @property
    def scope_label(self) -> str:
        parts = []
        if self.contract_id:
            parts.append(f"contract {self.contract}")
        if self.client_id:
            parts.append(f"client {self.client}")
        if self.agent_id:
            parts.append(f"agent {self.agent}")
        if self.charge_type_id:
            parts.append(f"charge type {self.charge_type}")
        return ", ".join(parts)


class PrepayKind(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    DRAWDOWN = "drawdown", "Drawdown"
    REVERSAL = "reversal", "Reversal"


class PrepayEntry(models.Model):
    """One row of a prepay contract's ledger; rows are only ever added, never edited."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="prepay_entries")
    kind = models.CharField(max_length=8, choices=PrepayKind.choices)
    seconds = models.IntegerField(help_text="Positive for purchases and reversals.")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    purchased_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    block = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="uses",
        help_text="The purchase a drawdown or reversal belongs to (empty when overdrawn).",
    )
    # Kept as a link only: removing a line from a draft adds a reversal row, and the
    # drawdown keeps its note naming the line.
    invoice_line = models.ForeignKey(
        "billing.InvoiceLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prepay_entries",
    )
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "prepay entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PrepayKind.values), name="prepay_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="drawdown") & Q(seconds__lt=0))
                | (Q(kind__in=["purchase", "reversal"]) & Q(seconds__gt=0)),
                name="prepay_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.seconds}s"


class RetainerCharge(models.Model):
    """The retainer fee for one contract and month; billed once (unique while live)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="retainer_charges"
    )
    period_start = models.DateField(help_text="First day of the month.")
    fee = models.DecimalField(max_digits=12, decimal_places=2)
    included_seconds = models.PositiveIntegerField()
    rollover_seconds = models.PositiveIntegerField(default=0)
    invoice_line = models.ForeignKey(
        "billing.InvoiceLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retainer_charges",
    )
    released = models.BooleanField(default=False)

    class Meta:
        ordering = ["contract", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period_start"],
                condition=Q(released=False),
                name="retainer_charged_once_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.period_start:%Y-%m}"

    @property
    def allowance_seconds(self) -> int:
        return self.included_seconds + self.rollover_seconds
