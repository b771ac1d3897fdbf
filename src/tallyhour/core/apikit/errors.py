"""One error format for every 4xx: `{"error": code, "message": text, "fields": {...}}`."""

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from tallyhour.core.errors import DomainError

logger = logging.getLogger(__name__)

# Where ninja says a bad value came from; clients only care about the field name.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# Routes bind whole schemas to parameters with these names; callers never see them.
_SCHEMA_PARAMS = {"payload", "filters", "params"}
# full_clean() names model fields; the API names foreign keys by their id.
_MODEL_TO_API = {
    "agent": "agent_id",
    "assignee": "assignee_id",
    "charge_type": "charge_type_id",
    "client": "client_id",
    "ticket": "ticket_id",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "fields": fields or {}}


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in _SCHEMA_PARAMS:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def schema_error_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc", ())), str(error.get("msg", "invalid")))
    return fields


def _invalid_message(fields: dict[str, str]) -> str:
    problems = "; ".join(f"{name}: {problem.rstrip('.')}" for name, problem in fields.items())
    return f"Invalid input. {problems}."


def _status_code(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every failure a caller can cause to the one error format, never to a 5xx."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        if status == HTTPStatus.UNAUTHORIZED:
            response["WWW-Authenticate"] = 'Bearer realm="tallyhour"'
        return response

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.fields))

    @api.exception_handler(SchemaValidationError)
    def schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        fields = schema_error_fields(exc.errors)
        return respond(request, 422, error_body("invalid", _invalid_message(fields), fields))

    @api.exception_handler(ModelValidationError)
    def model_error(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {
                _MODEL_TO_API.get(name, name): " ".join(messages)
                for name, messages in exc.message_dict.items()
            }
        else:
            fields = {"__all__": " ".join(exc.messages)}
        return respond(request, 422, error_body("invalid", _invalid_message(fields), fields))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", str(exc) or "Not found."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django refuses oversized query strings and bodies (too many fields) this way.
        return respond(request, 400, error_body("bad_request", str(exc) or "Bad request."))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, error_body("forbidden", str(exc) or "Forbidden."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            error_body(
                "unauthorized",
                "Authentication required: send `Authorization: Bearer <token>` with a valid API "
                "token, or sign in.",
            ),
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(
            request, exc.status_code, error_body(_status_code(exc.status_code), exc.message)
        )

    @api.exception_handler(IntegrityError)
    def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # Services check state first; reaching a constraint means a parallel request won.
        logger.warning("API write refused by a database constraint: %s", exc)
        return respond(
            request,
            409,
            error_body(
                "conflict", "The change clashes with a concurrent change; reload and try again."
            ),
        )

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # Schemas bound every value the database could refuse; this is the last line of defence.
        logger.warning("API input refused by the database: %s", exc)
        return respond(request, 422, error_body("invalid", "A value cannot be stored as sent."))
