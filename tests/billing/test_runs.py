"""Invoice runs: what is billed, how it is grouped and priced, and that nothing bills twice."""

import datetime as dt
from decimal import Decimal

import pytest

from tallyhour.billing.invoices import invoice_issue, invoice_void
from tallyhour.billing.models import Invoice, InvoiceLine, InvoiceRun, InvoiceState, RunState
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.billing.selectors import billable_groups, invoice_get, invoices_visible_to
from tallyhour.core.audit import history_for
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tallyhour.core.models import AuditEntry
from tallyhour.timetracking.models import EntryState, TimeEntry
from tests.billing.entries import approved
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, ClientFactory, TicketFactory

pytestmark = pytest.mark.django_db

SUNDAY = MONDAY + dt.timedelta(days=6)
MIN = 60


def run(actor, cut_off=SUNDAY, **kwargs):
    return invoice_run_execute(cut_off=cut_off, actor=actor, commit=True, **kwargs)


def written_rows() -> tuple[int, ...]:
    return (
        Invoice.objects.count(),
        InvoiceLine.objects.count(),
        InvoiceRun.objects.count(),
        AuditEntry.objects.count(),
        TimeEntry.objects.exclude(invoice_line=None).count(),
    )


@pytest.fixture
def onsite(db):
    return ChargeTypeFactory(name="On-site", hourly_rate=Decimal("120.00"))


@pytest.fixture
def worked_week(engineer, client_acme, ticket, remote_support, onsite):
    """Acme (GBP, 20 %): ticket 1 remote 60 + 30 min and on-site 20 min; ticket 2 remote 10 min.
    Beta (EUR, 21 %): ticket 3 remote 45 min."""
    beta = ClientFactory(name="Beta GmbH", currency="EUR", tax_rate=Decimal("21.00"))
    second = TicketFactory(client=client_acme, summary="VPN", charge_type=remote_support)
    third = TicketFactory(client=beta, summary="Backup", charge_type=remote_support)
    entries = [
        approved(engineer, ticket, at(MONDAY, 9), 60 * MIN),
        approved(engineer, ticket, at(MONDAY, 11), 30 * MIN),
        approved(engineer, ticket, at(MONDAY, 13), 20 * MIN, charge_type=onsite),
        approved(engineer, second, at(MONDAY, 14), 10 * MIN),
        approved(engineer, third, at(MONDAY, 15), 45 * MIN),
    ]
    return {
        "acme": client_acme,
        "beta": beta,
        "tickets": (ticket, second, third),
        "entries": entries,
    }


def test_preview_writes_nothing(worked_week, billing):
    before = written_rows()
    result = invoice_run_execute(cut_off=SUNDAY, actor=billing)
    assert result.run is None and result.invoices == []
    assert written_rows() == before
    acme, beta = result.previews
    assert (acme.client, beta.client) == (worked_week["acme"], worked_week["beta"])
    assert [(line.seconds, line.rate, line.amount, line.entries) for line in acme.lines] == [
        (5400, Decimal("90.00"), Decimal("135.00"), 2),
        (1200, Decimal("120.00"), Decimal("39.60"), 1),  # 20 min is 0.33 h
        (600, Decimal("90.00"), Decimal("15.30"), 1),  # 10 min is 0.17 h
    ]
    assert (acme.seconds, acme.subtotal, acme.entries) == (7200, Decimal("189.90"), 4)
    assert [line.quantity for line in acme.lines] == [
        Decimal("1.50"),
        Decimal("0.33"),
        Decimal("0.17"),
    ]
    assert (
        acme.lines[0].description == f"#{worked_week['tickets'][0].pk} Printer offline — "
        "Remote support"
    )


