"""Hand-written SQL for accounts, PostgreSQL only.

Each statement has an ORM twin that SQLite runs (named in its docstring);
`tests/accounts/test_sql.py` runs both on the same rows and compares what they build.
"""

from django.db import connection
from django.db.models import Model
from psycopg import sql

from tallyhour.accounts.models import Agent, ApiToken, User
from tallyhour.core.sqlrows import Part, select_list, split

# The agent's default charge type belongs to an app above accounts: named through the field.
CHARGE_TYPE = Agent._meta.get_field("default_charge_type").related_model
assert isinstance(CHARGE_TYPE, type) and issubclass(CHARGE_TYPE, Model)
TOKEN_PARTS: list[Part] = [(ApiToken, "t"), (User, "u"), (Agent, "a"), (CHARGE_TYPE, "c")]

# Rendered once: quoting its fifty-odd names cost as much as running it.
TOKEN = (
    sql.SQL(
        "SELECT {select} FROM {t} t JOIN {u} u ON u.id = t.user_id"
        " LEFT JOIN {a} a ON a.user_id = u.id"
        " LEFT JOIN {c} c ON c.id = a.default_charge_type_id"
        " WHERE t.digest = %s"
    )
    .format(
        select=select_list(TOKEN_PARTS),
        **{alias: sql.Identifier(model._meta.db_table) for model, alias in TOKEN_PARTS},
    )
    .as_string(None)
)


# Serialises one user's writes (see timetracking's lock_agent).
USER_LOCK = (
    sql.SQL("SELECT 1 FROM {user} WHERE id = %s FOR UPDATE")
    .format(user=sql.Identifier(User._meta.db_table))
    .as_string(None)
)


def user_lock(user_id: int) -> None:
    """Lock the user's row until the transaction ends (twin: the ORM lock in timetracking's
    `services.lock_agent`)."""
    with connection.cursor() as cursor:
        cursor.execute(USER_LOCK, [user_id])


def token_with_user(digest: str) -> ApiToken | None:
    """The token whose digest is `digest` with its user, the user's agent profile and the
    profile's default charge type: what every API request reads first, in one fixed
    statement. (The ORM compiles the same four-table join for each request, which cost more
    CPU than the rest of a timer start together.)"""
    with connection.cursor() as cursor:
        cursor.execute(TOKEN, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user, agent, charge_type = split(row, TOKEN_PARTS)
    assert isinstance(token, ApiToken) and isinstance(user, User)
    token.user = user
    if isinstance(agent, Agent):
        user.agent = agent  # caches both sides of the one-to-one
        if charge_type is not None:
            agent.default_charge_type = charge_type  # type: ignore[assignment]
    return token
