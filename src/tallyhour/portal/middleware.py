"""The one gate between client contacts and everything built for staff.

A signed-in contact may use the portal (/portal/) and static files, nothing else: staff pages
send them to the portal, the APIs (native /api/v1, Halo /api and /auth) answer 403 JSON.
Staff pages and APIs therefore never need to ask whether their user is a contact. (Bearer
tokens are refused for contacts where tokens are resolved, in accounts.services.)
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

PORTAL_PREFIX = "/portal/"
API_PREFIXES = ("/api/", "/auth/")


class PortalGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_contact", False):
            path = request.path
            if path.startswith((PORTAL_PREFIX, self.static_prefix)):
                return self.get_response(request)
            if path.lower().startswith(API_PREFIXES):
                return JsonResponse(
                    {
                        "error": "forbidden",
                        "message": "Client contacts use the client portal, not the API.",
                        "fields": {},
                    },
                    status=403,
                )
            return redirect("portal:home")
        return self.get_response(request)