def test_commit_makes_one_draft_per_client(worked_week, billing, remote_support, onsite):
    result = run(billing, idempotency_key=None)
    acme_invoice, beta_invoice = result.invoices
    ticket, second, third = worked_week["tickets"]

    assert (acme_invoice.client, acme_invoice.state, acme_invoice.currency) == (
        worked_week["acme"],
        InvoiceState.DRAFT,
        "GBP",
    )
    assert (acme_invoice.period_end, acme_invoice.run, acme_invoice.number) == (
        SUNDAY,
        result.run,
        None,
    )
    lines = [
        (line.ticket, line.charge_type, line.billed_seconds, line.quantity, line.rate, line.amount)
        for line in acme_invoice.lines.order_by("id")
    ]
    assert lines == [
        (ticket, remote_support, 5400, Decimal("1.50"), Decimal("90.00"), Decimal("135.00")),
        (ticket, onsite, 1200, Decimal("0.33"), Decimal("120.00"), Decimal("39.60")),
        (second, remote_support, 600, Decimal("0.17"), Decimal("90.00"), Decimal("15.30")),
    ]
    assert (acme_invoice.subtotal, acme_invoice.tax_amount, acme_invoice.total) == (
        Decimal("189.90"),
        Decimal("37.98"),
        Decimal("227.88"),
    )
    # €90/h × 45 min = €67.50; 21 % of it is 14.175, which rounds half-up to 14.18.
    assert (
        beta_invoice.currency,
        beta_invoice.subtotal,
        beta_invoice.tax_amount,
        beta_invoice.total,
    ) == ("EUR", Decimal("67.50"), Decimal("14.18"), Decimal("81.68"))

    first_line = acme_invoice.lines.order_by("id").first()
    assert set(first_line.entries.all()) == set(worked_week["entries"][:2])
    assert result.run.state == RunState.COMPLETED
    assert (result.run.invoice_count, result.run.entry_count) == (2, 5)
    assert history_for(acme_invoice).get().action == "invoice.create"
    assert history_for(result.run).get().actor == billing


def test_jpy_client_rounds_to_whole_yen(engineer, billing):
    yen = ChargeTypeFactory(name="Support JP", hourly_rate=Decimal("5000"))
    client = ClientFactory(name="Tokyo KK", currency="JPY", tax_rate=Decimal("10.00"))
    ticket = TicketFactory(client=client, charge_type=yen)
    approved(engineer, ticket, at(MONDAY, 9), 50 * MIN)
    [invoice] = run(billing).invoices
    # 50 min is 0.83 h; ¥5000 × 0.83 = ¥4150; tax 10 % = ¥415.
    [line] = invoice.lines.all()
    assert (line.quantity, line.amount) == (Decimal("0.83"), Decimal("4150"))
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (
        Decimal("4150"),
        Decimal("415"),
        Decimal("4565"),
    )


def test_quantity_and_amount_round_half_up_once_per_line(engineer, billing, client_acme):
    ten = ChargeTypeFactory(name="Ten an hour", hourly_rate=Decimal("10.00"))
    odd = ChargeTypeFactory(name="Odd rate", hourly_rate=Decimal("10.25"))
    client_acme.tax_rate = Decimal("12.50")
    client_acme.save()
    ticket = TicketFactory(client=client_acme, charge_type=odd)
    other = TicketFactory(client=client_acme, charge_type=ten)
    approved(engineer, ticket, at(MONDAY, 9), 30 * MIN)  # 0.50 h × £10.25 = £5.125
    for hour in (11, 12, 13):
        approved(engineer, other, at(MONDAY, hour), 18)  # 0.005 h each

    [invoice] = run(billing).invoices

    lines = list(invoice.lines.order_by("id").values_list("billed_seconds", "quantity", "amount"))
    # £5.125 → £5.13 (half-up; half-even would give £5.12). The three 18 s entries form one
    # line of 54 s = 0.015 h → 0.02 h (£0.20), not 3 × 0.01 h (£0.30): time is rounded to a
    # quantity once per line, and the amount is that quantity × the rate, rounded once.
    assert lines == [
        (1800, Decimal("0.50"), Decimal("5.13")),
        (54, Decimal("0.02"), Decimal("0.20")),
    ]
    # Subtotal £5.33 at 12.5 % is £0.66625 → £0.67.
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (
        Decimal("5.33"),
        Decimal("0.67"),
        Decimal("6.00"),
    )


def test_tenths_of_an_hour_when_the_organisation_chooses_them(org, engineer, billing, ticket):
    org.invoice_hours_places = 1
    org.save()
    approved(engineer, ticket, at(MONDAY, 9), 40 * MIN)
    [invoice] = run(billing).invoices
    line = invoice.lines.get()
    assert (line.billed_seconds, line.quantity, line.amount) == (
        2400,
        Decimal("0.7"),
        Decimal("63.00"),
    )


