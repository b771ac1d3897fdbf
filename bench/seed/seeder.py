"""`seed(options)`: the whole MSP, month by month, one transaction per week of work."""

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from bench.seed.invoices import Invoices
from bench.seed.options import (
    ACTIVITIES,
    ACTIVITY_MINUTES,
    BILLABLE,
    TICKET_CHARGES,
    TICKET_MINUTES,
    TICKET_TYPES,
    SeedOptions,
    SeedReport,
    month_end,
    weighted,
)
from bench.seed.people import People
from bench.seed.weeks import Weeks
from tallyhour.accounts.models import Organisation
from tallyhour.billing.models import InvoiceNumberSequence
from tallyhour.contracts.models import ContractKind
from tallyhour.servicedesk.models import Ticket, TicketStatus, TicketType
from tallyhour.timetracking.models import ChargeType


class Seeder(People, Weeks, Invoices):
    """Builds the MSP described by `SeedOptions` into the default database."""

    def run(self) -> SeedReport:
        started = time.monotonic()
        with transaction.atomic():
            self.reference()
            self.people_and_teams()
            self.client_list()
        monday = self.start - dt.timedelta(days=self.start.weekday())
        while monday < self.end:
            with transaction.atomic():
                self.week(monday)
                for month in sorted(self.months):
                    if month_end(month) < monday + dt.timedelta(days=7):
                        self.flush_month(month)
            monday += dt.timedelta(days=7)
        with transaction.atomic():
            for month in sorted(self.months):
                self.flush_month(month)
            self.finish()
        return SeedReport(rows=self.w.counts, seconds=time.monotonic() - started)

    # -- configuration rows (few, through the ORM where names must be reused)

    def reference(self) -> None:
        Organisation.current()
        for name, rate in BILLABLE.items():
            self.charge[name] = ChargeType.objects.get_or_create(
                name=name, defaults={"is_billable": True, "hourly_rate": Decimal(rate)}
            )[0]
        for name in ACTIVITIES:
            self.charge[name] = ChargeType.objects.get_or_create(
                name=name, defaults={"is_billable": False, "hourly_rate": Decimal("0")}
            )[0]
        self.ticket_types = [
            TicketType.objects.get_or_create(name=name)[0].pk for name in TICKET_TYPES
        ]
        pk = {name: ct.pk for name, ct in self.charge.items()}
        self.pick_ticket_charge = weighted(self.rng, [(pk[n], w) for n, w in TICKET_CHARGES])
        self.pick_activity = weighted(self.rng, [(pk[n], w) for n, w in ACTIVITIES.items()])
        self.pick_ticket_minutes = weighted(self.rng, TICKET_MINUTES)
        self.pick_activity_minutes = weighted(self.rng, ACTIVITY_MINUTES)

    def finish(self) -> None:
        open_tickets = [slot[0] for person in self.people for slot in person.pool]
        statuses = [TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD, TicketStatus.NEW]
        for index, status in enumerate(statuses):
            Ticket.objects.filter(pk__in=open_tickets[index :: len(statuses)]).update(status=status)
        for year, last in self.number_sequences.items():
            sequence, _ = InvoiceNumberSequence.objects.get_or_create(year=year)
            InvoiceNumberSequence.objects.filter(pk=sequence.pk).update(
                last_number=max(sequence.last_number, last)
            )
        # Prepay clients start the next billing period with hours in hand.
        self.write_ledger(
            [
                self.purchase(info, self.end)
                for info in self.clients
                if info.kind == ContractKind.PREPAY
            ]
        )
        self.w.reset_sequences()


def seed(options: SeedOptions, *, log: Callable[[str], None] | None = None) -> SeedReport:
    """Generate the MSP of `options` into the default database and say what was written."""
    return Seeder(options, log=log).run()
