"""Week at a glance in a real browser, at desktop and phone widths: typing a day's total into
a cell saves it (htmx), the totals follow, a bad value is refused in its cell, and long titles
and the running timer stay inside their own cells. Without JavaScript, Enter saves the grid."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tallyhour.core import dates
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, shot
from tests.factories import TicketFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LONG_TITLE = (
    "Migrate the whole accounting department's shared mailboxes to the new tenant "
    "and re-permission every calendar"
)


@pytest.fixture
def week(engineer, ticket, internal):  # noqa: ANN001, ANN201
    """This week (the agent's zone): 1:00 on `ticket` on Monday; last week, time on a ticket
    with a long title and on the internal activity, which this week has none of yet."""
    tz = dates.zone(engineer.agent.timezone)
    monday = dates.week_start(dates.local_date(dates.now(), tz))
    nine = dates.local_midnight(monday, tz) + dt.timedelta(hours=9)
    long = TicketFactory(client=ticket.client, charge_type=ticket.charge_type, summary=LONG_TITLE)
    last_week = nine - dt.timedelta(days=7)
    for start, kwargs in ((last_week, {"ticket": long}), (last_week, {"charge_type": internal})):
        start += dt.timedelta(hours=2 if "charge_type" in kwargs else 0)
        time_entry_create(
            agent=engineer, actor=engineer, started_at=start, duration_minutes=60, **kwargs
        )
    time_entry_create(
        agent=engineer, actor=engineer, started_at=nine, duration_minutes=60, ticket=ticket
    )
    return {"monday": monday, "tz": tz, "long": long, "ticket": ticket, "internal": internal}


def shots(page: Page, name: str) -> None:
    """The whole page, and the grid alone (what a reviewer looks at first)."""
    shot(page, name)
    page.locator("section:has(#grid-title)").screenshot(path=str(ARTIFACTS / f"{name}-grid.png"))


def cell(page: Page, key: str, day: dt.date):  # noqa: ANN201
    return page.locator(f"#cell-{key}-{day.weekday()}")


def type_total(page: Page, key: str, day: dt.date, text: str) -> None:
    """Type into a cell and leave it (the change saves it), as a person tabbing along."""
    box = cell(page, key, day)
    box.fill(text)
    box.press("Tab")


def seconds_on(agent, monday: dt.date, tz, day_index: int, **row) -> int:  # noqa: ANN001
    start, end = dates.day_range(
        monday + dt.timedelta(days=day_index), monday + dt.timedelta(days=day_index), tz
    )
    entries = TimeEntry.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end)
    return sum(e.worked_seconds for e in entries.filter(**row))


def assert_beside(page: Page, name_selector: str, row_selector: str) -> None:
    """The row's title ends before its first day cell starts, and is on screen."""
    name = page.locator(name_selector).bounding_box()
    first_day = page.locator(f"{row_selector} > :nth-child(2)").bounding_box()
    assert name is not None and first_day is not None
    assert name["x"] + name["width"] <= first_day["x"] + 0.5, (name, first_day)
    assert name["width"] > 40  # some of the title is readable


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_typing_totals_into_the_grid(
    new_page, live_server, engineer, week, viewport, console_errors
):  # noqa: ANN001
    monday, tz, long, ticket, internal = (
        week["monday"],
        week["tz"],
        week["long"],
        week["ticket"],
        week["internal"],
    )
    size = "desktop" if viewport is DESKTOP else "phone"
    tuesday, wednesday = monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)
    page = new_page(engineer, viewport=viewport)
    page.goto(f"{live_server.url}/")

    # Last week's ticket and activity are rows already, empty this week.
    long_row, ticket_row, internal_row = f"t{long.pk}", f"t{ticket.pk}", f"a{internal.pk}"
    expect(page.locator(f"#grid-row-{long_row}-total")).to_have_text("0:00")
    expect(page.locator(f"#grid-row-{internal_row}-total")).to_have_text("0:00")
    assert_beside(page, f"#grid-row-{long_row} .week-grid__name", f"#grid-row-{long_row}")
    shots(page, f"week-grid-{size}-1-last-weeks-rows")

    # 1:30 on the long ticket on Monday: an entry of an hour and a half.
    type_total(page, long_row, monday, "1:30")
    expect(page.locator(f"#grid-row-{long_row}-total")).to_have_text("1:30")
    expect(page.locator(f"#grid-day-total-{monday.weekday()}")).to_have_text("2:30")
    assert seconds_on(engineer, monday, tz, 0, ticket=long) == 5400

    # Each cell is named by its row and day (aria-labelledby), as a screen reader says it.
    named = page.get_by_role("textbox", name=f"#{ticket.pk} Printer offline Tue {tuesday.day}")
    expect(named).to_have_attribute("id", f"cell-{ticket_row}-1")

    # 90m on the other ticket on Tuesday; its row adds Monday's hour.
    type_total(page, ticket_row, tuesday, "90m")
    expect(page.locator(f"#grid-row-{ticket_row}-total")).to_have_text("2:30")
    expect(page.locator(f"#grid-day-total-{tuesday.weekday()}")).to_have_text("1:30")
    assert seconds_on(engineer, monday, tz, 1, ticket=ticket) == 5400

    # 1.5 (hours) on the internal activity on Wednesday.
    type_total(page, internal_row, wednesday, "1.5")
    expect(page.locator(f"#grid-row-{internal_row}-total")).to_have_text("1:30")
    expect(page.locator("#grid-week-total")).to_have_text("5:30")
    expect(page.get_by_label("Week totals")).to_contain_text("5:30")
    assert seconds_on(engineer, monday, tz, 2, ticket=None, charge_type=internal) == 5400
    expect(cell(page, long_row, monday)).to_have_value("1:30")
    shots(page, f"week-grid-{size}-2-saved")

    # A lower total shortens the entry.
    type_total(page, long_row, monday, "0:45")
    expect(page.locator(f"#grid-row-{long_row}-total")).to_have_text("0:45")
    assert seconds_on(engineer, monday, tz, 0, ticket=long) == 2700

    # Not a duration: refused in its cell, what was typed kept, nothing written.
    entries = TimeEntry.objects.count()
    type_total(page, long_row, tuesday, "soon")
    refused = page.locator(f"#grid-row-{long_row} .has-error")
    expect(refused).to_contain_text("Not a duration")
    expect(cell(page, long_row, tuesday)).to_have_value("soon")
    expect(cell(page, long_row, tuesday)).to_have_attribute("aria-invalid", "true")
    assert TimeEntry.objects.count() == entries
    error = refused.locator(".week-grid__error").bounding_box()
    box = refused.bounding_box()
    assert error is not None and box is not None
    assert error["x"] >= box["x"] and error["x"] + error["width"] <= box["x"] + box["width"] + 0.5
    shots(page, f"week-grid-{size}-3-refused")
    # The browser logs the refusal's 422 as a failed load: expected here, and nothing else.
    assert all("422" in message for message in console_errors), console_errors
    console_errors.clear()

    # The running timer's line stays inside its own cell too.
    timer_start(agent=engineer, actor=engineer, ticket=long)
    page.reload()
    expect(page.locator(".week-grid__timer")).to_be_visible()
    assert_beside(page, ".week-grid__timer .week-grid__name", ".week-grid__timer")
    assert_beside(page, f"#grid-row-{long_row} .week-grid__name", f"#grid-row-{long_row}")
    shots(page, f"week-grid-{size}-4-running-timer")


