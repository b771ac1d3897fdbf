"""Model objects from the rows of hand-written SQL (an app's `sql.py`), built as the ORM
builds them: every concrete column selected in field order, each value converted as the
field converts it, and the objects of one row linked through their relations."""

from typing import Any

from django.db import connection
from django.db.models import Model
from psycopg import sql

# A model and the alias its table has in the statement.
Part = tuple[type[Model], str]


def _fields(model: type[Model]) -> list[Any]:
    return list(model._meta.concrete_fields)


def select_list(parts: list[Part]) -> sql.Composed:
    """Every column of every part, qualified by its alias, in field order."""
    return sql.SQL(", ").join(
        sql.Identifier(alias, str(field.column))
        for model, alias in parts
        for field in _fields(model)
    )


def load(model: type[Model], values: tuple[Any, ...]) -> Model:
    """`model` from its columns' values (`from_db_value` applied: JSON text to objects)."""
    fields = _fields(model)
    converted = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def split(row: tuple[Any, ...], parts: list[Part]) -> list[Model | None]:
    """One object per part of a `select_list` row; None where an outer join found nothing."""
    built: list[Model | None] = []
    for model, _alias in parts:
        fields = _fields(model)
        values, row = row[: len(fields)], row[len(fields) :]
        pk_at = [field.attname for field in fields].index(model._meta.pk.attname)
        built.append(load(model, values) if values[pk_at] is not None else None)
    return built
