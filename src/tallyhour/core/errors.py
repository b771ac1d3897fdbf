"""Domain errors raised by services; the API and pages map each to one HTTP status."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class DomainError(Exception):
    """Base for errors a user can act on: carries a code, a message and offending fields."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        # Which record of a batch request failed (its index in the array), if any.
        self.index: int | None = None
        if code:
            self.code = code

    def at_index(self, index: int) -> "DomainError":
        """This error, said of the record at `index` of a batch (nothing of it was saved)."""
        self.index = index
        self.message = f"Record {index} (counting from 0): {self.message} Nothing was saved."
        return self


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


def full_clean_or_invalid(
    obj: models.Model, *, exclude: list[str] | None = None, validate_constraints: bool = True
) -> None:
    """Run model validation, reporting failures as InvalidInput (422) rather than a crash."""
    try:
        obj.full_clean(exclude=exclude, validate_constraints=validate_constraints)
    except ValidationError as exc:
        errors = getattr(exc, "error_dict", None) or {"__all__": exc.error_list}
        fields = {
            name: " ".join(str(message) for error in messages for message in error)
            for name, messages in errors.items()
        }
        message = "; ".join(f"{name}: {text}" for name, text in fields.items())
        raise InvalidInput(message or "Invalid input.", fields=fields) from exc
