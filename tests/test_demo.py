"""`tallyhour demo` builds a consistent MSP once, and the admin shows every model over it."""

import datetime as dt
import io
from itertools import pairwise

import pytest
import time_machine
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse

from tallyhour.accounts.models import Agent, Organisation, Role, Team, User
from tallyhour.accounts.permissions import approvers_of
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceRun, InvoiceState
from tallyhour.core.models import AuditEntry
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timetracking.models import EntryState, TimeEntry, Timer, TimerState

# Thanksgiving 2026, a Thursday: the New York engineer has a public holiday today.
NOW = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
ENGINEERS = [f"engineer{i}" for i in range(1, 9)]
COUNTED = [
    User,
    Agent,
    Team,
    Client,
    Ticket,
    TimeEntry,
    Timer,
    Submission,
    InvoiceRun,
    Invoice,
    InvoiceLine,
    AuditEntry,
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module inside a transaction that is rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = io.StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo"), pytest.mark.slow]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_prints_the_logins(demo):
    assert "Demo MSP ready: http://127.0.0.1:8000" in demo
    assert "engineer1..engineer8 / demo" in demo


def test_users_roles_and_password():
    users = {u.username: u for u in User.objects.all()}
    assert {"admin", "approver", "billing", *ENGINEERS} <= set(users)
    assert users["admin"].role == Role.ADMIN
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert users["approver"].role == Role.APPROVER
    assert users["billing"].role == Role.BILLING
    assert all(users[name].role == Role.ENGINEER for name in ENGINEERS)
    assert all(users[name].first_name and users[name].last_name for name in ENGINEERS)
    assert HttpClient().login(username="engineer1", password="demo")


def test_organisation_teams_clients_and_tickets():
    org = Organisation.current()
    assert (org.name, org.timezone, org.currency) == (
        "Northwind IT Services",
        "Europe/London",
        "GBP",
    )
    assert org.address and org.tax_id
    teams = {t.name: t for t in Team.objects.select_related("approver")}
    assert {name: t.approver.username for name, t in teams.items()} == {
        "Service Desk": "approver",
        "Projects": "admin",
    }
    assert all(teams[name].agents.filter(user__role=Role.ENGINEER).exists() for name in teams)
    assert Client.objects.count() == 20
    assert Client.objects.filter(currency="EUR").count() == 1
    assert Client.objects.filter(tax_rate=0).count() == 1
    assert Ticket.objects.filter(project__isnull=True).count() == 150
    assert Ticket.objects.filter(project__isnull=False).exists()  # project tasks
    assert Ticket.objects.values("status").distinct().count() == 5
    assert not Ticket.objects.filter(charge_type__isnull=True).exists()
    zones = set(Agent.objects.values_list("timezone", flat=True))
    assert zones == {"Europe/London", "Europe/Berlin", "America/New_York"}
    assert all(agent.workdays.count() == 5 for agent in Agent.objects.all())


def test_entries_in_every_state_with_real_decisions():
    assert set(TimeEntry.objects.values_list("state", flat=True)) == set(EntryState.values)
    # Every decision was made by the agent's own approver, never by the agent.
    for submission in Submission.objects.exclude(state=SubmissionState.SUBMITTED):
        assert submission.decided_by in approvers_of(submission.agent)
        assert submission.decided_at > submission.submitted_at
    [rejected] = Submission.objects.filter(state=SubmissionState.REJECTED)
    assert rejected.reason
    assert set(rejected.entries.values_list("state", flat=True)) == {EntryState.REJECTED}
    assert Submission.objects.filter(state=SubmissionState.SUBMITTED).exists()
    assert AuditEntry.objects.filter(action="submission.approve").count() == (
        Submission.objects.filter(state=SubmissionState.APPROVED).count()
    )
    assert AuditEntry.objects.filter(action="time_entry.create").count() == (
        TimeEntry.objects.count()
    )


def test_invoices_issued_and_draft():
    states = set(Invoice.objects.values_list("state", flat=True))
    assert {InvoiceState.ISSUED, InvoiceState.DRAFT} <= states
    assert not Invoice.objects.filter(state=InvoiceState.ISSUED, number__isnull=True).exists()
    invoiced = TimeEntry.objects.filter(invoice_line__isnull=False)
    assert invoiced.exists()
    assert set(invoiced.values_list("state", flat=True)) == {EntryState.APPROVED}
    # The most recent approved week waits for the next run.
    assert TimeEntry.objects.filter(
        state=EntryState.APPROVED, is_billable=True, invoice_line__isnull=True
    ).exists()


def test_entries_are_consistent_and_never_overlap():
    entries = list(TimeEntry.objects.order_by("agent_id", "started_at"))
    assert len(entries) > 1000
    for entry in entries:
        assert entry.worked_seconds == (entry.ended_at - entry.started_at).total_seconds()
        assert entry.ended_at <= NOW
        assert entry.billable_seconds == (entry.worked_seconds if entry.is_billable else 0)
    for previous, entry in pairwise(entries):
        if previous.agent_id == entry.agent_id:
            assert entry.started_at >= previous.ended_at, (previous.pk, entry.pk)


def test_running_timer_only_for_engineer2():
    running = Timer.objects.filter(state=TimerState.RUNNING)
    assert [t.agent.username for t in running] == ["engineer2"]
    assert running[0].ticket is not None
    latest = TimeEntry.objects.filter(agent__username="engineer2").latest("ended_at")
    assert latest.ended_at <= running[0].running_since
    assert not Timer.objects.filter(agent__username="engineer1").exists()


def test_second_run_changes_nothing():
    before = counts()
    output = io.StringIO()
    call_command("demo", stdout=output)
    assert counts() == before
    assert "already loaded" in output.getvalue()
    assert "admin / demo" in output.getvalue()


def test_refuses_a_database_with_other_data():
    User.objects.filter(username="engineer1").update(username="someone_else")
    with pytest.raises(CommandError, match="empty database"):
        call_command("demo", stdout=io.StringIO())


def test_admin_pages_render_for_every_registered_model():
    http = HttpClient()
    assert http.login(username="admin", password="demo")
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        response = http.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None:
            response = http.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert response.status_code == 200, info
        add = http.get(reverse("admin:{}_{}_add".format(*info)))
        assert add.status_code == (
            200 if model_admin.has_add_permission(add.wsgi_request) else 403
        ), info


@pytest.mark.parametrize("model", [TimeEntry, Submission, Invoice, InvoiceLine, InvoiceRun])
def test_audited_objects_are_read_only_in_admin(model):
    http = HttpClient()
    http.force_login(User.objects.get(username="admin"))
    info = (model._meta.app_label, model._meta.model_name)
    obj = model._default_manager.first()
    assert http.get(reverse("admin:{}_{}_add".format(*info))).status_code == 403
    change_url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
    assert http.post(change_url, {}).status_code == 403
    delete_url = reverse("admin:{}_{}_delete".format(*info), args=[obj.pk])
    assert http.post(delete_url, {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=obj.pk).exists()


def test_admin_adds_a_user_with_a_role():
    http = HttpClient()
    http.force_login(User.objects.get(username="admin"))
    response = http.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newstarter",
            "role": Role.APPROVER,
            "usable_password": "true",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(username="newstarter").role == Role.APPROVER
