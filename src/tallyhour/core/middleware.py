"""Turn a database outage into a clear 503 instead of a stack trace.

A request that meets an unreachable, read-only or full database has written nothing (every
service is one transaction, rolled back by the error), so the honest answer is "try again".
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Temporarily unavailable · Tallyhour</title></head><body>
<main><h1>Tallyhour is temporarily unavailable</h1><p>{message}</p>
<p>Nothing you sent was saved. Please try again in a minute.</p></main></body></html>"""


def _explain(exc: Exception) -> str:
    text = str(exc).lower()
    if "read-only" in text or "readonly" in text:
        return "The database is read-only at the moment (maintenance or a failover)."
    if "disk" in text and "full" in text:
        return "The database server has run out of disk space."
    return "The database cannot be reached."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, OperationalError | InterfaceError | InternalError):
            return None
        if isinstance(exc, InternalError) and "read-only" not in str(exc).lower():
            return None  # a genuine bug, not an outage: let it be a 500 and be reported
        message = _explain(exc)
        log.error("database unavailable: %s", exc)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {
                    "error": "database_unavailable",
                    "message": message + " Nothing was saved.",
                    "fields": {},
                },
                status=503,
            )
        else:
            response = HttpResponse(PAGE.format(message=message), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
