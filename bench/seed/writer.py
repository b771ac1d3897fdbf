"""Batched rows with explicit ids and columns: COPY on PostgreSQL, `executemany` on SQLite.

Rows go straight to the tables, past the ORM and the services (no `save()`, no signals, no
audit rows): two million entries through the ORM would take an hour. Only Django's public
API is used: the model's `_meta` field list for column names and defaults, a cursor from
`connection.cursor()` (psycopg's `copy()` is reached through it), and the backend's own
sequence-reset SQL.
"""

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

UTC = dt.UTC


def columns(model: type[models.Model], *, leave_out: Iterable[str] = ()) -> list[str]:
    """The table's columns by attribute name, in the model's order, but for the fields named
    in `leave_out` (those get their defaults)."""
    skip = set(leave_out)
    return [f.attname for f in model._meta.concrete_fields if f.name not in skip]


class Writer:
    """Raw batched inserts with explicit ids; counts the rows written per table."""

    def __init__(self, now: dt.datetime) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.now = now
        self.counts: Counter[str] = Counter()
        self.models: set[type[models.Model]] = set()
        self.next_id: dict[type[models.Model], int] = {}

    def ids(self, model: type[models.Model], count: int = 1) -> int:
        """Reserve `count` ids after the table's current maximum; returns the first."""
        if model not in self.next_id:
            quote = connection.ops.quote_name
            pk = model._meta.pk
            assert pk is not None
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX({quote(pk.column)}) FROM {quote(model._meta.db_table)}")  # noqa: S608
                (highest,) = cursor.fetchone()
            self.next_id[model] = (highest or 0) + 1
        first = self.next_id[model]
        self.next_id[model] += count
        return first

    def default(self, f: models.Field) -> Any:
        """What a column the generator does not give gets: what `save()` would have put."""
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.now
        if f.has_default():
            return f.get_default()
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField):
            return ""
        raise ValueError(f"seed: give a value for {f.model.__name__}.{f.attname}")

    def converter(self, f: models.Field) -> Callable[[Any], Any] | None:
        """How a Python value becomes what the driver takes for this column."""
        if isinstance(f, models.DateTimeField):
            # Generated datetimes are UTC, some of them naive.
            if self.postgres:
                return lambda v: v if v is None or v.tzinfo else v.replace(tzinfo=UTC)
            # Django keeps naive UTC text in SQLite; values here carry no microseconds.
            return lambda v: (
                v if v is None else (v.astimezone(UTC) if v.tzinfo else v).strftime("%F %T")
            )
        if isinstance(f, models.DateField | models.TimeField) and not self.postgres:
            return lambda v: None if v is None else v.isoformat()
        if isinstance(f, models.JSONField):
            return lambda v: None if v is None else json.dumps(v)
        if isinstance(f, models.DecimalField) and not self.postgres:
            return lambda v: None if v is None else str(v)
        return None

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Write `rows` (values in the order of `columns`, by attribute name); every other
        column gets its default. Returns the number of rows."""
        fields = {
            f.attname: f
            for f in model._meta.get_fields()
            # Columns of this table: many-to-many fields live in their own tables.
            if isinstance(f, models.Field) and f.concrete and not f.many_to_many
        }
        extra = [f for name, f in fields.items() if name not in columns]
        extra_values = tuple(self.default(f) for f in extra)
        ordered = [fields[name] for name in columns] + extra
        conversions = [(i, c) for i, f in enumerate(ordered) if (c := self.converter(f))]

        def prepared() -> Iterable[list[Any]]:
            for row in rows:
                values = [*row, *extra_values]
                for index, convert in conversions:
                    values[index] = convert(values[index])
                yield values

        quote = connection.ops.quote_name
        table = model._meta.db_table
        names = ", ".join(quote(f.column) for f in ordered)
        count = 0
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for values in prepared():
                        copy.write_row(values)
                        count += 1
            else:
                batch = list(prepared())
                marks = ", ".join(["%s"] * len(ordered))
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", batch)  # noqa: S608
                count = len(batch)
        self.counts[table] += count
        self.models.add(model)
        return count

    def reset_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind; move them past the new rows."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.models))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
