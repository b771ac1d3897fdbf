"""Who is calling: a bearer API token, or the signed-in browser session (with CSRF on writes).

Bearer tokens are also checked for the scope the request needs (browser sessions are bound by
the role alone). Both count against the same per-minute rate limit: per token, or per user for
a session.
"""

import re
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from tallyhour.accounts.models import User, scopes_for_role
from tallyhour.accounts.services import api_token_resolve
from tallyhour.core.apikit.errors import error_body
from tallyhour.core.apikit.requests import ApiRequest
from tallyhour.core.errors import DomainError, Forbidden

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
RATE_WINDOW_SECONDS = 60

# Which scope a write needs, by the path below /api/v1; first match wins, anything else is admin.
_WRITE_SCOPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^time-entries/[^/]+/write-off/?$"), "approve"),
    (re.compile(r"^submissions/[^/]+/recall/?$"), "time"),
    (re.compile(r"^(submissions|approvals)(/|$)"), "approve"),
    (re.compile(r"^(time-entries|timers|timesheets|tickets|leave|notices)(/|$)"), "time"),
    (re.compile(r"^(invoice-runs|invoices|contracts|rates|clients)(/|$)"), "billing"),
]


def required_scope(method: str, path: str) -> str:
    """The scope a bearer token needs for `method` on `path` (a full /api/v1/… path)."""
    if method.upper() in SAFE_METHODS:
        return "read"
    _, _, rest = path.partition("/api/v1/")
    for pattern, scope in _WRITE_SCOPES:
        if pattern.search(rest):
            return scope
    return "admin"


class RateLimited(DomainError):
    """Too many requests with one token (or one user's session) in the current window."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many requests; retry in {retry_after} s.")
        self.retry_after = retry_after


def _check_rate(bucket: str) -> None:
    rate_check(f"api-rate:{bucket}", int(getattr(settings, "API_RATE_LIMIT", 600)))


def rate_check(bucket: str, limit: int) -> None:
    """Count one request against `bucket`'s per-minute `limit` (0 or less: no limit) in the
    shared cache, so every app server counts together when the cache is Redis; over the limit
    raises RateLimited with the seconds until the next window."""
    if limit <= 0:
        return
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"{bucket}:{window}"
    # A fixed window per bucket: `add` starts the counter, `incr` is atomic on real caches.
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS + 5)
        count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * RATE_WINDOW_SECONDS - now) + 1)
        raise RateLimited(retry_after)


class BearerToken(HttpBearer):
    """`Authorization: Bearer th_…` with a token from `tallyhour createapitoken` or settings."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_resolve(token)
        if api_token is None:
            return None
        _check_rate(api_token.digest[:16])
        # Routes that manage tokens must not let a narrow token mint a broader one.
        request.api_token = api_token  # type: ignore[attr-defined]
        scope = required_scope(request.method or "GET", request.path)
        # A scope the role never has is left to the services, whose role checks answer with
        # the usual 403; the token can only narrow what the role allows.
        role_allows = scope in scopes_for_role(api_token.user.role)
        if role_allows and scope not in api_token.effective_scopes():
            raise Forbidden(
                f"This token lacks the '{scope}' scope needed for this request.",
                code="insufficient_scope",
                fields={"scope": scope},
            )
        return api_token.user


def install_rate_limit_handler(api: NinjaAPI) -> None:
    """429 answers carry `Retry-After` besides the usual error body."""

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = api.create_response(
            request, error_body(exc.code, exc.message, exc.fields), status=exc.status
        )
        response["Retry-After"] = str(exc.retry_after)
        return response


class SessionAuth(APIKeyCookie):
    """The Django session of the web UI; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Anonymous callers fall through to a plain 401 instead of a misleading CSRF error.
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise Forbidden(
                "CSRF check failed: send the X-CSRFToken header with session requests that "
                "change data, or use a bearer token.",
                code="csrf_failed",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        # A script riding a browser session gets the same budget as one with a token.
        _check_rate(f"user-{request.user.pk}")
        return request.user


class AuthedRequest(ApiRequest):
    """A request that passed authentication: `auth` is the calling Tallyhour user."""

    auth: User
