"""An engineer's day in a real browser, at desktop and phone widths, checked on the screen and
in the database after each step: opening their ticket starts its timer (viewing a colleague's
changes nothing), the stop dialog logs a note or discards a stray timer, nothing restarts a
stopped timer, overlaps are refused naming the entry, a week submitted on Wednesday leaves
Thursday open even once approved and invoiced, and the grid and the header's Stop keep
working after it. The server's clock is moved (see `next_wednesday_morning`); every page
must keep the console free of errors and CSP violations (the `new_page` fixture).
"""

import datetime as dt
import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core import dates
from tallyhour.servicedesk.models import Action
from tallyhour.timesheets.approvals import submission_approve
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import EntryState, TimeEntry, Timer, TimerState
from tests.e2e.conftest import PHONE, next_wednesday_morning, shot
from tests.factories import TicketFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def settle(page: Page) -> None:
    """Let the page finish what it sends by itself (the capture POST, htmx polls)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def stop_from(page: Page, scope: str = "#ticket-timer") -> Page:
    """Press a timer's Stop and wait for its dialog."""
    page.locator(scope).get_by_role("link", name="Stop…").click()
    dialog = page.locator("#dialog")
    expect(dialog).to_be_visible()
    return page


def refused_with(errors: list[str], status: int) -> None:
    """A refused form answers with its status, which Chromium logs as a failed resource load.
    That is the answer working as designed: check it is only that, and clear it."""
    assert errors and all(f"status of {status}" in e for e in errors), errors
    errors.clear()


def no_overlapping_pair(agent) -> bool:  # noqa: ANN001
    spans = TimeEntry.objects.filter(agent=agent).values_list("started_at", "ended_at")
    return not any(a0 < b1 and b0 < a1 for (a0, a1), (b0, b1) in itertools.combinations(spans, 2))


