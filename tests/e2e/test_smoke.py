"""Every main page opens in a real browser, is labelled for assistive tech and keyboard-usable."""

import pytest

from tests.conftest import MONDAY, at
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MAIN_PAGES = {
    "week": "/week/",
    "settings": "/settings/",
    "approvals": "/approvals/",
    "billing": "/billing/",
    "invoices": "/billing/invoices/",
    "utilisation": "/reports/utilisation/",
}

UNLABELLED_CONTROLS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !el.title)
  .map(el => el.outerHTML.slice(0, 120))
"""


def test_main_pages_render_labelled_and_reachable_by_keyboard(new_page, live_server, admin):
    page = new_page(admin)
    for name, path in MAIN_PAGES.items():
        page.goto(live_server.url + path)
        assert page.locator("h1").first.is_visible(), name
        assert page.evaluate(UNLABELLED_CONTROLS) == [], name
        shot(page, f"admin-{name}")
    # Keyboard only: Tab from the top reaches the navigation and it can be followed with Enter.
    page.goto(live_server.url + "/")
    reached = []
    for _ in range(15):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if reached[-1].startswith("Reports"):
            break
    assert reached[-1].startswith("Reports"), reached
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/utilisation/**")


def test_engineer_sees_their_week_with_entries(new_page, live_server, engineer, ticket):
    from tallyhour.timetracking.services import time_entry_create

    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=90,
        ticket=ticket,
        note="Replaced the toner",
    )
    page = new_page(engineer)
    page.goto(f"{live_server.url}/week/2026-W47/")
    assert page.get_by_text("Replaced the toner").first.is_visible()
    shot(page, "engineer-week")
