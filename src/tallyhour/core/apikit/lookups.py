"""Turn an id sent in a request into a row, or a 422 that names the field the caller sent.

Each app keeps the lookups of its own models (`<app>/lookups.py`); this is what they share.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, QuerySet

from tallyhour.core.errors import InvalidInput

M = TypeVar("M", bound=Model)


def one_or_invalid(
    rows: Callable[[], QuerySet[M]], pk: int | None, field: str, label: str
) -> M | None:
    """The row `pk` of `rows()`, or None when no id was sent; the queryset is only built when
    one was (most writes name no ticket or charge type)."""
    if pk is None:
        return None
    obj = rows().filter(pk=pk).first()
    if obj is None:
        raise InvalidInput(f"There is no {label} {pk}.", fields={field: "unknown"})
    return obj
