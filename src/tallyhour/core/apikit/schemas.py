"""Schemas and field types shared by every router: errors, paging, ids, instants and days."""

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime

from tallyhour.core import dates
from tallyhour.core.errors import InvalidInput

T = TypeVar("T")

# Ids are bounded so an absurd number is a 422, not a database overflow.
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID, examples=[42])]


def _check_year(year: int) -> None:
    # The one bound every path shares (core.dates).
    if problem := dates.year_problem(year):
        raise ValueError(problem)


def _reasonable_day(value: dt.date) -> dt.date:
    _check_year(value.year)
    return value


def _reasonable_instant(value: dt.datetime) -> dt.datetime:
    _check_year(value.year)
    return value


def _storable_text(value: str) -> str:
    # PostgreSQL cannot store NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_storable_text)]
Day = Annotated[dt.date, AfterValidator(_reasonable_day)]
# Instants must carry a zone offset: a naive time is refused as invalid input.
Instant = Annotated[AwareDatetime, AfterValidator(_reasonable_instant)]


def check_day(value: dt.date, field: str) -> dt.date:
    """The same bound for days parsed outside a schema (e.g. from a week label)."""
    try:
        _check_year(value.year)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}.", fields={field: str(exc)}) from exc
    return value


class ErrorOut(Schema):
    """Every 4xx answer: a stable code, a sentence for people, and the offending fields."""

    error: str = Field(..., examples=["invalid"])
    message: str = Field(..., examples=["ended_at must be after started_at."])
    fields: dict[str, Any] = Field(default_factory=dict, examples=[{"ended_at": "before start"}])


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Error schemas for an operation's documented failure statuses.

    Any request may be malformed (400), unauthenticated (401), lack a token scope or the CSRF
    header (403), fail validation (422) or exceed the token's rate limit (429).
    """
    return dict.fromkeys(sorted({400, 401, 403, 422, 429, *statuses}), ErrorOut)


class Paging(Schema):
    limit: int = Field(50, ge=1, le=500, description="Items per page (at most 500).", examples=[50])
    offset: int = Field(0, ge=0, le=2**31, description="Items to skip.", examples=[100])


class Page(Schema, Generic[T]):
    count: int = Field(..., description="All matching items, not just this page.")
    items: list[T]


def paginate(queryset: QuerySet[Any], paging: Paging) -> dict[str, Any]:
    return {
        "count": queryset.count(),
        "items": list(queryset[paging.offset : paging.offset + paging.limit]),
    }
