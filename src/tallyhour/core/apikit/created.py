"""Creating POSTs: what every router's create operations share."""

from collections.abc import Callable
from typing import Any

from ninja import Schema

from tallyhour.core.apikit.requests import ApiRequest
from tallyhour.core.idempotency import idempotent


def created(
    request: ApiRequest,
    *,
    payload: Any,
    schema: type[Schema],
    create: Callable[[], Any],
    status: int = 201,
) -> Any:
    """Run `create` once per the caller's `Idempotency-Key` and answer its result as `schema`
    (201 Created unless `status` says otherwise)."""
    return idempotent(
        request, user=request.auth, payload=payload, schema=schema, status=status, create=create
    )
