"""The world the permission matrix runs in: one object of every kind, owned by `engineer`.

Team A's engineer has worked five weeks on Acme's printer ticket: the first week is on an issued
invoice (what Acme's portal contact may see), the second on a draft invoice, the third approved
and not yet billed, the fourth submitted and waiting, the fifth still a draft. A running timer,
a leave day, a prepay contract, an API token, an API application, a webhook with one delivery,
a notice and a pending portal invitation complete the set, so every URL with an id in it can
name a real object.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model
from django.test import override_settings

from tallyhour.accounts.models import Organisation, Role, User
from tallyhour.accounts.services import api_token_create, leave_create
from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.payments import payment_record
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.services import contract_create, prepay_purchase
from tallyhour.core import dates
from tallyhour.core.models import Notice
from tallyhour.crm.models import Contact, Site
from tallyhour.crm.services import invitation_digest
from tallyhour.halo.services import api_application_create
from tallyhour.servicedesk.models import TicketType
from tallyhour.servicedesk.services import action_create
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tallyhour.webhooks.models import Delivery, DeliveryState
from tallyhour.webhooks.services import subscription_create
from tests.conftest import MONDAY, _portal_contact, at
from tests.factories import (
    AgentFactory,
    ChargeTypeFactory,
    ClientFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)

WEEK_ISSUED = MONDAY - dt.timedelta(days=21)  # 2026-W44
WEEK_INVOICED = MONDAY - dt.timedelta(days=14)  # 2026-W45
WEEK_APPROVED = MONDAY - dt.timedelta(days=7)  # 2026-W46
WEEK_SUBMITTED = MONDAY  # 2026-W47
WEEK_DRAFT = MONDAY + dt.timedelta(days=7)  # 2026-W48
ENTRY_NOTE = "Swapped the fuser unit"
SUBMISSION_COMMENT = "All on the Acme printer"
TIMER_NOTE = "Printer follow-up"
LEAVE_NOTE = "Family wedding"


@dataclass
class World:
    """The matrix's objects, by the name URL parameters use for them."""

    users: dict[str, User]
    objects: dict[str, Model | None] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> str:
        """A URL parameter's value: an object's primary key, or a plain value."""
        if name in self.objects:
            return str(self.pk(name))
        return str(self.values[name])

    def pk(self, name: str) -> int:
        obj = self.objects[name]
        assert obj is not None, name
        return int(obj.pk)


def _personas() -> dict[str, Any]:
    """The personas of tests/conftest.py, built once for the whole matrix (same names, roles,
    teams and clients), since function-scoped fixtures cannot feed a module-scoped world."""
    org = Organisation.current()
    org.name, org.timezone, org.currency = "Test MSP", "Europe/London", "GBP"
    org.address, org.tax_id = "1 Test Street\nLondon", "GB123456789"
    org.save()
    remote_support = ChargeTypeFactory(name="Remote support", hourly_rate=Decimal("90.00"))

    def staff(name: str, role: str, *, agent: bool = True) -> User:
        user = UserFactory(username=name, role=role)
        if agent:
            AgentFactory(user=user, default_charge_type=remote_support)
        return user

    approver = staff("approver", Role.APPROVER)
    other_approver = staff("other_approver", Role.APPROVER)
    engineer = staff("engineer", Role.ENGINEER)
    other_engineer = staff("other_engineer", Role.ENGINEER)
    engineer.agent.teams.add(TeamFactory(name="Team A", approver=approver))
    other_engineer.agent.teams.add(TeamFactory(name="Team B", approver=other_approver))
    client_acme = ClientFactory(name="Acme Ltd", currency="GBP", tax_rate=Decimal("20.00"))
    client_globex = ClientFactory(name="Globex plc", currency="GBP", tax_rate=Decimal("20.00"))
    return {
        "engineer": engineer,
        "other_engineer": other_engineer,
        "approver": approver,
        "other_approver": other_approver,
        "billing": staff("billing", Role.BILLING, agent=False),
        "admin": staff("admin", Role.ADMIN),
        "remote_support": remote_support,
        "client_acme": client_acme,
        "ticket": TicketFactory(
            client=client_acme, summary="Printer offline", charge_type=remote_support
        ),
        "contact": _portal_contact(client_acme, "ada@acme.example", "Ada Lovelace"),
        "other_contact": _portal_contact(client_globex, "hank@globex.example", "Hank Scorpio"),
    }


