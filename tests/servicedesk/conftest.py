"""Fixtures for service-desk tests: a frozen clock moved by hand, ticket types, a project."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.servicedesk.models import Ticket, TicketType
from tallyhour.servicedesk.services import ticket_create
from tests.conftest import MONDAY, at


@pytest.fixture
def clock(time_machine):
    """`clock(9, 30)` freezes time at Monday 09:30 UTC (London is UTC in November)."""

    def move(hour: int, minute: int = 0, second: int = 0, day: dt.date = MONDAY) -> dt.datetime:
        instant = at(day, hour, minute) + dt.timedelta(seconds=second)
        time_machine.move_to(instant, tick=False)
        return instant

    return move


@pytest.fixture
def project_type(remote_support) -> TicketType:
    return TicketType.objects.create(
        name="Project", is_project=True, default_charge_type=remote_support
    )


@pytest.fixture
def project(client_acme, project_type, admin) -> Ticket:
    return ticket_create(
        client=client_acme,
        summary="Office move",
        ticket_type=project_type,
        budget_hours=Decimal("20"),
        actor=admin,
    )
