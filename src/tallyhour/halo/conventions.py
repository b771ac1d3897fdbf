"""HaloPSA API conventions: loose booleans, paging, list envelopes, array bodies, errors."""

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from tallyhour.accounts.models import ApiToken, User, scopes_for_role
from tallyhour.accounts.services import api_token_resolve
from tallyhour.core import dates
from tallyhour.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tallyhour.halo import scopes as halo_scopes

MAX_PAGE_SIZE = 1000
MAX_PAGE_NO = 2**31  # × MAX_PAGE_SIZE stays far below a 64-bit row offset


class HaloRequest(HttpRequest):
    """A request that passed bearer authentication: `user` is the calling agent."""

    user: User
    api_token: ApiToken


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def require_scope(request: HaloRequest, scope: str) -> None:
    """Refuse a token without `scope`, as the native API does: scopes only narrow the role, so a
    scope the role never has is left to the services' own 403."""
    token = request.api_token
    if scope in scopes_for_role(token.user.role) and scope not in token.effective_scopes():
        raise Forbidden(
            f"This token lacks the '{scope}' scope needed for this request.",
            code="insufficient_scope",
            fields={"scope": scope},
        )


def require_halo_scope(request: HaloRequest) -> None:
    """Refuse a request outside the Halo scopes the token was issued with (`read:tickets`…),
    by the resource the path names; tokens not issued at /auth/token are not narrowed."""
    resource = halo_scopes.resource_of(request.path)
    write = request.method not in SAFE_METHODS
    missing = halo_scopes.missing_scope(request.api_token.halo_scopes, resource, write)
    if missing is not None:
        raise Forbidden(
            f"This token lacks the '{missing}' scope needed for this request.",
            code="insufficient_scope",
            fields={"scope": missing},
        )


def oauth_error(
    error: str, description: str, status: int = 401, *, retry_after: int | None = None
) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{error}"'
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def error_response(exc: DomainError) -> JsonResponse:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message, "fields": exc.fields}
    if exc.index is not None:
        body["index"] = exc.index
    return JsonResponse(body, status=exc.status)