def test_tax_is_on_the_subtotal(engineer, billing, client_acme):
    # Per-line tax would be 2 × round(£0.15 × 10 %) = 2 × £0.02; on the subtotal: £0.03.
    fifteen = ChargeTypeFactory(name="Fifteen", hourly_rate=Decimal("15.00"))
    client_acme.tax_rate = Decimal("10.00")
    client_acme.save()
    approved(engineer, TicketFactory(client=client_acme, charge_type=fifteen), at(MONDAY, 9), 36)
    approved(engineer, TicketFactory(client=client_acme, charge_type=fifteen), at(MONDAY, 10), 36)
    [invoice] = run(billing).invoices
    assert (invoice.subtotal, invoice.tax_amount) == (Decimal("0.30"), Decimal("0.03"))


def test_only_approved_billable_uninvoiced_time_to_the_cut_off(engineer, billing, ticket, internal):
    billed = approved(engineer, ticket, at(MONDAY, 9), 30 * MIN)
    skipped = [
        approved(engineer, ticket, at(MONDAY, 10), 600, charge_type=internal),  # non-billable
        approved(engineer, ticket, at(MONDAY, 11), 600, is_billable=False),  # flagged off
        approved(
            engineer, ticket, at(MONDAY, 12), 600, billable_seconds=0, write_off_reason="goodwill"
        ),  # written off completely
        approved(engineer, ticket, at(MONDAY, 13), 600, state=EntryState.DRAFT),
        approved(engineer, ticket, at(MONDAY, 14), 600, state=EntryState.SUBMITTED),
        approved(engineer, ticket, at(MONDAY, 15), 600, state=EntryState.REJECTED),
        approved(engineer, ticket, at(SUNDAY + dt.timedelta(days=1), 0), 600),  # after cut-off
    ]
    activity = approved(engineer, ticket, at(MONDAY, 16), 600)
    TimeEntry.objects.filter(pk=activity.pk).update(ticket=None)  # no ticket, no client
    [invoice] = run(billing).invoices
    [line] = invoice.lines.all()
    assert list(line.entries.all()) == [billed]
    assert line.amount == Decimal("45.00")
    assert (
        not TimeEntry.objects.filter(pk__in=[e.pk for e in skipped + [activity]])
        .exclude(invoice_line=None)
        .exists()
    )


def test_written_down_time_bills_billable_seconds_not_worked(engineer, billing, ticket):
    entry = approved(
        engineer,
        ticket,
        at(MONDAY, 9),
        60 * MIN,
        billable_seconds=40 * MIN,
        write_off_reason="learning curve",
    )
    [invoice] = run(billing).invoices
    # 40 billable minutes are 0.67 h at £90.
    assert invoice.lines.get().amount == Decimal("60.30")
    entry.refresh_from_db()
    assert (entry.worked_seconds, entry.billable_seconds) == (3600, 2400)


def test_cut_off_is_the_end_of_the_day_in_the_organisations_zone(org, engineer, billing, ticket):
    org.timezone = "Pacific/Auckland"  # UTC+13 in November: Monday ends at 11:00 UTC
    org.save()
    inside = approved(engineer, ticket, at(MONDAY, 10, 59), 60)
    outside = approved(engineer, ticket, at(MONDAY, 11), 60)
    [invoice] = run(billing, cut_off=MONDAY).invoices
    assert list(TimeEntry.objects.filter(invoice_line__invoice=invoice)) == [inside]
    outside.refresh_from_db()
    assert outside.invoice_line is None


def test_client_filter(worked_week, billing):
    result = run(billing, client_ids=[worked_week["beta"].pk])
    [invoice] = result.invoices
    assert invoice.client == worked_week["beta"]
    assert result.run.client_ids == [worked_week["beta"].pk]
    assert TimeEntry.objects.filter(invoice_line=None).count() == 4
    assert [i.client for i in run(billing).invoices] == [worked_week["acme"]]


def test_unknown_client_is_invalid_and_writes_nothing(worked_week, billing):
    before = written_rows()
    with pytest.raises(InvalidInput) as caught:
        run(billing, client_ids=[worked_week["acme"].pk, 999_999])
    assert caught.value.fields == {"client_ids": [999_999]}
    assert written_rows() == before


def test_rerun_bills_nothing(worked_week, billing):
    first = run(billing)
    again = run(billing)
    assert again.invoices == [] and again.previews == []
    assert (again.run.invoice_count, again.run.entry_count) == (0, 0)
    assert Invoice.objects.count() == len(first.invoices) == 2


def test_rerun_bills_only_new_time(worked_week, billing, engineer):
    run(billing)
    late = approved(engineer, worked_week["tickets"][0], at(MONDAY, 17), 30 * MIN)
    [invoice] = run(billing).invoices
    assert list(TimeEntry.objects.filter(invoice_line__invoice=invoice)) == [late]
    assert invoice.total == Decimal("54.00")


