"""factory_boy factories for the domain; personas in conftest.py build on these."""

import datetime as dt
from decimal import Decimal

import factory

from tallyhour.accounts.models import Agent, Role, Team, User, Workday
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, EntryState, TimeEntry


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    role = Role.ENGINEER
    password = factory.django.Password("pw")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class ChargeTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargeType
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Charge {n}")
    is_billable = True
    hourly_rate = Decimal("100.00")


class AgentFactory(factory.django.DjangoModelFactory):
    """An agent with a Monday–Friday 09:00–17:30 workday (30 min break: 8 h target)."""

    class Meta:
        model = Agent
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    timezone = "Europe/London"

    @factory.post_generation
    def workdays(self, create, extracted, **kwargs):  # noqa: ANN001
        if not create:
            return
        for weekday in extracted if extracted is not None else range(5):
            Workday.objects.create(
                agent=self, weekday=weekday, start=dt.time(9), end=dt.time(17, 30), break_minutes=30
            )


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n} Ltd")
    currency = "GBP"
    tax_rate = Decimal("20.00")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    client = factory.SubFactory(ClientFactory)
    summary = factory.Sequence(lambda n: f"Ticket {n}")


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """A draft one-hour entry; prefer the services in tests of behaviour."""

    class Meta:
        model = TimeEntry

    agent = factory.SubFactory(UserFactory)
    ticket = factory.SubFactory(TicketFactory)
    charge_type = factory.SubFactory(ChargeTypeFactory)
    started_at = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
    ended_at = factory.LazyAttribute(lambda e: e.started_at + dt.timedelta(hours=1))
    worked_seconds = factory.LazyAttribute(
        lambda e: int((e.ended_at - e.started_at).total_seconds())
    )
    is_billable = factory.LazyAttribute(lambda e: e.charge_type.is_billable)
    billable_seconds = factory.LazyAttribute(lambda e: e.worked_seconds if e.is_billable else 0)
    state = EntryState.DRAFT
