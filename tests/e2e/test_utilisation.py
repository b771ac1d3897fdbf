"""The utilisation report in a real browser: a period under way shows its to-date figures next
to the whole period's, the weekly trend starts at the first week with time, no two axis labels
overlap at desktop or phone width, and a billing user opening My week is not made an agent.

The live server runs on the real clock, so the period is this week and the next: whatever the
day and hour, part of it is still to come, and its figures are to date."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tallyhour.accounts.models import Agent
from tallyhour.core import dates
from tallyhour.reports.selectors.utilisation import utilisation_for
from tallyhour.timetracking.services import time_entry_create
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

WEEKS_BEFORE_FIRST_TIME = 3


def seed_weeks(engineer, ticket) -> dt.date:  # noqa: ANN001
    """Time in the engineer's week three weeks back, the week after it, and this week (on
    Monday, so it is in the past whatever today is); returns this week's Monday."""
    tz = dates.zone(engineer.agent.timezone)
    monday = dates.week_start(dates.local_date(dates.now(), tz))
    for weeks_back in (WEEKS_BEFORE_FIRST_TIME, WEEKS_BEFORE_FIRST_TIME - 1, 0):
        nine = dates.local_midnight(monday - dt.timedelta(weeks=weeks_back), tz)
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=nine + dt.timedelta(hours=9),
            duration_minutes=5 * 60,
            ticket=ticket,
        )
    return monday


def boxes(page: Page, selector: str) -> list[dict[str, float]]:
    return page.eval_on_selector_all(
        selector,
        "nodes => nodes.map(n => { const r = n.getBoundingClientRect();"
        " return {text: n.textContent, left: r.left, right: r.right, top: r.top,"
        " bottom: r.bottom}; })",
    )


def overlapping(found: list[dict[str, float]]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(found)
        for b in found[i + 1 :]
        if a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    ]


@pytest.mark.parametrize(("viewport", "width"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_utilisation_to_date_trend_and_axes(
    new_page, live_server, approver, engineer, ticket, viewport, width
):
    monday = seed_weeks(engineer, ticket)
    end = monday + dt.timedelta(days=13)
    [row] = [
        r
        for r in utilisation_for(actor=approver, start=monday, end=end)
        if r.agent_id == engineer.pk
    ]
    whole = f"of {row.available_seconds / 3600:.2f} h"

    page = new_page(approver, viewport=viewport)
    page.goto(f"{live_server.url}/reports/utilisation/?period=custom&start={monday}&end={end}")
    expect(page.locator("#to-date-note")).to_be_visible()
    cells = page.locator("tbody tr", has_text=engineer.display_name).locator("td")
    available = cells.nth(0)
    expect(available).to_contain_text(re.compile(r"\d+\.\d\d h to date"))
    expect(available).to_contain_text(whole)
    expect(page.locator("tbody tr", has_text=engineer.display_name)).to_contain_text("whole period")

    # The trend's first week is the first with time: three weeks back, not eleven.
    first_week = dates.format_week(monday - dt.timedelta(weeks=WEEKS_BEFORE_FIRST_TIME))
    page.get_by_text("Trend as a table").click()
    trend_rows = page.locator("details.chart-data tbody tr")
    expect(trend_rows).to_have_count(WEEKS_BEFORE_FIRST_TIME + 1)  # up to this week, no later
    expect(trend_rows.first).to_contain_text(first_week)
    first_dot = page.locator("#trend-desc ~ circle title").first
    expect(first_dot).to_have_text(re.compile(rf"^{first_week}: "))
    expect(trend_rows.last.locator("td").first).to_contain_text("to date")

    # Axis labels: each chart's labels stay clear of each other at this width.
    page.locator("svg.chart").first.scroll_into_view_if_needed()
    for chart in ("capacity", "trend"):
        labels = boxes(page, f"svg:has(#{chart}-title) text.chart__axis")
        assert len(labels) >= 3, (chart, labels)
        assert not overlapping(labels), (chart, width, overlapping(labels))
        chart_box = page.locator(f"svg:has(#{chart}-title)").bounding_box()
        assert chart_box is not None
        for label in labels:  # and inside the chart, not cut off at an edge
            assert chart_box["x"] - 0.5 <= label["left"], (chart, label)
            assert label["right"] <= chart_box["x"] + chart_box["width"] + 0.5, (chart, label)
    shot(page, f"utilisation-to-date-{width}")


def test_billing_user_opening_my_week_is_not_made_an_agent(
    new_page, live_server, billing, engineer, ticket
):
    seed_weeks(engineer, ticket)
    page = new_page(billing, viewport=PHONE)
    page.goto(f"{live_server.url}/week/")
    expect(page.get_by_role("heading", name="You don’t log time")).to_be_visible()
    shot(page, "utilisation-billing-my-week-phone")
    assert not Agent.objects.filter(user=billing).exists()

    page.goto(f"{live_server.url}/reports/utilisation/")
    expect(page.locator("tbody tr", has_text=engineer.display_name)).to_have_count(1)
    expect(page.locator("tbody tr", has_text=billing.display_name)).to_have_count(0)
    assert not Agent.objects.filter(user=billing).exists()