def test_enter_saves_the_grid_without_javascript(
    new_page, live_server, engineer, week, console_errors
):  # noqa: ANN001
    monday, tz, ticket = week["monday"], week["tz"], week["ticket"]
    thursday = monday + dt.timedelta(days=3)
    page = new_page(engineer, javascript=False)
    page.goto(f"{live_server.url}/")
    box = cell(page, f"t{ticket.pk}", thursday)
    box.fill("2:15")
    with page.expect_navigation():
        box.press("Enter")
    assert seconds_on(engineer, monday, tz, 3, ticket=ticket) == 2 * 3600 + 15 * 60
    expect(page.locator(f"#grid-row-t{ticket.pk}-total")).to_have_text("3:15")
    expect(cell(page, f"t{ticket.pk}", thursday)).to_have_value("2:15")

    # A refusal comes back on the page, in the cell.
    box = cell(page, f"t{ticket.pk}", thursday)
    box.fill("25:00")
    box.press("Enter")
    expect(page.locator(f"#grid-row-t{ticket.pk} .has-error")).to_contain_text("Over 24 hours")
    assert seconds_on(engineer, monday, tz, 3, ticket=ticket) == 2 * 3600 + 15 * 60
    shots(page, "week-grid-no-javascript-refused")
    assert all("422" in message for message in console_errors), console_errors
    console_errors.clear()  # the refused page's own status, as above
