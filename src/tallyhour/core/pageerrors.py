"""Domain errors raised by page views, answered in one place so views can parse → call →
render. The JSON API keeps its own handlers (Ninja's, and the Halo adapter's decorator).

A view that wants a form post sent back somewhere on error names the place first
(`back_on_error(request, url)`); a page whose errors leave nothing else to show is marked
`@errors_as_page` (a whole error page even for htmx requests)."""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.http import HttpRequest, HttpResponse

from tallyhour.core.errors import DomainError
from tallyhour.core.htmx import HtmxRequest, error_page, error_response

API_PREFIXES = ("/api/", "/auth/")
BACK_TO = "tallyhour_error_back_to"
AS_PAGE = "tallyhour_errors_as_page"

View = TypeVar("View", bound=Callable[..., Any])
T = TypeVar("T")


def back_on_error(request: HttpRequest, url: str) -> None:
    """Where a form post goes back to (with the error as a flash message) if a call fails."""
    setattr(request, BACK_TO, url)


def errors_as_page(view: View) -> View:
    """Mark a page view whose errors are whole pages (403, 404, ...), htmx or not."""
    setattr(view, AS_PAGE, True)
    return view


class DomainErrorMiddleware:
    """Turn an uncaught `DomainError` into the response `core.htmx.error_response` gives:
    an alert for htmx, a flash and redirect for a form post that named its way back, else
    an error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path_info.startswith(API_PREFIXES):
            return None
        match = request.resolver_match
        if match is not None and getattr(match.func, AS_PAGE, False):
            return error_page(request, exc)
        page_request = cast(HtmxRequest, request)  # past the htmx middleware
        return error_response(page_request, exc, back_to=getattr(request, BACK_TO, None))


def form_call(form: forms.Form, call: Callable[..., T], /, **kwargs: Any) -> tuple[T | None, int]:
    """Call a service for a form. A refusal is shown inside the form, with its status, so the
    person can correct what they typed: (result, 200) or (None, the error's status)."""
    try:
        return call(**kwargs), 200
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None, exc.status


def form_submit(form: forms.Form, call: Callable[[], T]) -> tuple[T | None, int]:
    """A posted form: `call` the service once the form is valid (see `form_call`); an
    invalid form is (None, 422) and calls nothing."""
    if not form.is_valid():
        return None, 422
    return form_call(form, call)


def form_errors_from(form: forms.Form, exc: DomainError) -> None:
    """Put a service's field errors next to the fields they name, the rest above the form."""
    placed = False
    for name, message in exc.fields.items():
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)
