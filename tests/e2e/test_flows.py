"""The engineer, approver and billing flows end to end in a real browser."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tallyhour.billing.models import Invoice
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState
from tests.e2e.conftest import next_wednesday_morning, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def add_action(page, body: str, time: str = "", status: str = "") -> None:  # noqa: ANN001
    """Write an action; its time is what the timer offers unless `time` is typed."""
    form = page.locator("#compose form")
    form.locator("textarea[name=body]").fill(body)
    if time:
        form.get_by_label("Time").fill(time)
    if status:
        form.get_by_label("Status").select_option(label=status)
    form.get_by_role("button", name="Add action").click()
    page.wait_for_load_state("networkidle")


def test_log_submit_return_fix_approve_invoice_and_report(
    new_page, live_server, engineer, approver, billing, ticket, time_machine
):
    url = live_server.url
    time_machine.move_to(next_wednesday_morning(), tick=False)
    ticket.assignee = engineer
    ticket.save()
    # Engineer: opening their ticket starts its timer; each action logs what it counted.
    eng = new_page(engineer)
    eng.goto(f"{url}/tickets/{ticket.pk}/")
    expect(eng.locator("#header-timer .header-timer")).to_be_visible()
    assert Timer.objects.filter(agent=engineer, ticket=ticket, state=TimerState.RUNNING).exists()
    shot(eng, "flow-1-ticket-timer-running")
    time_machine.shift(dt.timedelta(minutes=90))
    add_action(eng, "Replaced the fuser unit")
    time_machine.shift(dt.timedelta(minutes=20))
    add_action(eng, "Called the user to confirm")
    time_machine.shift(dt.timedelta(minutes=10))
    add_action(eng, "All printing again", status="Closed")
    assert not Timer.objects.filter(agent=engineer, state=TimerState.RUNNING).exists()
    assert sorted(TimeEntry.objects.values_list("worked_seconds", flat=True)) == [600, 1200, 5400]
    shot(eng, "flow-2-ticket-closed")

    eng.goto(f"{url}/")
    assert eng.get_by_text("Replaced the fuser unit").first.is_visible()
    eng.locator("#submit-comment").fill("Rest of the week on leave")
    eng.get_by_role("button", name=re.compile("^Submit")).click()  # the week up to today
    eng.wait_for_load_state("networkidle")
    assert set(TimeEntry.objects.values_list("state", flat=True)) == {"submitted"}
    shot(eng, "flow-3-week-submitted")

    # Approver: return one entry with a reason, approve the rest.
    wrong = TimeEntry.objects.get(worked_seconds=1200)
    boss = new_page(approver)
    boss.goto(f"{url}/approvals/")
    # The queue is one row per submission; its entries are on the submission's own page.
    boss.get_by_role("link", name=re.compile("^Entries")).click()
    boss.wait_for_url("**/approvals/*/")
    card = (
        boss.locator("article, section, li")
        .filter(has=boss.get_by_label(f"Reject entry {wrong.pk}"))
        .last
    )
    boss.get_by_label(f"Reject entry {wrong.pk}").check()
    card.get_by_label("Reason, if you reject the week or ticked entries").fill(
        "That call was on Tuesday"
    )
    card.get_by_role("button", name="Reject ticked entries").click()
    boss.wait_for_load_state("networkidle")
    wrong.refresh_from_db()
    assert wrong.state == "rejected" and wrong.rejection_reason == "That call was on Tuesday"
    shot(boss, "flow-4-entry-returned")
    boss.goto(f"{url}/approvals/")
    boss.get_by_role("button", name=re.compile("^Approve")).last.click()
    boss.wait_for_load_state("networkidle")
    assert TimeEntry.objects.filter(state="approved").count() == 2

    # Engineer: sees the reason, fixes the entry and sends it again.
    eng.goto(f"{url}/")
    assert eng.get_by_text("That call was on Tuesday").first.is_visible()
    shot(eng, "flow-5-returned-entry")
    eng.goto(f"{url}/entries/{wrong.pk}/edit/")
    eng.locator("textarea[name=note]").fill("Called the user (Tuesday)")
    eng.get_by_role("button", name=re.compile("Save")).first.click()
    eng.wait_for_load_state("networkidle")
    eng.goto(f"{url}/")
    eng.locator("#submit-comment").fill("Fixed the returned entry")
    # Nothing new to cover: only the fixed entry goes, and no gap reason is asked again.
    eng.get_by_role("button", name="Send fixed entries").click()
    eng.wait_for_load_state("networkidle")
    wrong.refresh_from_db()
    assert wrong.state == "submitted"
    boss.goto(f"{url}/approvals/")
    boss.get_by_role("button", name=re.compile("^Approve")).last.click()
    boss.wait_for_load_state("networkidle")
    assert set(TimeEntry.objects.values_list("state", flat=True)) == {"approved"}

    # Billing: preview, commit, issue, download the PDF.
    fin = new_page(billing)
    fin.goto(f"{url}/billing/")
    with fin.expect_navigation():
        fin.get_by_role("button", name="Preview").click()
    shot(fin, "flow-6-run-preview")
    with fin.expect_navigation():
        fin.get_by_role("button", name=re.compile("^Commit")).click()
    invoice = Invoice.objects.get()
    fin.goto(f"{url}/billing/invoices/{invoice.pk}/")
    with fin.expect_navigation():
        fin.get_by_role("button", name="Issue invoice").click()
    invoice.refresh_from_db()
    assert invoice.state == "issued" and invoice.number
    shot(fin, "flow-7-invoice-issued")
    with fin.expect_download() as download:
        fin.get_by_role("link", name="PDF", exact=True).click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The hours show on the utilisation report.
    fin.goto(f"{url}/reports/utilisation/")
    shot(fin, "flow-8-utilisation")
    row = fin.locator("table tr").filter(has_text=engineer.display_name).first
    assert row.is_visible()
    assert "2.00" in row.inner_text()  # 1:30 + 0:20 + 0:10 logged


def test_utilisation_with_the_demo_data(new_page, live_server, db):
    call_command("demo")
    from tallyhour.accounts.models import User

    page = new_page(User.objects.get(username="billing"), password="demo")
    page.goto(f"{live_server.url}/reports/utilisation/?period=last_month")
    assert page.locator("table").first.is_visible()
    assert page.locator("svg").first.is_visible()
    shot(page, "demo-utilisation-last-month")
