"""The project's middleware: database outages answered clearly, and the page-only work of
Django's stack (flash messages, the page's Content-Security-Policy) skipped for the API.

A request that meets an unreachable, read-only or full database has written nothing (every
service is one transaction, rolled back by the error), so the honest answer is "try again".
"""

import logging
import sqlite3
from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
POSTGRES_DISK_FULL = "53100"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Temporarily unavailable · Tallyhour</title></head><body>
<main><h1>Tallyhour is temporarily unavailable</h1><p>{message}</p>
<p>Nothing you sent was saved. Please try again {when}.</p></main></body></html>"""


def _disk_full(exc: Exception) -> bool:
    """SQLite's SQLITE_FULL or PostgreSQL's disk_full, read from the driver's error."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL:
        return True
    code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_FULL:
        return True
    text = str(exc).lower()
    return "disk is full" in text or "no space left on device" in text


def _explain(exc: Exception) -> str:
    text = str(exc).lower()
    if "read-only" in text or "readonly" in text:
        return "The database is read-only at the moment (maintenance or a failover)."
    if _disk_full(exc):
        return "The database has run out of disk space."
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
        # 507 Insufficient Storage: unlike an outage, waiting alone will not fix a full disk.
        full = _disk_full(exc)
        status, code = (507, "database_full") if full else (503, "database_unavailable")
        log.error("database unavailable: %s", exc)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"error": code, "message": message + " Nothing was saved.", "fields": {}},
                status=status,
            )
        else:
            when = "once an administrator has freed space" if full else "in a minute"
            response = HttpResponse(PAGE.format(message=message, when=when), status=status)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


API_PREFIX = "/api/"
# What an answer that renders nothing should allow: nothing (OWASP's policy for REST APIs).
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's policy for pages; JSON answers get the fixed JSON_POLICY instead.

    django-csp builds its policy string anew for every response, ~4 % of an API call's CPU,
    and a page's policy (scripts, styles, images from 'self') means nothing for JSON."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("application/json"):
            response.headers.setdefault("Content-Security-Policy", JSON_POLICY)
            return response
        return super().process_response(request, response)


class PageMessageMiddleware(MessageMiddleware):
    """Flash messages for pages; API calls never show one, so they skip setting up the
    cookie and session stores (~3 % of an API call's CPU)."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith(API_PREFIX):
            super().process_request(request)
