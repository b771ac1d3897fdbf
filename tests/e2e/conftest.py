"""Real-browser tests: Playwright for Python driving Debian's headless Chromium.

They skip, saying why, when Playwright or /usr/bin/chromium is missing. Screenshots of each
page go to test-artifacts/screenshots/.
"""

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

if sync_playwright is None:
    pytest.skip("Playwright for Python is not installed", allow_module_level=True)
if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True
    )

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
# set up data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator["Browser"]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors, uncaught exceptions and CSP violations seen by every page of a test.

    `new_page` fails the test at teardown when any were seen: a page that logs an error or
    breaks its Content-Security-Policy is broken, however the assertions went. A test that
    provokes one on purpose empties the list.
    """
    return []


@pytest.fixture
def new_page(browser, live_server, settings, console_errors):  # noqa: ANN001
    """Open pages as a signed-in persona: `page = new_page(user)` (`javascript=False` for a
    browser without scripts, `viewport=PHONE` for a phone)."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    contexts = []

    def open_as(  # noqa: ANN202
        user,  # noqa: ANN001
        password: str = "pw",
        javascript: bool = True,
        viewport: dict[str, int] | None = None,
    ) -> "Page":
        context = browser.new_context(viewport=viewport or DESKTOP, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        watch_console(page, console_errors)
        page.set_default_timeout(10_000)
        page.on("dialog", lambda dialog: dialog.accept())  # "Create these drafts?" and the like
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/**")
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert not console_errors, "the browser reported errors:\n" + "\n".join(console_errors)


def watch_console(page: "Page", errors: list[str]) -> None:
    """Collect the page's console errors (CSP violations are reported there too), uncaught
    exceptions and the `securitypolicyviolation` events a swap may cause."""
    page.on(
        "console",
        lambda message: (
            errors.append(f"{page.url}: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " var where = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 160)"
        " : e.sourceFile + ':' + e.lineNumber;"
        " console.error('CSP violation: ' + e.violatedDirective + ' at ' + where); });"
    )


def next_wednesday_morning(hour: int = 9) -> dt.datetime:
    """`hour`:00 London on a Wednesday after today. Tests move the server's clock there (the
    live server runs in the test's process): forward, so the browser keeps the cookies the
    server sets, and to a mid-week day, so "today" splits the week the same way every run."""
    today = dt.datetime.now(dt.UTC).date()
    wednesday = today + dt.timedelta(days=(2 - today.weekday()) % 7 + 7)
    return dt.datetime.combine(wednesday, dt.time(hour), tzinfo=ZoneInfo("Europe/London"))


def shot(page: "Page", name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