def halo_endpoint(
    view: Callable[..., Any] | None = None, *, write_scope: str | None = "time"
) -> Any:
    """Bearer auth, the token's Halo scope for the resource, and its native scope (`read` for
    reads, `write_scope` for writes; None when the view checks per command), then the view;
    domain errors become 4xx JSON, never a 500."""
    if view is None:
        return lambda view: halo_endpoint(view, write_scope=write_scope)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        token = api_token_resolve(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return oauth_error("invalid_token", "Missing, expired or revoked access token.")
        request.user = token.user
        request.api_token = token  # type: ignore[attr-defined]
        if kwargs.get("pk") is not None:
            kwargs["pk"] = int(kwargs["pk"])  # the URL pattern allows digits only
            if kwargs["pk"] >= 2**63:
                return error_response(NotFound("No record has that id."))
        try:
            refuse_nul(request.GET)
            require_halo_scope(request)  # type: ignore[arg-type]
            scope = "read" if request.method in SAFE_METHODS else write_scope
            if scope is not None:
                require_scope(request, scope)  # type: ignore[arg-type]
            result = view(request, *args, **kwargs)
        except DomainError as exc:
            return error_response(exc)
        except ValidationError as exc:
            fields = getattr(exc, "message_dict", {"__all__": exc.messages})
            return error_response(InvalidInput("Invalid value.", fields=fields))
        if isinstance(result, HttpResponseNotAllowed):
            # The method check answers in Django's plain form; Halo callers read JSON.
            refused = error_response(
                DomainError(f"{request.method} is not allowed here.", code="method_not_allowed")
            )
            refused.status_code, refused["Allow"] = 405, result["Allow"]
            return refused
        return result if isinstance(result, HttpResponse) else JsonResponse(result, safe=False)

    return wrapper


def _nul_in(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_nul_in(k) or _nul_in(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_nul_in(v) for v in value)
    return False


def refuse_nul(params: Any) -> None:
    """PostgreSQL cannot hold NUL in text (nor compare with it): such input is refused whole,
    on both databases, before anything reads it."""
    for name, values in params.lists():
        if _nul_in(name) or _nul_in(values):
            raise InvalidInput(f"{name} must not contain NUL characters.", fields={name: "NUL"})


def flag(request: HttpRequest, name: str, default: bool = False) -> bool:
    """Halo sends booleans as true/True/1; anything unreadable counts as the default."""
    value = request.GET.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"true", "1", "yes"}


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _whole(text: str, name: str) -> int:
    """A query parameter's whole number, within a 64-bit row id."""
    try:
        number = int(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{name} must be a whole number.", fields={name: "not a number"}
        ) from exc
    if not 0 <= number < 2**63:
        raise InvalidInput(f"{name} is out of range.", fields={name: "out of range"})
    return number


def int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    return None if value in (None, "") else _whole(value, name)


def int_list_param(request: HttpRequest, name: str) -> list[int] | None:
    """A whole number or a comma-separated list of them (Halo's arrays of ids)."""
    value = request.GET.get(name)
    return None if value in (None, "") else [_whole(part, name) for part in value.split(",")]


def date_param(request: HttpRequest, name: str) -> dt.datetime | None:
    """ISO date or datetime in UTC (Halo sends `2026-11-01T00:00:00Z` or a bare date)."""
    value = request.GET.get(name)
    if not value:
        return None
    return parse_datetime(value, name)


def parse_datetime(value: Any, field: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"{field} must be an ISO 8601 date.", fields={field: "bad date"}
        ) from exc
    if problem := dates.year_problem(parsed.year):
        raise InvalidInput(f"{field}: {problem}.", fields={field: problem})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def hours_value(value: Any, field: str) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(
            f"{field} must be decimal hours.", fields={field: "not a number"}
        ) from exc
    if not hours.is_finite() or hours < 0 or hours > 24:
        raise InvalidInput(
            f"{field} must be between 0 and 24 hours.", fields={field: "out of range"}
        )
    return hours


def array_body(request: HttpRequest) -> list[dict[str, Any]]:
    """Halo POSTs a JSON array of records (a single object is accepted too)."""
    try:
        body = json.loads(request.body or b"[]")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("The body must be JSON.", fields={"body": "not JSON"}) from exc
    if isinstance(body, dict):
        body = [body]
    if _nul_in(body):
        raise InvalidInput("The body must not contain NUL characters.", fields={"body": "NUL"})
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise InvalidInput("The body must be an array of objects.", fields={"body": "not an array"})
    return body


def paged(
    request: HttpRequest,
    items: QuerySet | list,
    plural: str | None,
    record: Callable[[Any], dict[str, Any]] = lambda obj: obj,
) -> Any:
    """`pageinate=true&page_size&page_no`, or `count`; with `plural`, Halo's list envelope.

    Only the requested page is loaded and shaped into records.
    """
    total = items.count() if isinstance(items, QuerySet) else len(items)
    page_no, page_size = 1, None
    if flag(request, "pageinate"):
        page_size = min(int_param(request, "page_size") or 50, MAX_PAGE_SIZE)
        page_no = max(int_param(request, "page_no") or 1, 1)
        if page_no > MAX_PAGE_NO:
            # The row offset would overflow the database's 64-bit integer.
            raise InvalidInput("page_no is out of range.", fields={"page_no": "out of range"})
        items = items[(page_no - 1) * page_size : page_no * page_size]
    elif (count := int_param(request, "count")) is not None:
        # Capped like a page; record_count still tells how many there are.
        items = items[: min(count, MAX_PAGE_SIZE)]
    records = [record(obj) for obj in items]
    if plural is None:
        return records
    envelope: dict[str, Any] = {"record_count": total, plural: records}
    if page_size is not None:
        envelope = {"page_no": page_no, "page_size": page_size, **envelope}
    return envelope


def hours(seconds: int | None) -> float:
    """Decimal hours as Halo sends them (a JSON number, 4 places)."""
    return float((Decimal(seconds or 0) / 3600).quantize(Decimal("0.0001")))


def iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()
