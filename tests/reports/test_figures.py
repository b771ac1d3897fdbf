"""Hand-worked figures for a small week: a bank holiday, a day's leave, a running timer, a
write-off, part of the time invoiced and an agent in New York.

Week of Monday 31 Aug 2026; Monday is the English summer bank holiday.
- engineer (London, cost £30/h, Mon–Fri 8 h): Tue 4 h billable (invoiced at £90/h), Tue 2 h
  internal, Wed 3 h billable of which 1 h is written off (approved, not invoiced), Friday on
  leave; a billable timer runs from Thu 09:00 and it is Thu 12:30 now (both London time).
- other_engineer (New York, US holidays, no cost rate): 1 h on Mon 31 Aug 23:00 local
  (Tue 03:00 UTC) and 1 h on Sun 6 Sep 22:00 local (Mon 7 Sep 02:00 UTC), both in the week.
"""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.accounts.models import Leave
from tallyhour.billing.invoices import invoice_credit, invoice_issue
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.reports.selectors.missed_hours import missed_hours
from tallyhour.reports.selectors.profitability import profitability
from tallyhour.reports.selectors.utilisation import utilisation_for
from tallyhour.timesheets.services import (
    submission_approve,
    submission_submit,
    time_entry_write_off,
)
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tests.factories import ClientFactory, TicketFactory

pytestmark = pytest.mark.django_db

HOUR = 3600
MONDAY = dt.date(2026, 8, 31)
SUNDAY = MONDAY + dt.timedelta(days=6)
NOW = dt.datetime(2026, 9, 3, 11, 30, tzinfo=dt.UTC)  # Thu 12:30 in London (BST)


def bst(day: int, hour: int) -> dt.datetime:
    """A London wall-clock time in that week (BST, UTC+1)."""
    return dt.datetime(2026, 9 if day < 31 else 8, day, hour - 1, tzinfo=dt.UTC)


@pytest.fixture
def week(engineer, other_engineer, approver, billing, ticket, internal, time_machine):
    time_machine.move_to(dt.datetime(2026, 9, 3, 8, tzinfo=dt.UTC), tick=False)
    engineer.agent.cost_rate = Decimal("30.00")
    engineer.agent.save()
    ny = other_engineer.agent
    ny.timezone, ny.holiday_country, ny.holiday_subdivision = "America/New_York", "US", ""
    ny.save()
    Leave.objects.create(
        agent=engineer.agent, first_day=dt.date(2026, 9, 4), last_day=dt.date(2026, 9, 4)
    )

    def log(agent, start, minutes, **kwargs):
        return time_entry_create(
            agent=agent, actor=agent, started_at=start, duration_minutes=minutes, **kwargs
        )

    tuesday = log(engineer, bst(1, 9), 240, ticket=ticket)
    log(engineer, bst(1, 14), 120, charge_type=internal)
    wednesday = log(engineer, bst(2, 9), 180, ticket=ticket)
    log(other_engineer, dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC), 60, ticket=ticket)
    log(other_engineer, dt.datetime(2026, 9, 7, 2, tzinfo=dt.UTC), 60, ticket=ticket)

    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    wednesday.refresh_from_db()
    time_entry_write_off(
        entry=wednesday, actor=approver, billable_seconds=2 * HOUR, reason="Learning time"
    )
    submission.refresh_from_db()
    submission_approve(submission=submission, actor=approver)
    [invoice] = invoice_run_execute(
        cut_off=dt.date(2026, 9, 1), actor=billing, commit=True
    ).invoices
    invoice_issue(invoice=invoice, actor=billing)
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=bst(3, 9))
    tuesday.refresh_from_db()
    return invoice


def by_id(rows):
    return {row.agent_id: row for row in rows}


def test_utilisation_figures(week, engineer, other_engineer, billing):
    rows = by_id(utilisation_for(actor=billing, start=MONDAY, end=SUNDAY, now=NOW))
    london = rows[engineer.pk]
    # Available: 5 × 8 h, less the bank holiday and Friday's leave.
    assert london.available_seconds == 24 * HOUR
    # Logged: 4 + 2 + 3 h of entries and 3.5 h of the running timer (09:00–12:30).
    assert london.logged_seconds == 9 * HOUR + int(3.5 * HOUR)
    assert london.billable_seconds == 7 * HOUR + int(3.5 * HOUR)  # write-offs do not count
    assert london.non_billable_seconds == 2 * HOUR
    assert london.utilisation == Decimal("0.4375")  # 10.5 / 24
    assert london.logged_ratio == Decimal("0.5208")  # 12.5 / 24
    assert london.headroom_seconds == int(11.5 * HOUR)
    assert not london.over_capacity and london.band == "under"
    # Billed: only Tuesday's 4 h went on an issued invoice, at £90/h.
    assert london.billed_seconds == 4 * HOUR
    assert london.revenue == {"GBP": Decimal("360.00")}

    new_york = rows[other_engineer.pk]
    assert new_york.available_seconds == 40 * HOUR  # US calendar: no holiday that week
    assert new_york.logged_seconds == 2 * HOUR  # both entries fall in the week in New York


