"""Health endpoints for a load balancer: `/healthz` (the process answers) and `/readyz` (it
can do its work: the database, the cache and the job queue answer).

Neither needs a session or touches one, so a balancer may poll them as often as it likes;
failures say which part is down, never why (no connection strings or errors leak).
"""

import logging
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tallyhour.core.models import Task, TaskState

log = logging.getLogger(__name__)
PROBE_KEY = "tallyhour:readyz"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests (nothing else is asked, so a slow database
    does not get healthy app servers restarted)."""
    return JsonResponse({"status": "ok"})


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def _cache() -> dict[str, Any]:
    # Rate limits and shared caches live here (Redis when REDIS_URL is set).
    cache.set(PROBE_KEY, 1, timeout=10)
    if cache.get(PROBE_KEY) != 1:
        raise ConnectionError("the cache did not keep a value")
    return {"status": "ok"}


def _queue() -> dict[str, Any]:
    return {"status": "ok", "queued": Task.objects.filter(state=TaskState.QUEUED).count()}


CHECKS = {"database": _database, "cache": _cache, "queue": _queue}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every part answers, 503 naming the parts that do not."""
    parts: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = check()
        # Any failure means down: a Redis cache raises its own errors, not ConnectionError.
        except Exception as exc:  # noqa: BLE001
            log.warning("readiness: %s is down: %s", name, exc)
            parts[name] = {"status": "down"}
    ready = all(part["status"] == "ok" for part in parts.values())
    return JsonResponse(
        {"status": "ok" if ready else "down", **parts}, status=200 if ready else 503
    )
