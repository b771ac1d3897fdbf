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


def render(template: str, parts: list[Part], **tables: type[Model]) -> str:
    """A statement's text, rendered once: `{select}` becomes `select_list(parts)`, each part's
    alias (`{t}`) and each extra name its model's table."""
    names = {alias: sql.Identifier(model._meta.db_table) for model, alias in parts}
    names |= {name: sql.Identifier(model._meta.db_table) for name, model in tables.items()}
    return sql.SQL(template).format(select=select_list(parts), **names).as_string(None)


def fetch(statement: str, params: list[Any], parts: list[Part]) -> list[list[Model | None]]:
    """The rows of `statement`, each split into its parts' objects."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [split(row, parts) for row in cursor.fetchall()]


def _inserted(model: type[Model]) -> list[Any]:
    return [field for field in _fields(model) if not field.primary_key]


def insert_statement(model: type[Model]) -> str:
    """`INSERT` of every column but the id, answering the new id."""
    fields = _inserted(model)
    return (
        sql.SQL("INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id")
        .format(
            table=sql.Identifier(model._meta.db_table),
            columns=sql.SQL(", ").join(sql.Identifier(str(field.column)) for field in fields),
            values=sql.SQL(", ").join(sql.Placeholder() for _ in fields),
        )
        .as_string(None)
    )


def insert(obj: Model, statement: str) -> None:
    """Write `obj` as a new row through its `insert_statement`, as `save()` prepares it: each
    field's `pre_save` (creation times), then its database value; `obj` gets its new id."""
    values = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for field in _inserted(type(obj))
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        row = cursor.fetchone()
    assert row is not None
    obj.pk = row[0]
