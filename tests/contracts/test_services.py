"""Contract, rate and prepay-purchase writes: billing and admin only, validated, audited."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.contracts.models import ContractKind, PrepayEntry, PrepayKind, Rate
from tallyhour.contracts.selectors import prepay_ledger
from tallyhour.contracts.services import (
    contract_create,
    prepay_purchase,
    rate_create,
    ticket_contract_set,
)
from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.django_db
JAN = dt.date(2026, 1, 1)


def make(client, actor, kind=ContractKind.PREPAY, **kwargs):
    kwargs.setdefault("starts_on", JAN)
    return contract_create(client=client, name=f"{kind} deal", kind=kind, actor=actor, **kwargs)


@pytest.mark.parametrize("persona", ["engineer", "approver"])
def test_only_billing_and_admin_write_contracts(request, persona, client_acme, remote_support):
    actor = request.getfixturevalue(persona)
    with pytest.raises(Forbidden):
        make(client_acme, actor)
    with pytest.raises(Forbidden):
        rate_create(hourly_rate=Decimal("90"), valid_from=JAN, client=client_acme, actor=actor)


@pytest.mark.parametrize("kind", ContractKind.values)
def test_every_kind_can_be_created_and_is_audited(billing, client_acme, kind):
    contract = make(client_acme, billing, kind=kind, retainer_fee=Decimal("10"))
    assert contract.kind == kind
    (entry,) = history_for(contract)
    assert entry.action == "contract.create" and entry.after["kind"] == kind


def test_two_overlapping_defaults_conflict(billing, client_acme):
    make(client_acme, billing, is_default=True, ends_on=dt.date(2026, 6, 30))
    with pytest.raises(Conflict):
        make(client_acme, billing, is_default=True, starts_on=dt.date(2026, 6, 1))
    # Back to back is fine.
    make(client_acme, billing, is_default=True, starts_on=dt.date(2026, 7, 1))


def test_contract_must_end_after_it_starts(billing, client_acme):
    with pytest.raises(InvalidInput):
        make(client_acme, billing, ends_on=dt.date(2025, 12, 31))


def test_purchase_adds_a_ledger_row(billing, client_acme):
    contract = make(client_acme, billing)
    row = prepay_purchase(
        contract=contract,
        hours=Decimal("7.5"),
        amount=Decimal("600"),
        purchased_on=JAN,
        actor=billing,
    )
    assert (row.kind, row.seconds, row.created_by) == (PrepayKind.PURCHASE, 27000, billing)
    assert prepay_ledger(contract).balance_seconds == 27000
    assert history_for(contract).filter(action="prepay.purchase").exists()


def test_purchase_checks_kind_and_values(billing, engineer, client_acme):
    tm = make(client_acme, billing, kind=ContractKind.TIME_AND_MATERIALS)
    with pytest.raises(Conflict):
        prepay_purchase(contract=tm, hours=Decimal("1"), amount=Decimal("1"), actor=billing)
    prepay = make(client_acme, billing)
    with pytest.raises(InvalidInput) as caught:
        prepay_purchase(
            contract=prepay,
            hours=Decimal("0"),
            amount=Decimal("-1"),
            purchased_on=JAN,
            expires_on=dt.date(2025, 1, 1),
            actor=billing,
        )
    assert set(caught.value.fields) == {"hours", "amount", "expires_on"}
    with pytest.raises(Forbidden):
        prepay_purchase(contract=prepay, hours=Decimal("1"), amount=Decimal("1"), actor=engineer)
    assert not PrepayEntry.objects.exists()


def test_rate_scopes(billing, engineer, client_acme, remote_support):
    contract = make(client_acme, billing)
    rate = rate_create(
        hourly_rate=Decimal("120"), valid_from=JAN, contract=contract, agent=engineer, actor=billing
    )
    assert "contract" in rate.scope_label and "agent" in rate.scope_label
    assert history_for(rate).filter(action="rate.create").exists()
    with pytest.raises(InvalidInput):
        rate_create(
            hourly_rate=Decimal("1"),
            valid_from=JAN,
            contract=contract,
            client=client_acme,
            actor=billing,
        )
    with pytest.raises(InvalidInput):
        rate_create(hourly_rate=Decimal("1"), valid_from=JAN, actor=billing)
    with pytest.raises(Conflict):
        rate_create(
            hourly_rate=Decimal("130"),
            valid_from=JAN,
            contract=contract,
            agent=engineer,
            actor=billing,
        )
    assert Rate.objects.count() == 1


def test_a_ticket_bills_under_one_of_its_clients_contracts(
    billing, engineer, ticket, client_acme, client_globex
):
    mine = make(client_acme, billing)
    theirs = make(client_globex, billing)
    with pytest.raises(Forbidden):
        ticket_contract_set(ticket=ticket, contract=mine, actor=engineer)
    with pytest.raises(InvalidInput):
        ticket_contract_set(ticket=ticket, contract=theirs, actor=billing)
    ticket_contract_set(ticket=ticket, contract=mine, actor=billing)
    ticket.refresh_from_db()
    assert ticket.contract == mine
    (entry,) = history_for(ticket).filter(action="ticket.contract")
    assert entry.before == {"contract": None} and entry.after == {"contract": mine.pk}
