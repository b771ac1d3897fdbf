"""Optimistic concurrency: `ETag` on reads of one object, `If-Match` checked before a write.

Clients that send `If-Match` with the tag they read get 412 instead of silently overwriting
someone else's change; clients that send no `If-Match` keep working as before.

The comparison is made on the row as locked by the write's own transaction
(`if_match_locked`): compared any earlier, two writers holding one tag could both pass.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from tallyhour.core.errors import DomainError

M = TypeVar("M", bound=Model)

# Models whose tag is cheaper or more telling than the digest of every field; each app
# registers its own next to its router (see `tag_rule`).
TAG_RULES: dict[type[Model], Callable[[Any], str]] = {}


class PreconditionFailed(DomainError):
    """The object changed since the caller read it."""

    status = 412
    code = "precondition_failed"


def _canonical(value: Any) -> str:
    # The same stored value reads back alike whether it was just saved or loaded again.
    if isinstance(value, dt.datetime):
        return f"{value.timestamp():.6f}"
    if isinstance(value, Decimal):
        return str(value.normalize())
    return repr(value)


def state_digest(obj: Model) -> str:
    """A digest of every stored field, so any change (a state, a total, a flag), even one
    written by a bulk update that bumps no version, gives a new tag."""
    values = [
        f"{field.attname}={_canonical(field.value_from_object(obj))}"
        for field in obj._meta.concrete_fields
    ]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


def tag_rule(model: type[M]) -> Callable[[Callable[[M], str]], Callable[[M], str]]:
    """Register how `model` is tagged (the text between the quotes)."""

    def register(rule: Callable[[M], str]) -> Callable[[M], str]:
        TAG_RULES[model] = rule
        return rule

    return register


def entity_tag(obj: Model) -> str:
    """A strong tag that changes whenever the object is saved."""
    rule = TAG_RULES.get(type(obj))
    if rule is not None:
        return f'"{rule(obj)}"'
    return f'"{obj._meta.model_name}-{obj.pk}-{state_digest(obj)}"'


def set_entity_tag(response: HttpResponse, obj: Model) -> None:
    response["ETag"] = entity_tag(obj)


def check_if_match(request: HttpRequest, obj: Model) -> None:
    """Raise 412 when `If-Match` is sent and names no current tag (weak tags never match)."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    wanted = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in wanted or entity_tag(obj) in wanted:
        return
    raise PreconditionFailed(
        "The object changed since you read it; fetch it again and retry with its new ETag.",
        fields={"If-Match": "stale"},
    )


def lock_row(obj: M) -> M | None:
    """`obj` read again under a row lock (its own row only); None when it is gone."""
    manager = type(obj)._default_manager
    return manager.select_for_update(of=("self",)).filter(pk=obj.pk).first()


@contextmanager
def if_match_locked(request: HttpRequest, lock: Callable[[], Model | None]) -> Iterator[None]:
    """Compare `If-Match` with the row as locked in the transaction the write then runs in.

    `lock` takes the same row locks, in the same order, as the service about to run (which
    takes them again in the same transaction at no cost), so a parallel writer has either
    committed before the comparison or waits until this write commits. Without `If-Match`
    nothing is locked or read. A row that is gone is left to the service to refuse.
    """
    if request.headers.get("If-Match") is None:
        yield
        return
    with transaction.atomic():
        locked = lock()
        if locked is not None:
            check_if_match(request, locked)
        yield
