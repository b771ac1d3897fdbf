from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class InvoiceRun(models.Model):
    """One pass that turns approved, uninvoiced billable time up to a cut-off into drafts."""

    cut_off = models.DateField()
    client_ids = models.JSONField(default=list, blank=True, help_text="Empty means all clients.")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    invoice_count = models.PositiveIntegerField(default=0)
    entry_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"run {self.pk} to {self.cut_off}"


class InvoiceState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class Invoice(models.Model):
    """A bill to one client; issued invoices are immutable snapshots with a gapless number."""

    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="invoices")
    run = models.ForeignKey(
        InvoiceRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    state = models.CharField(max_length=8, choices=InvoiceState.choices, default=InvoiceState.DRAFT)
    number = models.CharField(max_length=64, null=True, blank=True, unique=True)
    number_year = models.PositiveIntegerField(null=True, blank=True)
    number_sequence = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    period_end = models.DateField(help_text="Cut-off date of the billed work.")
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Snapshots taken at issue so later edits of client or organisation never change the bill.
    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_address = models.TextField(blank=True)
    buyer_tax_id = models.CharField(max_length=64, blank=True)
    seller_name = models.CharField(max_length=200, blank=True)
    seller_address = models.TextField(blank=True)
    seller_tax_id = models.CharField(max_length=64, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number_sequence"], name="invoice_number_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(state="void") | Q(number__isnull=False),
                name="issued_invoice_has_number",
            ),
            models.CheckConstraint(
                condition=Q(state__in=InvoiceState.values), name="invoice_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"


class InvoiceLine(models.Model):
    """Billed time grouped by ticket, charge type and rate; every billed entry points at one."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charge_type = models.ForeignKey(
        "timetracking.ChargeType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    billed_seconds = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, help_text="Hours.")
    rate = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class InvoiceNumberSequence(models.Model):
    """The last issued number per year; its row lock serialises issuing so numbers stay gapless."""

    year = models.PositiveIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
