"""bench/seed: a tiny dataset is deterministic, consistent and quick to build."""

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from bench.seed.__main__ import main as seed_main
from bench.seed.options import SeedOptions
from bench.seed.seeder import seed
from tallyhour.accounts.models import Leave, User
from tallyhour.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceState,
    LineTime,
)
from tallyhour.contracts.models import Contract, ContractKind, PrepayEntry
from tallyhour.core.money import round_money
from tallyhour.servicedesk.models import Action
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import EntryState, TimeEntry

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
TINY = SeedOptions(agents=3, clients=5, days=100, seed=7, end=dt.date(2026, 3, 18),
                   uninvoiced_days=20)  # fmt: skip


def digest() -> str:
    """The dataset by natural values (names, times, amounts), so database ids do not matter."""
    rows = [
        *TimeEntry.objects.order_by("agent__username", "started_at").values_list(
            "agent__username", "ticket__client__name", "ticket__summary", "charge_type__name",
            "started_at", "ended_at", "worked_seconds", "billable_seconds", "state", "source",
            "submission__state", "invoice_line__invoice__number", "invoice_line__amount",
        ),
        *Invoice.objects.order_by("number").values_list("number", "client__name", "total"),
        *Leave.objects.order_by("agent__user__username", "first_day").values_list(
            "agent__user__username", "first_day", "last_day"
        ),
    ]  # fmt: skip
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture
def tiny():
    report = seed(TINY)
    connection.check_constraints()  # deferred foreign keys hold
    return report


def test_same_seed_gives_same_rows_and_another_seed_does_not():
    digests = []
    for options in (TINY, TINY, SeedOptions(**{**TINY.__dict__, "seed": 8})):
        with transaction.atomic():
            seed(options)
            digests.append(digest())
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_tiny_seed_is_quick_and_covers_every_state(tiny):
    assert tiny.seconds < 15
    assert tiny.entries == TimeEntry.objects.count() > 500
    assert set(TimeEntry.objects.values_list("state", flat=True)) == set(EntryState.values)
    assert {InvoiceState.ISSUED, InvoiceState.PAID} <= set(
        Invoice.objects.values_list("state", flat=True)
    )
    assert Leave.objects.exists()
    assert Action.objects.filter(time_entry__isnull=False).exists()
    assert TimeEntry.objects.filter(ticket__isnull=True, is_billable=False).exists()
    approved_waiting = TimeEntry.objects.filter(
        state=EntryState.APPROVED, is_billable=True, invoice_line__isnull=True
    )
    assert approved_waiting.exists()  # for the next invoice run


def test_invoices_add_up_and_every_billed_entry_sits_on_one_line(tiny):
    billed = TimeEntry.objects.filter(invoice_line__isnull=False)
    assert billed.exists()
    assert not billed.exclude(state=EntryState.APPROVED).exists()
    assert not billed.filter(is_billable=False).exists()
    times = {t.entry_id: t for t in LineTime.objects.all()}
    for entry in billed:
        assert times[entry.pk].line_id == entry.invoice_line_id
        assert times[entry.pk].seconds == entry.billable_seconds
    assert len(times) == billed.count()
    for line in InvoiceLine.objects.exclude(kind="fee"):
        assert line.billed_seconds == sum(t.seconds for t in line.times.all())
        # Seeded invoices are issued or paid: every line time counts, with its money share.
        assert all(t.billed for t in line.times.all())
        shares = sum(t.micros for t in line.times.all())
        assert abs(Decimal(shares) / 1_000_000 - line.amount) < Decimal("0.00001")
    for invoice in Invoice.objects.all():
        subtotal = invoice.lines.aggregate(s=Sum("amount"))["s"]
        assert invoice.subtotal == subtotal
        assert invoice.tax_amount == round_money(subtotal * invoice.tax_rate / 100, "GBP")
        assert invoice.total == invoice.subtotal + invoice.tax_amount


def test_issued_numbers_are_gapless_per_year(tiny):
    by_year = defaultdict(list)
    for year, number in Invoice.objects.exclude(state=InvoiceState.DRAFT).values_list(
        "number_year", "number_sequence"
    ):
        by_year[year].append(number)
    assert by_year
    for year, numbers in by_year.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert InvoiceNumberSequence.objects.get(year=year).last_number == len(numbers)


def test_contracts_of_every_kind_and_prepay_never_overdrawn():
    seed(SeedOptions(**{**TINY.__dict__, "clients": 60}))
    assert set(Contract.objects.values_list("kind", flat=True)) == set(ContractKind.values)
    for contract in Contract.objects.filter(kind=ContractKind.PREPAY):
        balance = PrepayEntry.objects.filter(contract=contract).aggregate(s=Sum("seconds"))["s"]
        assert balance > 0


def test_time_is_worked_on_working_days_without_overlaps(tiny):
    leave = defaultdict(set)
    for item in Leave.objects.all():
        day = item.first_day
        while day <= item.last_day:
            leave[item.agent_id].add(day)
            day += dt.timedelta(days=1)
    last_end: dict[int, dt.datetime] = {}
    for entry in TimeEntry.objects.select_related("agent__agent").order_by("agent", "started_at"):
        local = entry.started_at.astimezone(ZoneInfo(entry.agent.agent.timezone))
        assert local.weekday() < 5
        assert local.date() not in leave[entry.agent_id]
        assert local.date() == entry.ended_at.astimezone(local.tzinfo).date()
        assert entry.agent_id not in last_end or last_end[entry.agent_id] <= entry.started_at
        last_end[entry.agent_id] = entry.ended_at


def test_submissions_hold_their_weeks_entries(tiny):
    submissions = Submission.objects.all()
    assert set(submissions.values_list("state", flat=True)) >= {"approved", "submitted"}
    for submission in submissions:
        entries = list(submission.entries.all())
        assert entries
        assert {e.state for e in entries} == {submission.state}
        assert submission.total_seconds == sum(e.worked_seconds for e in entries)
        assert submission.decided_by_id != submission.agent_id
    assert not TimeEntry.objects.filter(state=EntryState.DRAFT, submission__isnull=False).exists()


def test_nobody_approves_their_own_time(tiny):
    for user in User.objects.filter(agent__isnull=False).select_related("agent"):
        assert user.agent.timesheet_approver_id != user.pk


def test_command_line_prints_counts_and_its_time(capsys):
    seed_main(["--agents=2", "--clients=2", "--days=21", "--end=2026-03-18", "--seed=3"])
    out = capsys.readouterr().out
    assert "timetracking_timeentry" in out
    assert "time entries in" in out
    assert Counter(User.objects.values_list("role", flat=True))["billing"] == 1
