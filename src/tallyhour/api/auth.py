"""Who is calling: a bearer API token, or the signed-in browser session (with CSRF on writes)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from tallyhour.accounts.models import User
from tallyhour.accounts.services import api_token_authenticate
from tallyhour.core.errors import Forbidden


class BearerToken(HttpBearer):
    """`Authorization: Bearer th_…` with a token made by `tallyhour createapitoken`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return api_token_authenticate(token)


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
        return request.user if request.user.is_authenticated else None


class AuthedRequest(HttpRequest):
    """A request that passed authentication: `auth` is the calling user."""

    auth: User
