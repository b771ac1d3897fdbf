from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


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
    # Progress for long runs: clients planned and clients done so far.
    clients_total = models.PositiveIntegerField(default=0)
    clients_done = models.PositiveIntegerField(default=0)
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
    # Time all covered (no charge, fixed price, prepay, retainer allowance): kept as a record
    # that holds the time, never numbered or sent (unless the organisation wants 0.00
    # statements, when it is an ordinary draft).
    NO_CHARGE = "no_charge", "No charge"


class Invoice(models.Model):
    """A bill to one client; issued invoices are immutable snapshots with a gapless number."""

    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="invoices")
    run = models.ForeignKey(
        InvoiceRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    state = models.CharField(
        max_length=10, choices=InvoiceState.choices, default=InvoiceState.DRAFT
    )
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    credits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="The issued invoice a credit note corrects.",
    )
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
    tax_note = models.CharField(
        max_length=300, blank=True, help_text="E.g. the reverse-charge statement."
    )
    purchase_order = models.CharField(
        max_length=64, blank=True, help_text="The buyer's reference (BT-13), printed and exported."
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Sum of the payments recorded; `paid` once it reaches the total.
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number_sequence"], name="invoice_number_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "void", "no_charge"]) | Q(number__isnull=False),
                name="issued_invoice_has_number",
            ),
            models.CheckConstraint(
                condition=Q(state__in=InvoiceState.values), name="invoice_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credits__isnull=True)
                | Q(kind="credit_note", credits__isnull=False),
                name="credit_note_refers_to_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.amount_paid

    @property
    def title(self) -> str:
        if self.state == InvoiceState.NO_CHARGE:
            return f"No-charge record {self.pk}"
        noun = "Credit note" if self.is_credit_note else "Invoice"
        return f"{noun} {self.number}" if self.number else f"Draft {noun.lower()} {self.pk}"


class LineKind(models.TextChoices):
    TIME = "time", "Time"
    PREPAY = "prepay", "Drawn from prepaid hours"
    RETAINER_INCLUDED = "retainer_included", "Included in retainer"
    OVERAGE = "overage", "Retainer overage"
    COVERED = "covered", "Covered by contract"
    FEE = "fee", "Retainer fee"
    MANUAL = "manual", "Manual"


class InvoiceLine(models.Model):
    """Billed time grouped by ticket, charge type and rate; every billed entry points at one."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charge_type = models.ForeignKey(
        "timetracking.ChargeType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=LineKind.choices, default=LineKind.TIME)
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(
        null=True, blank=True, help_text="The retainer month a fee or included line belongs to."
    )
    description = models.CharField(max_length=300)
    # Negative on credit notes only.
    billed_seconds = models.IntegerField(default=0)
    quantity = models.DecimalField(
        max_digits=12, decimal_places=4, help_text="Hours (units for fees and manual lines)."
    )
    base_rate = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Before the multiplier."
    )
    multiplier = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("1.00"))
    rate = models.DecimalField(max_digits=12, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class LineTime(models.Model):
    """How much billed time of one entry a line carries (an entry split by hours or by a
    prepay block spreads over several lines, but points at exactly one of them)."""

    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="times")
    entry = models.ForeignKey(
        "timetracking.TimeEntry", on_delete=models.CASCADE, related_name="line_times"
    )
    seconds = models.IntegerField()
    # What reports sum with the worked time: set when the invoice is issued (the entry's share
    # of the line's amount, in millionths of the invoice's currency, so shares add up exactly),
    # and `billed` cleared again when a credit note takes the invoice back.
    micros = models.BigIntegerField(default=0)
    billed = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "entry"], name="line_time_once_per_entry")
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} entry {self.entry_id}: {self.seconds}s"


class InvoiceNumberSequence(models.Model):
    """The last issued number per year; its row lock serialises issuing so numbers stay gapless."""

    year = models.PositiveIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Payment(models.Model):
    """Money received against an issued invoice (full or part)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    received_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    method = models.CharField(max_length=40, blank=True, help_text="Bank transfer, card, …")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.received_on}"


class DeliveryKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    REMINDER = "reminder", "Reminder"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class InvoiceDelivery(models.Model):
    """One email of an invoice (or a reminder of it) to the client's billing contacts."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=DeliveryKind.choices)
    state = models.CharField(
        max_length=8, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    recipients = models.JSONField(default=list)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        verbose_name_plural = "invoice deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="invoice_delivery_state_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.invoice} ({self.state})"
