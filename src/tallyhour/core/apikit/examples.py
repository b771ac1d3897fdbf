"""Examples shown in the OpenAPI document (and tried by schema-driven tests) per operation."""

from typing import Any

JSON = "application/json"


def examples(
    *,
    body: dict[str, Any] | None = None,
    response: Any = None,
    status: int = 200,
) -> dict[str, Any]:
    """`openapi_extra` for an operation: named request bodies and/or one answer example.

    `body` maps a short name to a request body, e.g. `{"one day": {...}, "a week": {...}}`.
    """
    extra: dict[str, Any] = {}
    if body:
        named = {name: {"summary": name, "value": value} for name, value in body.items()}
        extra["requestBody"] = {"content": {JSON: {"examples": named}}}
    if response is not None:
        extra["responses"] = {status: {"content": {JSON: {"example": response}}}}
    return extra
