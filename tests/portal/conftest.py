"""Two clients with the same shape of data, so every portal test can check both directions.

Each client has a ticket with a client-visible reply (30 min billable), an internal note
(10 min, with a marker text that must never reach the portal), an issued invoice for both,
and a prepay block (Acme) or retainer (Globex).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tallyhour.accounts.models import Organisation
from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import Invoice
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry, PrepayKind
from tallyhour.crm.models import Client, Contact
from tallyhour.servicedesk.models import Ticket
from tallyhour.servicedesk.services import action_create
from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.conftest import MONDAY, at
from tests.factories import TicketFactory

COST_RATE = Decimal("47.13")


@dataclass
class ClientWorld:
    client: Client
    contact: Contact
    ticket: Ticket
    internal_ticket: Ticket  # only internal notes on it
    invoice: Invoice
    marker: str  # text of the internal note


def _world(client, contact, engineer, billing, remote_support, marker, day) -> ClientWorld:
    ticket = TicketFactory(
        client=client, summary=f"{client.name} email down", charge_type=remote_support
    )
    quiet = TicketFactory(
        client=client, summary=f"{client.name} patching", charge_type=remote_support
    )
    action_create(
        ticket=ticket,
        actor=engineer,
        kind="reply",
        body=f"Restarted the mail relay for {client.name}",
        time_seconds=1800,
        now=at(day, 9, 30),
    )
    action_create(ticket=ticket, actor=engineer, body=marker, time_seconds=600, now=at(day, 9, 45))
    action_create(
        ticket=quiet, actor=engineer, body=marker + " patch", time_seconds=900, now=at(day, 11)
    )
    return ClientWorld(client, contact, ticket, quiet, None, marker)  # type: ignore[arg-type]


@pytest.fixture
def world(
    engineer, billing, remote_support, contact, other_contact, time_machine
) -> dict[str, ClientWorld]:
    time_machine.move_to(at(MONDAY + dt.timedelta(days=3), 12))
    engineer.agent.cost_rate = COST_RATE
    engineer.agent.save()
    acme = _world(
        contact.client, contact, engineer, billing, remote_support, "INTERNAL-ACME-NOTE", MONDAY
    )
    globex = _world(
        other_contact.client,
        other_contact,
        engineer,
        billing,
        remote_support,
        "INTERNAL-GLOBEX-NOTE",
        MONDAY + dt.timedelta(days=1),
    )
    prepay = Contract.objects.create(
        client=acme.client,
        name="Acme prepaid hours",
        kind=ContractKind.PREPAY,
        starts_on=MONDAY - dt.timedelta(days=60),
        is_default=True,
    )
    PrepayEntry.objects.create(
        contract=prepay,
        kind=PrepayKind.PURCHASE,
        seconds=10 * 3600,
        amount=Decimal("900"),
        purchased_on=MONDAY - dt.timedelta(days=30),
        created_at=at(MONDAY - dt.timedelta(days=30), 9),
        note="PO-SECRET-DISCOUNT",
    )
    Contract.objects.create(
        client=globex.client,
        name="Globex retainer",
        kind=ContractKind.RETAINER,
        starts_on=MONDAY - dt.timedelta(days=60),
        is_default=True,
        retainer_fee=Decimal("1000"),
        retainer_included_minutes=600,
    )
    TimeEntry.objects.update(state=EntryState.APPROVED)
    # Acme's time is all prepaid: it gets a 0.00 statement only because the MSP asks for them.
    Organisation.objects.filter(pk=Organisation.current().pk).update(zero_value_statements=True)
    result = invoice_run_execute(
        cut_off=MONDAY + dt.timedelta(days=2),
        actor=billing,
        commit=True,
        now=at(MONDAY + dt.timedelta(days=3), 8),
    )
    for invoice in result.invoices:
        issued = invoice_issue(
            invoice=invoice, actor=billing, now=at(MONDAY + dt.timedelta(days=3), 9)
        )
        for side in (acme, globex):
            if issued.client_id == side.client.pk:
                side.invoice = issued
    assert acme.invoice and globex.invoice
    return {"acme": acme, "globex": globex}
