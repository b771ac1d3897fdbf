"""My week's entry rows in a real browser: inline edit, cancel, delete with htmx, and delete
without JavaScript (every row's Delete submits the page's one form to the row's address)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tallyhour.core import dates
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _this_week_entries(engineer, ticket) -> list[TimeEntry]:  # noqa: ANN001
    tz = dates.zone(engineer.agent.timezone)
    monday = dates.week_start(dates.local_date(dates.now(), tz))
    nine = dates.local_midnight(monday, tz) + dt.timedelta(hours=9)
    return [
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=nine + dt.timedelta(hours=hour),
            duration_minutes=30,
            ticket=ticket,
            note=f"Call {hour}",
        )
        for hour in range(3)
    ]


def test_rows_edit_cancel_and_delete_with_htmx(new_page, live_server, engineer, ticket):
    first, second, third = _this_week_entries(engineer, ticket)
    page = new_page(engineer)
    page.goto(f"{live_server.url}/")
    shot(page, "week-rows-1")

    # Edit in place: the row becomes a form; Save updates the week.
    page.locator(f"#entry-{first.pk}").get_by_role("link", name="Edit").click()
    form = page.locator(f"#entry-{first.pk} form")
    # Once htmx has settled the swap it focuses the form's first field: type after that.
    expect(form.locator("[name=date]")).to_be_focused()
    note = form.locator("textarea[name=note]")
    note.fill("Called back, fixed")
    expect(note).to_have_value("Called back, fixed")
    form.get_by_role("button", name="Save").click()
    expect(page.locator(f"#entry-{first.pk}").get_by_text("Called back, fixed")).to_be_visible()
    first.refresh_from_db()
    assert first.note == "Called back, fixed"

    # Cancel puts the row back as it was.
    page.locator(f"#entry-{second.pk}").get_by_role("link", name="Edit").click()
    page.locator(f"#entry-{second.pk} form").get_by_role("link", name="Cancel").click()
    expect(page.locator(f"#entry-{second.pk}").get_by_text("Call 1")).to_be_visible()

    # Delete (the confirm dialog is accepted by the fixture): the row goes.
    page.locator(f"#entry-{third.pk}").get_by_role("button", name="Delete").click()
    expect(page.locator(f"#entry-{third.pk}")).to_have_count(0)
    assert not TimeEntry.objects.filter(pk=third.pk).exists()
    shot(page, "week-rows-2-after-delete")


def test_delete_without_javascript_posts_the_shared_form(new_page, live_server, engineer, ticket):
    entries = _this_week_entries(engineer, ticket)
    page = new_page(engineer, javascript=False)
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.locator(f"#entry-{entries[1].pk}").get_by_role("button", name="Delete").click()
    assert not TimeEntry.objects.filter(pk=entries[1].pk).exists()
    assert TimeEntry.objects.filter(pk__in=[entries[0].pk, entries[2].pk]).count() == 2
    assert page.locator(f"#entry-{entries[0].pk}").is_visible()


def test_the_day_page_deletes_through_its_own_shared_form(new_page, live_server, engineer, ticket):
    entries = _this_week_entries(engineer, ticket)
    day = dates.local_date(entries[0].started_at, dates.zone(engineer.agent.timezone))
    page = new_page(engineer)
    page.goto(f"{live_server.url}/day/{day.isoformat()}/")
    expect(page.locator(f"#entry-{entries[0].pk}")).to_be_visible()
    shot(page, "day-rows")
    # The day page posts plainly (no htmx swap), then goes back to the week.
    with page.expect_navigation():
        page.locator(f"#entry-{entries[0].pk}").get_by_role("button", name="Delete").click()
    assert not TimeEntry.objects.filter(pk=entries[0].pk).exists()
    assert TimeEntry.objects.filter(agent=engineer).count() == 2
