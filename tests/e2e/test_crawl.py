"""Every page a persona can reach, opened in a real browser on the demo MSP: none may log a
console error or break the Content-Security-Policy (the `new_page` fixture fails the test).

Each persona starts where they land and follows every link of the site they are shown,
breadth first, up to a budget of pages. Downloads, sign-out, Django's admin (its own pages,
not ours) and links that only change a list's page or filter are left out.
"""

import re
from urllib.parse import urldefrag, urlparse

import pytest
from django.core.management import call_command

from tallyhour.accounts.models import User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAGES_PER_PERSONA = 60
SKIP = re.compile(
    r"^/(admin/|logout|portal/)|\.(pdf|csv|xml)$|/(pdf|csv|xml|export)/?$|[?&](page|format)="
)


def crawl(page, base: str) -> list[str]:  # noqa: ANN001
    seen: set[str] = set()
    queue = [urlparse(page.url).path or "/"]
    opened = []
    while queue and len(opened) < PAGES_PER_PERSONA:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(base + path)
        assert response is not None and response.status < 500, path
        page.wait_for_load_state("networkidle")
        opened.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            link = urlparse(urldefrag(href)[0])
            if link.netloc != urlparse(base).netloc:
                continue
            target = link.path + (f"?{link.query}" if link.query else "")
            if not SKIP.search(target) and target not in seen:
                queue.append(target)
    return opened


@pytest.mark.parametrize("username", ["engineer1", "approver", "billing", "admin"])
def test_every_page_a_persona_reaches_is_free_of_console_errors(new_page, live_server, username):
    call_command("demo", verbosity=0)
    page = new_page(User.objects.get(username=username), password="demo")
    opened = crawl(page, live_server.url)
    assert len(opened) >= 10, opened  # it really went somewhere