def test_credit_note_takes_revenue_back(week, engineer, billing):
    invoice_credit(invoice=week, actor=billing, reason="Disputed")
    row = by_id(utilisation_for(actor=billing, start=MONDAY, end=SUNDAY, now=NOW))[engineer.pk]
    assert (row.billed_seconds, row.revenue) == (0, {})


def test_money_is_hidden_from_approvers(week, engineer, approver):
    row = by_id(utilisation_for(actor=approver, start=MONDAY, end=SUNDAY, now=NOW))[engineer.pk]
    assert row.billed_seconds == 4 * HOUR and row.revenue == {}


def test_missed_hours_figures(week, engineer, other_engineer, billing, client_acme):
    report = missed_hours(actor=billing, start=MONDAY, end=SUNDAY, now=NOW)
    gaps = {(g.agent_id, g.day): g.gap_seconds for g in report.gaps}
    # London: Monday is a holiday; Tue 6 of 8 h; Wed 3 of 8 h; Thursday is today.
    assert gaps[(engineer.pk, dt.date(2026, 9, 1))] == 2 * HOUR
    assert gaps[(engineer.pk, dt.date(2026, 9, 2))] == 5 * HOUR
    assert (engineer.pk, MONDAY) not in gaps
    # New York: Monday's hour, then nothing on Tuesday and Wednesday.
    assert gaps[(other_engineer.pk, MONDAY)] == 7 * HOUR
    assert gaps[(other_engineer.pk, dt.date(2026, 9, 2))] == 8 * HOUR
    # Wednesday's 2 billable hours are approved and not invoiced: £180 at £90/h.
    [unbilled] = report.unbilled
    assert (unbilled.name, unbilled.seconds, unbilled.value) == (
        client_acme.name,
        2 * HOUR,
        {"GBP": Decimal("180.00")},
    )
    [by_client] = report.write_offs_by_client
    assert (by_client.seconds, by_client.value) == (HOUR, {"GBP": Decimal("90.00")})
    [by_agent] = report.write_offs_by_agent
    assert (by_agent.key, by_agent.seconds, by_agent.entries) == (engineer.pk, HOUR, 1)
    assert report.late_weeks == []  # the deadline has not passed yet


def test_late_weeks_after_the_deadline(week, engineer, other_engineer, billing):
    later = dt.datetime(2026, 9, 9, 12, tzinfo=dt.UTC)  # deadline: Sunday + 2 days
    report = missed_hours(actor=billing, start=MONDAY, end=SUNDAY, now=later)
    late = {w.agent_id: w for w in report.late_weeks}
    assert engineer.pk not in late  # submitted and approved
    assert late[other_engineer.pk].unsubmitted_seconds == 2 * HOUR
    # The timer has run for days: it is listed for review.
    assert [t.agent_id for t in report.running_long] == [engineer.pk]


def test_profitability_figures(week, engineer, other_engineer, billing, client_acme):
    report = profitability(actor=billing, start=MONDAY, end=SUNDAY)
    agents = {row.key: row for row in report.agents}
    london = agents[engineer.pk]
    assert (london.worked_seconds, london.billed_seconds) == (9 * HOUR, 4 * HOUR)
    assert london.revenue == {"GBP": Decimal("360.00")}
    assert london.cost == Decimal("270.00")  # 9 h × £30
    assert london.margin == Decimal("90.00")
    assert london.effective_rate == {"GBP": Decimal("40.00")}  # £360 / 9 h
    [acme] = report.clients
    assert acme.key == client_acme.pk
    # 7 h of London's ticket work + New York's 2 h; only London's time costs anything.
    assert (acme.worked_seconds, acme.billed_seconds) == (9 * HOUR, 4 * HOUR)
    assert (acme.cost, acme.margin) == (Decimal("210.00"), Decimal("150.00"))
    assert acme.effective_rate == {"GBP": Decimal("40.00")}


def test_revenue_kept_per_currency(engineer, approver, billing, ticket, time_machine):
    """One engineer billed to a pound client and a euro client: revenue per currency, never
    added across them (both databases group by agent and billed currency)."""
    time_machine.move_to(dt.datetime(2026, 9, 10, 8, tzinfo=dt.UTC), tick=False)
    euro_ticket = TicketFactory(
        client=ClientFactory(currency="EUR"), charge_type=ticket.charge_type
    )
    for day, hours, on in ((1, 2, ticket), (2, 3, euro_ticket)):
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=bst(day, 9),
            duration_minutes=60 * hours,
            ticket=on,
        )
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    invoices = invoice_run_execute(cut_off=SUNDAY, actor=billing, commit=True).invoices
    # Asked before anything is issued, then after: no currency is remembered between calls.
    before = by_id(utilisation_for(actor=billing, start=MONDAY, end=SUNDAY, now=NOW))
    assert before[engineer.pk].revenue == {}
    for invoice in invoices:
        invoice_issue(invoice=invoice, actor=billing)
    row = by_id(utilisation_for(actor=billing, start=MONDAY, end=SUNDAY, now=NOW))[engineer.pk]
    assert row.billed_seconds == 5 * HOUR
    assert row.revenue == {invoice.currency: invoice.subtotal for invoice in invoices}
    assert sorted(row.revenue) == ["EUR", "GBP"]