def test_engineers_day(
    new_page,
    live_server,
    console_errors,
    time_machine,
    engineer,
    approver,
    billing,
    ticket,
    client_acme,
):
    url = live_server.url
    wednesday = next_wednesday_morning()
    time_machine.move_to(wednesday, tick=False)
    ticket.assignee = engineer
    ticket.save()
    theirs = TicketFactory(client=client_acme, summary="Laptop for the new starter")
    theirs.assignee = approver
    theirs.save()

    # Lands on My week; Tickets opens on their own open tickets.
    page = new_page(engineer)
    expect(page.get_by_role("heading", name="My week", exact=True)).to_be_visible()
    shot(page, "journey-engineer-01-landing")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets").click()
    expect(page.get_by_role("link", name=re.compile("Printer offline"))).to_be_visible()
    expect(page.get_by_text("Laptop for the new starter")).to_have_count(0)
    shot(page, "journey-engineer-02-my-tickets")

    # Opening their ticket starts its timer (the page's POST), shown in the header.
    page.get_by_role("link", name=re.compile("Printer offline")).first.click()
    expect(page.locator("#header-timer .header-timer")).to_be_visible()
    settle(page)
    assert list(Timer.objects.values_list("ticket_id", "state")) == [
        (ticket.pk, TimerState.RUNNING)
    ]
    shot(page, "journey-engineer-03-ticket-timer-running")

    # A colleague's ticket: read, nothing started or paused.
    page.goto(f"{url}/tickets/{theirs.pk}/")
    settle(page)
    expect(page.get_by_text("No timer on this ticket.")).to_be_visible()
    assert list(Timer.objects.values_list("ticket_id", "state")) == [
        (ticket.pk, TimerState.RUNNING)
    ]
    shot(page, "journey-engineer-04-colleagues-ticket")

    # 25 minutes later: Stop asks what to log; a note on the ticket it is.
    time_machine.shift(dt.timedelta(minutes=25))
    page.goto(f"{url}/tickets/{ticket.pk}/")
    settle(page)
    stop_from(page)
    expect(page.locator("#stop_time")).to_have_value("0:25")
    page.locator("#stop_note").fill("Replaced the toner cartridge")
    shot(page, "journey-engineer-05-stop-dialog")
    page.get_by_role("button", name="Log time and stop").click()
    expect(page.locator("#messages")).to_contain_text("Logged 0:25 to #")
    settle(page)
    assert not Timer.objects.exists()  # and coming back to the page did not start it again
    toner = TimeEntry.objects.get()
    assert toner.worked_seconds == 25 * 60 and toner.note == "Replaced the toner cartridge"
    assert Action.objects.get(time_entry=toner).body == "Replaced the toner cartridge"
    expect(page.locator("#timeline")).to_contain_text("Replaced the toner cartridge")
    shot(page, "journey-engineer-06-logged-as-note")

    # A stray Start, stopped after 20 seconds with nothing typed, is discarded: no 0:00 entry.
    page.get_by_role("button", name="Start timer").click()
    expect(page.locator("#header-timer .header-timer")).to_be_visible()
    time_machine.shift(dt.timedelta(seconds=20))
    stop_from(page)
    page.get_by_role("button", name="Log time and stop").click()
    expect(page.locator("#messages")).to_contain_text("nothing was logged")
    assert not Timer.objects.exists() and TimeEntry.objects.count() == 1

    # An action back-dated over the toner entry is refused, naming it.
    compose = page.locator("#compose form")
    compose.locator("textarea[name=body]").fill("Called the user")
    compose.get_by_label("Time").fill("0:40")
    compose.get_by_role("button", name="Add action").click()
    expect(page.locator("#messages")).to_contain_text(f"overlaps your time entry {toner.pk}")
    assert TimeEntry.objects.count() == 1 and not Action.objects.filter(body="Called the user")
    shot(page, "journey-engineer-07-action-overlap-refused")

    # So is a manual entry on My week.
    page.goto(f"{url}/")
    form = page.locator("#entry-form")
    form.get_by_label("Date").fill(wednesday.date().isoformat())
    form.get_by_label("Start").fill("09:10")
    form.get_by_label("Duration").fill("0:30")
    form.get_by_role("button", name="Add entry").click()
    expect(
        page.locator("#entry-form, #messages").filter(has_text="overlaps your time entry")
    ).to_have_count(1)
    assert TimeEntry.objects.count() == 1
    refused_with(console_errors, 409)
    shot(page, "journey-engineer-08-week-overlap-refused")

    # Submitted on Wednesday: up to today only.
    page.goto(f"{url}/")
    page.locator("#submit-comment").fill("Afternoon at the dentist")  # the gap up to today
    page.get_by_role("button", name=re.compile(r"^Submit up to Wed")).click()
    expect(page.locator(".submission")).to_contain_text("stay open")
    submission = Submission.objects.get()
    assert submission.through == wednesday.date()
    shot(page, "journey-engineer-09-submitted-up-to-wednesday")

    # Approved and invoiced; Thursday is still the engineer's to log.
    submission_approve(submission=submission, actor=approver)
    run = invoice_run_execute(cut_off=wednesday.date(), actor=billing, commit=True)
    invoice_issue(invoice=run.invoices[0], actor=billing)
    assert TimeEntry.objects.get().invoice_line_id is not None
    thursday = wednesday + dt.timedelta(days=1, hours=1)
    time_machine.move_to(thursday, tick=False)
    page.goto(f"{url}/")
    cell = page.locator(f"#cell-t{ticket.pk}-3")
    cell.fill("1:30")
    cell.press("Tab")
    expect(page.locator("#messages")).to_contain_text("Saved")
    expect(page.locator(f"#cell-t{ticket.pk}-3")).to_have_value("1:30")
    thursdays = TimeEntry.objects.exclude(pk=toner.pk)
    assert [(e.worked_seconds, e.state) for e in thursdays] == [(90 * 60, EntryState.DRAFT)]
    tz = dates.zone(engineer.agent.timezone)
    assert dates.local_date(thursdays.get().started_at, tz) == thursday.date()
    shot(page, "journey-engineer-10-thursday-in-the-grid")

    # A timer on Thursday (after the grid's 1:30, placed from 09:00) stops from the header,
    # logged as an entry with a note.
    time_machine.move_to(thursday + dt.timedelta(hours=1), tick=False)
    page.goto(f"{url}/tickets/{ticket.pk}/")
    settle(page)
    assert Timer.objects.get().state == TimerState.RUNNING
    time_machine.shift(dt.timedelta(minutes=50))
    page.goto(f"{url}/")
    stop_from(page, "#header-timer")
    page.get_by_label("A time entry only").check()
    page.locator("#stop_note").fill("Printer driver rollout")
    page.get_by_role("button", name="Log time and stop").click()
    expect(page.locator("#messages")).to_contain_text("Logged 0:50")
    shot(page, "journey-engineer-11-stopped-from-the-header")

    assert not Timer.objects.exists()
    assert not TimeEntry.objects.filter(worked_seconds__lt=60).exists()
    assert no_overlapping_pair(engineer)


def test_engineer_on_a_phone(new_page, live_server, time_machine, engineer, ticket):
    url = live_server.url
    time_machine.move_to(next_wednesday_morning(), tick=False)
    ticket.assignee = engineer
    ticket.save()
    page = new_page(engineer, viewport=PHONE)
    page.goto(f"{url}/tickets/{ticket.pk}/")
    expect(page.locator("#header-timer .header-timer")).to_be_visible()
    settle(page)
    shot(page, "journey-phone-01-ticket")
    time_machine.shift(dt.timedelta(minutes=12))
    stop_from(page)
    box = page.locator("#dialog").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.locator("#stop_note").fill("Reset the print spooler")
    shot(page, "journey-phone-02-stop-dialog")
    page.get_by_role("button", name="Log time and stop").click()
    expect(page.locator("#messages")).to_contain_text("Logged 0:12")
    assert not Timer.objects.exists() and TimeEntry.objects.get().worked_seconds == 12 * 60

    page.goto(f"{url}/")
    page.get_by_role("button", name="Menu").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets")
    ).to_be_visible()
    shot(page, "journey-phone-03-week-menu")
