"""Hand-written SQL for accounts, PostgreSQL only.

Each statement has an ORM twin that SQLite runs (`services.token_with_user_orm`);
`tests/accounts/test_sql.py` runs both on the same rows and compares what they build.
"""

from typing import Any

from django.db import connection
from django.db.models import Model
from psycopg import sql

from tallyhour.accounts.models import Agent, ApiToken, User

# The agent's default charge type belongs to an app above accounts: named through the field.
CHARGE_TYPE = Agent._meta.get_field("default_charge_type").related_model
assert isinstance(CHARGE_TYPE, type) and issubclass(CHARGE_TYPE, Model)
PARTS: list[tuple[type[Model], str]] = [
    (ApiToken, "t"),
    (User, "u"),
    (Agent, "a"),
    (CHARGE_TYPE, "c"),
]


def _columns(model: type[Model]) -> list[str]:
    return [str(field.column) for field in model._meta.concrete_fields]


def _names(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _load(model: type[Model], values: tuple[Any, ...]) -> Model:
    """`model` from its columns' values, each converted as the ORM does (`from_db_value`:
    JSON text to objects)."""
    converted = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(model._meta.concrete_fields, values, strict=True)
    ]
    return model.from_db(connection.alias, _names(model), converted)


def _statement() -> sql.Composed:
    select = sql.SQL(", ").join(
        sql.Identifier(alias, column) for model, alias in PARTS for column in _columns(model)
    )
    tables = {alias: sql.Identifier(model._meta.db_table) for model, alias in PARTS}
    return sql.SQL(
        "SELECT {select} FROM {t} t JOIN {u} u ON u.id = t.user_id"
        " LEFT JOIN {a} a ON a.user_id = u.id"
        " LEFT JOIN {c} c ON c.id = a.default_charge_type_id"
        " WHERE t.digest = %s"
    ).format(select=select, **tables)


# Rendered once: quoting its fifty-odd names cost as much as running it.
STATEMENT = _statement().as_string(None)


def token_with_user(digest: str) -> ApiToken | None:
    """The token whose digest is `digest` with its user, the user's agent profile and the
    profile's default charge type: what every API request reads first, in one fixed
    statement. (The ORM compiles the same four-table join for each request, which cost more
    CPU than the rest of a timer start together.)"""
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    built: list[Model | None] = []
    for model, _alias in PARTS:
        names = _names(model)
        values, row = row[: len(names)], row[len(names) :]
        # A LEFT JOIN that found nothing gives NULLs, primary key included.
        found = values[names.index(model._meta.pk.attname)] is not None
        built.append(_load(model, values) if found else None)
    token, user, agent, charge_type = built
    assert isinstance(token, ApiToken) and isinstance(user, User)
    token.user = user
    if isinstance(agent, Agent):
        user.agent = agent  # caches both sides of the one-to-one
        if charge_type is not None:
            agent.default_charge_type = charge_type  # type: ignore[assignment]
    return token
