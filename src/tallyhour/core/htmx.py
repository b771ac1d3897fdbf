"""Page helpers: one view, two renderings (full page or htmx fragment), and domain errors
shown to people as messages or error fragments instead of server errors."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from tallyhour.core.errors import DomainError

MESSAGES_TARGET = "#messages"


class HtmxRequest(HttpRequest):
    """A signed-in request that went through the htmx middleware (for type checking only).

    Apps type their views with `accounts.requests.PageRequest`, whose user is a Tallyhour user.
    """

    htmx: HtmxDetails


def render_page(
    request: HtmxRequest,
    page: str,
    partial: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """The fragment for htmx requests (history restores excepted), otherwise the whole page."""
    template = partial if request.htmx and not request.htmx.history_restore_request else page
    return render(request, template, context, status=status)


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` field of a form when it points back into this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A whole page for an error that leaves nothing else to show (403, 404, ...)."""
    template = {403: "403.html", 404: "404.html"}.get(error.status, "error.html")
    return render(request, template, {"error": error}, status=error.status)


def error_response(
    request: HtmxRequest, error: DomainError, *, back_to: str | None = None
) -> HttpResponse:
    """Show a domain error where the person is looking.

    htmx: an alert fragment swapped into the page's message area with the error's status
    (the page's htmx config swaps 4xx responses). Form posts: a flash message and a redirect
    back. Anything else: an error page.
    """
    if request.htmx:
        response = render(request, "partials/alert.html", {"error": error}, status=error.status)
        retarget(response, MESSAGES_TARGET)
        reswap(response, "innerHTML")
        return response
    if request.method == "POST" and back_to:
        messages.error(request, error.message)
        return redirect(back_to)
    return error_page(request, error)


def done(request: HtmxRequest, message: str, back_to: str) -> HttpResponse:
    """After a successful form post: a flash message and a redirect (post/redirect/get)."""
    messages.success(request, message)
    return redirect(back_to)
