"""Load-balancer health endpoints: liveness asks nothing, readiness names what is down."""

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client as HttpClient
from django.utils import timezone

from tallyhour.core import health
from tallyhour.core.models import Task, TaskState

pytestmark = pytest.mark.django_db


def test_liveness_needs_no_database_and_sets_no_cookie(django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = HttpClient().get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert not answer.cookies
    assert "no-cache" in answer["Cache-Control"]


def test_readiness_checks_database_cache_and_queue():
    Task.objects.create(name="billing.deliver", run_after=timezone.now())
    answer = HttpClient().get("/readyz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert {name: part["status"] for name, part in body.items() if name != "status"} == {
        "database": "ok",
        "cache": "ok",
        "queue": "ok",
    }
    assert body["queue"]["queued"] == Task.objects.filter(state=TaskState.QUEUED).count() == 1


def test_readiness_is_503_naming_the_part_that_is_down_without_details(monkeypatch):
    def unreachable() -> dict:
        raise OperationalError("could not connect to server at 10.0.0.5 password=secret")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    answer = HttpClient().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["database"] == {"status": "down"}
    assert answer.json()["cache"]["status"] == "ok"
    assert b"10.0.0.5" not in answer.content and b"secret" not in answer.content


def test_a_cache_that_keeps_nothing_is_down(monkeypatch):
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)
    answer = HttpClient().get("/readyz")
    assert answer.status_code == 503 and answer.json()["cache"] == {"status": "down"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_only_get(path):
    assert HttpClient().post(path).status_code == 405


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_over_plain_http_are_not_redirected(settings, path):
    settings.SECURE_SSL_REDIRECT = True
    assert HttpClient().get(path).status_code == 200
    assert HttpClient().get("/login/").status_code == 301  # everything else goes to HTTPS


def test_a_cache_client_error_of_its_own_kind_is_down_not_a_crash(monkeypatch):
    class RedisConnectionError(Exception):
        """Like redis-py's, which is no builtin ConnectionError."""

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RedisConnectionError("Error 111 connecting to 10.0.0.7:6379")

    monkeypatch.setattr(cache, "set", refuse)
    answer = HttpClient().get("/readyz")
    assert answer.status_code == 503 and answer.json()["cache"] == {"status": "down"}
    assert b"10.0.0.7" not in answer.content
