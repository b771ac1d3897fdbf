"""Idempotency-Key for creating POSTs: the same key from the same user answers the first result.

A client that lost the answer to a POST (timeout, dropped connection) sends it again with the
same `Idempotency-Key` header and gets the stored answer instead of a second timer or entry.
The key is claimed in the same transaction as the work, so an error stores nothing (the retry
runs afresh) and two parallel requests with one key run the work once: the second waits on the
first's unique row, then replays its answer. Reusing a key for a different request is a 422.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from ninja import Header, Schema, Status

from tallyhour.core.errors import InvalidInput
from tallyhour.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _digest(request: HttpRequest, payload: Any) -> str:
    body = payload.model_dump(mode="json") if isinstance(payload, Schema) else payload
    text = json.dumps(
        {"method": request.method, "path": request.path, "body": body},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(stored: IdempotencyKey, digest: str) -> JsonResponse:
    if stored.request_digest != digest:
        raise InvalidInput(
            f"This {HEADER} was used for a different request; use a new key.",
            fields={HEADER: "reused with a different request"},
            code="idempotency_key_reused",
        )
    response = JsonResponse(stored.response_body, status=stored.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


def _check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise InvalidInput(
            f"{HEADER} must be 1–{MAX_KEY_LENGTH} printable characters.",
            fields={HEADER: "invalid"},
        )


def idempotent(
    request: HttpRequest,
    *,
    user: Any,
    payload: Any,
    schema: type[Schema],
    status: int,
    create: Callable[[], Any],
) -> Any:
    """Run `create` once per (user, Idempotency-Key) and answer its result as `schema`.

    Without the header this is just `create()` answered with `status`.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return Status(status, create())
    _check_key(key)
    digest = _digest(request, payload)
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is not None:
        return _replay(stored, digest)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    method=request.method or "",
                    path=request.path[:500],
                    request_digest=digest,
                    status_code=status,
                )
        except IntegrityError:
            # A parallel request with this key committed first: answer what it answered.
            return _replay(IdempotencyKey.objects.get(user=user, key=key), digest)
        result = create()
        body = schema.model_validate(result).model_dump(mode="json")
        claim.response_body = body
        claim.save(update_fields=["response_body"])
    return JsonResponse(body, status=status, safe=False)


IDEMPOTENCY_HELP = (
    "Send the same key again to get the first answer back instead of creating a second "
    "object (scoped to the caller)."
)


def idempotency_header() -> Any:
    """The optional `Idempotency-Key` header parameter of a creating route."""
    return Header(  # type: ignore[type-arg]
        None, alias="Idempotency-Key", max_length=MAX_KEY_LENGTH, description=IDEMPOTENCY_HELP
    )
