"""Each token has its own per-minute budget; going over answers 429 with Retry-After."""

import pytest
from django.core.cache import cache

from tests.api.conftest import Api, assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.API_RATE_LIMIT = 3
    cache.clear()
    yield
    cache.clear()


def test_over_the_limit_is_429_with_retry_after(engineer):
    api = Api(engineer)
    for _ in range(3):
        assert api.get("/agents").status_code == 200
    response = api.get("/agents")
    body = assert_error(response, 429)
    assert body["error"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 61


def test_each_token_has_its_own_budget(engineer, approver):
    first, second = Api(engineer), Api(approver)
    for _ in range(3):
        first.get("/agents")
    assert first.get("/agents").status_code == 429
    assert second.get("/agents").status_code == 200


def test_the_limit_can_be_turned_off(settings, engineer):
    settings.API_RATE_LIMIT = 0
    api = Api(engineer)
    assert all(api.get("/agents").status_code == 200 for _ in range(5))


def test_the_budget_refills_in_the_next_window(engineer, time_machine):
    time_machine.move_to("2026-11-16T09:00:10Z", tick=False)
    api = Api(engineer)
    for _ in range(3):
        api.get("/agents")
    assert api.get("/agents").status_code == 429
    time_machine.move_to("2026-11-16T09:01:01Z", tick=False)
    assert api.get("/agents").status_code == 200


def test_session_calls_are_limited_per_user(engineer, approver):
    from tests.conftest import login

    browser = login(engineer)
    for _ in range(3):
        assert browser.get("/api/v1/agents").status_code == 200
    response = browser.get("/api/v1/agents")
    body = assert_error(response, 429)
    assert body["error"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 61
    # A second browser of the same user shares the budget; another user has their own.
    assert login(engineer).get("/api/v1/agents").status_code == 429
    assert login(approver).get("/api/v1/agents").status_code == 200


def test_session_and_token_budgets_are_separate(engineer):
    from tests.conftest import login

    browser = login(engineer)
    for _ in range(3):
        browser.get("/api/v1/agents")
    assert browser.get("/api/v1/agents").status_code == 429
    assert Api(engineer).get("/agents").status_code == 200


def test_pages_are_not_counted(engineer):
    from tests.conftest import login

    browser = login(engineer)
    for _ in range(5):
        assert browser.get("/").status_code == 200
    assert browser.get("/api/v1/agents").status_code == 200