def test_idempotency_key_returns_the_first_run(worked_week, billing, engineer):
    first = run(billing, idempotency_key="nov-week-47")
    approved(engineer, worked_week["tickets"][0], at(MONDAY, 17), 30 * MIN)
    again = run(billing, idempotency_key="nov-week-47")
    assert again.run.pk == first.run.pk
    assert {i.pk for i in again.invoices} == {i.pk for i in first.invoices}
    assert InvoiceRun.objects.count() == 1
    assert TimeEntry.objects.filter(invoice_line=None).count() == 1  # the late entry waits
    dry = invoice_run_execute(cut_off=SUNDAY, actor=billing, idempotency_key="nov-week-47")
    assert dry.run.pk == first.run.pk


def test_idempotency_key_finishes_an_interrupted_run(worked_week, billing):
    # A run that was killed after it started: its row exists, still marked running.
    stale = InvoiceRun.objects.create(
        cut_off=SUNDAY,
        client_ids=[worked_week["beta"].pk],
        idempotency_key="retry-me",
        started_by=billing,
        started_at=at(SUNDAY, 23),
    )
    result = run(billing, cut_off=MONDAY, idempotency_key="retry-me")
    assert result.run.pk == stale.pk
    stale.refresh_from_db()
    assert (stale.state, stale.invoice_count, stale.entry_count) == (RunState.COMPLETED, 1, 1)
    [invoice] = result.invoices
    assert invoice.client == worked_week["beta"]  # the first attempt's filter and cut-off hold


def test_void_releases_time_for_the_next_run(worked_week, billing):
    acme_invoice, _ = run(billing).invoices
    acme_entries = set(TimeEntry.objects.filter(invoice_line__invoice=acme_invoice))
    with pytest.raises(InvalidInput) as caught:
        invoice_void(invoice=acme_invoice, actor=billing, reason=" ")
    assert caught.value.fields == {"reason": "required"}

    voided = invoice_void(invoice=acme_invoice, actor=billing, reason="Wrong rate")
    assert voided.state == InvoiceState.VOID
    assert not TimeEntry.objects.filter(invoice_line__invoice=acme_invoice).exists()
    assert acme_invoice.lines.count() == 3  # the void keeps its lines as a record
    row = history_for(acme_invoice).last()
    assert (row.action, row.reason, row.after["released_entries"]) == (
        "invoice.void",
        "Wrong rate",
        4,
    )

    [rebilled] = run(billing).invoices
    assert rebilled.pk != acme_invoice.pk and rebilled.total == Decimal("227.88")
    assert set(TimeEntry.objects.filter(invoice_line__invoice=rebilled)) == acme_entries
    with pytest.raises(Conflict):
        invoice_void(invoice=voided, actor=billing, reason="again")


def test_issued_invoice_cannot_be_voided(worked_week, billing):
    invoice = invoice_issue(invoice=run(billing).invoices[0], actor=billing, now=at(SUNDAY, 12))
    with pytest.raises(Conflict, match="credit note"):
        invoice_void(invoice=invoice, actor=billing, reason="oops")
    assert TimeEntry.objects.filter(invoice_line__invoice=invoice).count() == 4


@pytest.mark.parametrize("role", ["engineer", "approver"])
def test_billing_is_for_billing_users(worked_week, role, request):
    actor = request.getfixturevalue(role)
    before = written_rows()
    with pytest.raises(Forbidden):
        invoice_run_execute(cut_off=SUNDAY, actor=actor)
    with pytest.raises(Forbidden):
        run(actor)
    with pytest.raises(Forbidden):
        invoices_visible_to(actor)
    assert written_rows() == before


def test_admin_may_bill(worked_week, admin):
    assert len(run(admin).invoices) == 2


def test_billable_groups_and_invoice_get(worked_week, billing):
    groups = billable_groups(SUNDAY)
    assert [(g["seconds"], g["entries"]) for g in groups] == [
        (5400, 2),
        (1200, 1),
        (600, 1),
        (2700, 1),
    ]
    invoice = run(billing).invoices[0]
    fetched = invoice_get(actor=billing, invoice_id=invoice.pk)
    assert [line.entry_count for line in fetched.lines.all()] == [2, 1, 1]
    with pytest.raises(NotFound):
        invoice_get(actor=billing, invoice_id=999_999)
