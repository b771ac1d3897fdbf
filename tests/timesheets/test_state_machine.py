"""A state machine over entries and submissions, driven by every role.

Whatever sequence of operations anyone tries, an approved or invoiced entry never changes
without an audited reopen (invoiced ones never change at all), nobody approves their own
time, and entries and their submission always agree on the state.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tallyhour.accounts.models import Role
from tallyhour.billing.models import Invoice, InvoiceLine
from tallyhour.core.errors import DomainError
from tallyhour.core.models import AuditEntry
from tallyhour.timesheets import services
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timetracking.models import EntryState, TimeEntry
from tallyhour.timetracking.services import time_entry_create, time_entry_delete, time_entry_update
from tests.conftest import MONDAY, at
from tests.factories import AgentFactory, ChargeTypeFactory, TeamFactory, TicketFactory, UserFactory

ROLES = ["agent", "approver", "admin", "outsider", "billing"]
ENTRY_FIELDS = (
    "started_at",
    "ended_at",
    "worked_seconds",
    "billable_seconds",
    "is_billable",
    "note",
    "charge_type_id",
    "ticket_id",
    "state",
    "invoice_line_id",
)
LABEL = TimeEntry._meta.label_lower
_run = itertools.count()


def _snapshot() -> dict[int, tuple]:
    return {
        row["pk"]: tuple(row[f] for f in ENTRY_FIELDS)
        for row in TimeEntry.objects.values("pk", *ENTRY_FIELDS)
    }


class ApprovalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each run lives in a savepoint that is rolled back at teardown.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        n = next(_run)
        approver = UserFactory(username=f"sm_approver{n}", role=Role.APPROVER)
        AgentFactory(user=approver)
        team = TeamFactory(name=f"sm_team{n}", approver=approver)
        charge = ChargeTypeFactory(name=f"sm_support{n}", hourly_rate=Decimal("90"))
        agent = UserFactory(username=f"sm_agent{n}", role=Role.ENGINEER)
        AgentFactory(user=agent, default_charge_type=charge).teams.add(team)
        admin = UserFactory(username=f"sm_admin{n}", role=Role.ADMIN)
        AgentFactory(user=admin)
        outsider = UserFactory(username=f"sm_outsider{n}", role=Role.APPROVER)
        AgentFactory(user=outsider)
        billing = UserFactory(username=f"sm_billing{n}", role=Role.BILLING)
        self.users = {
            "agent": agent,
            "approver": approver,
            "admin": admin,
            "outsider": outsider,
            "billing": billing,
        }
        self.agent = agent
        self.ticket = TicketFactory(charge_type=charge)
        self.seen_audit = 0
        self.before = _snapshot()
        self.audit_mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- helpers ---

    def _entries(self) -> list[TimeEntry]:
        return list(TimeEntry.objects.filter(agent=self.agent).order_by("pk"))

    def _submissions(self) -> list[Submission]:
        return list(Submission.objects.filter(agent=self.agent).order_by("pk"))

    @staticmethod
    def _pick(items: list, index: int):  # noqa: ANN205
        return items[index % len(items)] if items else None

    @staticmethod
    def _attempt(action) -> None:  # noqa: ANN001
        try:
            with transaction.atomic():
                action()
        except DomainError:
            pass

    # --- rules: the happy path, so locked states are reached often ---

    @rule(day=st.integers(0, 6), hour=st.integers(0, 22))
    def agent_logs_and_submits(self, day: int, hour: int) -> None:
        self.create_entry("agent", day, hour)
        self.submit_week("agent")

    @rule()
    def approver_approves_everything_waiting(self) -> None:
        for sub in self._submissions():
            self._attempt(
                lambda sub=sub: services.submission_approve(
                    submission=sub, actor=self.users["approver"]
                )
            )

    # --- rules: what anyone might try ---

    @rule(role=st.sampled_from(ROLES), day=st.integers(0, 6), hour=st.integers(0, 22))
    def create_entry(self, role: str, day: int, hour: int) -> None:
        start = at(MONDAY + dt.timedelta(days=day), hour)
        self._attempt(
            lambda: time_entry_create(
                agent=self.agent,
                actor=self.users[role],
                started_at=start,
                duration_minutes=45,
                ticket=self.ticket,
            )
        )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 20), minutes=st.integers(-90, 90))
    def update_entry(self, role: str, index: int, minutes: int) -> None:
        entry = self._pick(self._entries(), index)
        if entry is None:
            return
        changes = {
            "note": f"changed by {role}",
            "started_at": entry.started_at + dt.timedelta(minutes=minutes),
            "ended_at": entry.ended_at + dt.timedelta(minutes=minutes),
        }
        self._attempt(
            lambda: time_entry_update(
                entry=entry, actor=self.users[role], changes=changes, reason="because"
            )
        )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 20))
    def delete_entry(self, role: str, index: int) -> None:
        entry = self._pick(self._entries(), index)
        if entry is not None:
            self._attempt(
                lambda: time_entry_delete(entry=entry, actor=self.users[role], reason="because")
            )

    @rule(role=st.sampled_from(ROLES))
    def submit_week(self, role: str) -> None:
        self._attempt(
            lambda: services.submission_submit(
                agent=self.agent, week_start=MONDAY, actor=self.users[role], comment="gaps"
            )
        )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 10))
    def recall(self, role: str, index: int) -> None:
        sub = self._pick(self._submissions(), index)
        if sub is not None:
            self._attempt(
                lambda: services.submission_recall(submission=sub, actor=self.users[role])
            )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 10))
    def approve(self, role: str, index: int) -> None:
        sub = self._pick(self._submissions(), index)
        if sub is not None:
            self._attempt(
                lambda: services.submission_approve(submission=sub, actor=self.users[role])
            )

    @rule(role=st.sampled_from(ROLES))
    def bulk_approve(self, role: str) -> None:
        subs = self._submissions()
        if subs:
            self._attempt(
                lambda: services.submissions_bulk_approve(submissions=subs, actor=self.users[role])
            )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 10))
    def reject(self, role: str, index: int) -> None:
        sub = self._pick(self._submissions(), index)
        if sub is not None:
            self._attempt(
                lambda: services.submission_reject(
                    submission=sub, actor=self.users[role], reason="fix it"
                )
            )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 10), pick=st.integers(0, 20))
    def reject_one_entry(self, role: str, index: int, pick: int) -> None:
        sub = self._pick(self._submissions(), index)
        entry = self._pick(self._entries(), pick)
        if sub is not None and entry is not None:
            self._attempt(
                lambda: services.submission_reject_entries(
                    submission=sub, entries=[entry], actor=self.users[role], reason="this one"
                )
            )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 20), share=st.integers(0, 100))
    def write_off(self, role: str, index: int, share: int) -> None:
        entry = self._pick(self._entries(), index)
        if entry is not None:
            self._attempt(
                lambda: services.time_entry_write_off(
                    entry=entry,
                    actor=self.users[role],
                    billable_seconds=entry.worked_seconds * share // 100,
                    reason="goodwill",
                )
            )

    @rule(role=st.sampled_from(ROLES), index=st.integers(0, 10))
    def reopen(self, role: str, index: int) -> None:
        sub = self._pick(self._submissions(), index)
        if sub is not None:
            self._attempt(
                lambda: services.submission_reopen(
                    submission=sub, actor=self.users[role], reason="second look"
                )
            )

    @rule(index=st.integers(0, 20))
    def invoice_entry(self, index: int) -> None:
        """What an invoice run does: claim approved, uninvoiced time with a guarded update."""
        entry = self._pick(self._entries(), index)
        if entry is None or entry.state != EntryState.APPROVED or entry.invoice_line_id:
            return
        invoice = Invoice.objects.create(
            client=self.ticket.client,
            currency="GBP",
            tax_rate=Decimal("20"),
            period_end=MONDAY + dt.timedelta(days=6),
        )
        line = InvoiceLine.objects.create(
            invoice=invoice,
            description="time",
            quantity=Decimal("1"),
            rate=Decimal("90"),
            amount=Decimal("0"),
        )
        TimeEntry.objects.filter(
            pk=entry.pk, state=EntryState.APPROVED, invoice_line__isnull=True
        ).update(invoice_line=line)

    # --- what must always hold ---

    @invariant()
    def locked_time_changes_only_through_an_audited_reopen(self) -> None:
        after = _snapshot()
        new_rows = AuditEntry.objects.filter(object_type=LABEL)
        if self.audit_mark is not None:
            new_rows = new_rows.filter(id__gt=self.audit_mark)
        reopened = {
            int(row.object_id)
            for row in new_rows.filter(action="time_entry.reopen").select_related("actor")
            if row.reason and row.actor_id != self.agent.pk
        }
        state_at = ENTRY_FIELDS.index("state")
        invoiced_at = ENTRY_FIELDS.index("invoice_line_id")
        for pk, old in self.before.items():
            new = after.get(pk)
            if old[invoiced_at] is not None:
                assert new == old, f"invoiced entry {pk} changed"
            elif old[state_at] == EntryState.APPROVED and new != old:
                # The only allowed change is the claim by an invoice run.
                claimed = new is not None and new[:invoiced_at] == old[:invoiced_at]
                assert claimed or pk in reopened, f"approved entry {pk} changed without reopen"
        self.before = after
        self.audit_mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    @invariant()
    def nobody_approves_their_own_time(self) -> None:
        assert not Submission.objects.filter(decided_by=self.agent, agent=self.agent).exists()
        approvals = AuditEntry.objects.filter(
            object_type=LABEL, action="time_entry.approve", actor=self.agent
        )
        assert not approvals.exists()

    @invariant()
    def entries_agree_with_their_submission(self) -> None:
        for entry in TimeEntry.objects.filter(agent=self.agent).select_related("submission"):
            if entry.state in (EntryState.SUBMITTED, EntryState.APPROVED):
                assert entry.submission is not None
                assert entry.submission.state == entry.state, (entry.pk, entry.state)
            if entry.invoice_line_id:
                assert entry.state == EntryState.APPROVED
        for sub in Submission.objects.filter(agent=self.agent, state=SubmissionState.APPROVED):
            assert sub.decided_by_id not in (None, self.agent.pk)


ApprovalMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.slow
@pytest.mark.django_db
def test_approval_state_machine(org) -> None:
    ApprovalMachine.TestCase().runTest()
