"""Domain errors raised by services; the API and pages map each to one HTTP status."""

from typing import Any


class DomainError(Exception):
    """Base for errors a user can act on: carries a code, a message and offending fields."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class InvalidInput(DomainError):
    """The request names a field whose value cannot be accepted."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    """The object does not exist or the actor may not know that it exists."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The actor is known but may not do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object's state (locked, submitted, invoiced, already running) forbids this now."""

    status = 409
    code = "conflict"