def _build_world() -> World:
    p = _personas()
    engineer, other_engineer = p["engineer"], p["other_engineer"]
    approver, other_approver = p["approver"], p["other_approver"]
    billing, admin = p["billing"], p["admin"]
    client_acme, ticket, remote_support = p["client_acme"], p["ticket"], p["remote_support"]
    contact, other_contact = p["contact"], p["other_contact"]

    def entry(day: dt.date) -> Any:
        return time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=at(day, 9),
            duration_minutes=60,
            ticket=ticket,
            note=ENTRY_NOTE,
        )

    def bill(week: dt.date) -> Any:
        submission_approve(
            submission=submission_submit(
                agent=engineer, week_start=week, actor=engineer, comment=SUBMISSION_COMMENT
            ),
            actor=approver,
        )
        cut_off = week + dt.timedelta(days=6)
        return invoice_run_execute(cut_off=cut_off, actor=billing, commit=True)

    entry(WEEK_ISSUED)
    [issued_invoice] = bill(WEEK_ISSUED).invoices
    invoice_issue(invoice=issued_invoice, actor=billing)
    # Part paid, so a payment exists to remove and the rest of the balance can be recorded.
    payment = payment_record(
        invoice=issued_invoice, amount=Decimal("1.00"), received_on=WEEK_ISSUED, actor=billing
    )
    issued_invoice.refresh_from_db()

    entry_invoiced = entry(WEEK_INVOICED)
    result = bill(WEEK_INVOICED)
    [invoice] = result.invoices
    line = invoice.lines.first()

    entry_approved = entry(WEEK_APPROVED)
    approved_submission = submission_approve(
        submission=submission_submit(
            agent=engineer, week_start=WEEK_APPROVED, actor=engineer, comment=SUBMISSION_COMMENT
        ),
        actor=approver,
    )
    entry_submitted = entry(WEEK_SUBMITTED)
    submission = submission_submit(
        agent=engineer, week_start=WEEK_SUBMITTED, actor=engineer, comment=SUBMISSION_COMMENT
    )
    entry_draft = entry(WEEK_DRAFT)

    action = action_create(ticket=ticket, actor=engineer, body="Rebooted the printer.")
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket, note=TIMER_NOTE)
    leave = leave_create(
        agent=engineer.agent, actor=engineer, first_day=dt.date(2026, 12, 21), note=LEAVE_NOTE
    )
    contract = contract_create(
        client=client_acme,
        name="Acme prepay",
        kind="prepay",
        starts_on=dt.date(2026, 1, 1),
        actor=billing,
    )
    prepay_purchase(contract=contract, hours=Decimal("10"), amount=Decimal("900"), actor=billing)
    token, _ = api_token_create(user=engineer, name="engineer's script")
    application, secret = api_application_create(
        name="RMM", agent=engineer, actor=admin, act_as_other=True
    )
    # Port 9 (discard) refuses at once: nothing here may reach the network.
    subscription, _ = subscription_create(url="http://127.0.0.1:9/hook", events=[], actor=admin)
    delivery = Delivery.objects.create(
        subscription=subscription,
        event="invoice.issued",
        payload={},
        state=DeliveryState.FAILED,
        next_attempt_at=dates.now(),
    )
    invitation = "matrix-invitation-token"
    Contact.objects.create(
        client=client_acme,
        name="Grace Hopper",
        email="grace@acme.example",
        invitation_digest=invitation_digest(invitation),
        invitation_expires_at=dates.now() + dt.timedelta(days=7),
    )
    notice = Notice.objects.create(
        user=engineer, text="Your timer was capped.", created_at=dates.now()
    )

    users = {
        "engineer": engineer,
        "other_engineer": other_engineer,
        "approver": approver,
        "other_approver": other_approver,
        "billing": billing,
        "admin": admin,
        "contact": contact.user,
        "other_contact": other_contact.user,
    }
    project_type = TicketType.objects.create(name="Project", is_project=True)
    return World(
        users=users,
        objects={
            "agent": engineer,
            "client": client_acme,
            "ticket": ticket,
            "action": action,
            "charge_type": remote_support,
            "entry": entry_draft,
            "entry_submitted": entry_submitted,
            "entry_approved": entry_approved,
            "entry_invoiced": entry_invoiced,
            "submission": submission,
            "approved_submission": approved_submission,
            "timer": timer,
            "invoice": invoice,
            "issued_invoice": issued_invoice,
            "payment": payment,
            "portal_contact": contact,
            "line": line,
            "issued_line": issued_invoice.lines.first(),
            "run": result.run,
            "contract": contract,
            "leave": leave,
            "token": token,
            "application": application,
            "subscription": subscription,
            "delivery": delivery,
            "notice": notice,
            "site": Site.objects.create(client=client_acme, name="Head office"),
            "team": engineer.agent.teams.get(),
            "ticket_type": project_type,
            "project": TicketFactory(
                client=client_acme, summary="Office move", ticket_type=project_type
            ),
        },
        values={
            "week": "2026-W47",
            # Halo reference ids: built-in status Closed, priority Medium, outcome Private Note.
            "halo_status": 9,
            "priority": 3,
            "outcome": 1,
            "lookup": 17,
            "draft_week": "2026-W48",
            "day": WEEK_SUBMITTED.isoformat(),
            "invitation": invitation,
            # A password-reset link that is not valid: the page says so, to anyone.
            "reset_uid": "MQ",
            "reset_token": "not-a-token",
            # Text only the engineer's own objects carry: lists must show it exactly to those
            # who may see them (Entry.shows / Entry.seen_by).
            "entry_note": ENTRY_NOTE,
            "submission_comment": SUBMISSION_COMMENT,
            "timer_note": TIMER_NOTE,
            "leave_note": LEAVE_NOTE,
            "agent_username": '"username": "engineer"',
            "agent_email": f'"email": "{engineer.email}"',
            "ticket_summary": ticket.summary,
            "invoice_number": str(issued_invoice.number),
            "halo_client_id": application.client_id,
            "halo_client_secret": secret,
            "css_asset": "swagger-ui.css",
            "csv_kind": "invoices",
            "fmt": "pdf",
            "missed_kind": "long_timers",
        },
    )


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, built once per module inside a transaction that is rolled back at the end;
    each test runs in a savepoint within it, and each request in a savepoint within that."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        outer._from_testcase = True  # type: ignore[attr-defined]  # nested test atomics nest
        try:
            # Personas get passwords; the production hasher would make building them crawl.
            with override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
            ):
                yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(matrix_world: World, db, settings) -> World:
    # Hundreds of requests by the same few users: the API's rate limit is not under test here.
    settings.API_RATE_LIMIT = 0
    return matrix_world
