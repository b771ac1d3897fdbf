"""Personas shared by every test: two teams, each engineer with an approver, plus billing,
admin and an outsider. Team A: engineer → approver. Team B: other_engineer → other_approver.
Client portal: `contact` (Acme) and `other_contact` (Globex)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client as HttpClient

from tallyhour.accounts.models import Organisation, Role, User
from tallyhour.accounts.services import api_token_create
from tallyhour.crm.models import Client, Contact
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType
from tests.factories import (
    AgentFactory,
    ChargeTypeFactory,
    ClientFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)

# A Monday in November 2026 (no DST change, no UK holiday): the default week in tests.
MONDAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Personas get passwords; the production hasher would make every test crawl.
    # Module-scoped fixtures hash before this runs, so the default hasher still verifies.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *django_settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none spent (tests share
    one address and often one frozen minute)."""
    cache.clear()


@pytest.fixture
def org(db) -> Organisation:
    org = Organisation.current()
    org.name, org.timezone, org.currency = "Test MSP", "Europe/London", "GBP"
    org.address, org.tax_id = "1 Test Street\nLondon", "GB123456789"
    org.save()
    return org


@pytest.fixture
def capture_mode(org):
    """`capture_mode("on_action")` sets the organisation's capture mode."""

    def set_mode(mode: str) -> Organisation:
        org.capture_mode = mode
        org.save(update_fields=["capture_mode"])
        return org

    return set_mode


@pytest.fixture
def approver(org) -> User:
    user = UserFactory(username="approver", role=Role.APPROVER)
    AgentFactory(user=user)
    return user


@pytest.fixture
def other_approver(org) -> User:
    user = UserFactory(username="other_approver", role=Role.APPROVER)
    AgentFactory(user=user)
    return user


@pytest.fixture
def team_a(approver):
    return TeamFactory(name="Team A", approver=approver)


@pytest.fixture
def team_b(other_approver):
    return TeamFactory(name="Team B", approver=other_approver)


@pytest.fixture
def remote_support(db) -> ChargeType:
    return ChargeTypeFactory(name="Remote support", hourly_rate=Decimal("90.00"))


@pytest.fixture
def internal(db) -> ChargeType:
    return ChargeTypeFactory(name="Internal", is_billable=False, hourly_rate=Decimal("0"))


@pytest.fixture
def engineer(org, team_a, remote_support) -> User:
    user = UserFactory(username="engineer", role=Role.ENGINEER)
    agent = AgentFactory(user=user, default_charge_type=remote_support)
    agent.teams.add(team_a)
    return user


@pytest.fixture
def other_engineer(org, team_b, remote_support) -> User:
    user = UserFactory(username="other_engineer", role=Role.ENGINEER)
    agent = AgentFactory(user=user, default_charge_type=remote_support)
    agent.teams.add(team_b)
    return user


@pytest.fixture
def billing(org) -> User:
    return UserFactory(username="billing", role=Role.BILLING)


@pytest.fixture
def admin(org) -> User:
    user = UserFactory(username="admin", role=Role.ADMIN)
    AgentFactory(user=user)
    return user


@pytest.fixture
def client_acme(db) -> Client:
    return ClientFactory(name="Acme Ltd", currency="GBP", tax_rate=Decimal("20.00"))


@pytest.fixture
def client_globex(db) -> Client:
    """A second client, for isolation tests: its contact must never see Acme's data."""
    return ClientFactory(name="Globex plc", currency="GBP", tax_rate=Decimal("20.00"))


def _portal_contact(client: Client, email: str, name: str) -> Contact:
    user = UserFactory(username=email, email=email, role=Role.CONTACT)
    return Contact.objects.create(
        client=client, name=name, email=email, user=user, can_see_invoices=True
    )


@pytest.fixture
def contact(org, client_acme) -> Contact:
    """Acme's portal contact (may see invoices); sign in as `contact.user`, password "pw"."""
    return _portal_contact(client_acme, "ada@acme.example", "Ada Lovelace")


@pytest.fixture
def other_contact(org, client_globex) -> Contact:
    """Globex's portal contact (may see invoices)."""
    return _portal_contact(client_globex, "hank@globex.example", "Hank Scorpio")


@pytest.fixture
def ticket(client_acme, remote_support) -> Ticket:
    return TicketFactory(client=client_acme, summary="Printer offline", charge_type=remote_support)


def login(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def bearer(user: User) -> dict[str, str]:
    """Headers for an API call as `user` with a fresh token."""
    _, raw = api_token_create(user=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A UTC instant on `day` (London is UTC in November)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)
