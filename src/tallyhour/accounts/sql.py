"""Hand-written SQL for accounts, PostgreSQL only.

Each statement has an ORM twin that SQLite runs (named in its docstring);
`tests/accounts/test_sql.py` runs both on the same rows and compares what they build.
"""

from django.db import connection
from django.db.models import Model

from tallyhour.accounts.models import Agent, ApiToken, User
from tallyhour.core.sqlrows import Part, fetch, render

# The agent's default charge type belongs to an app above accounts: named through the field.
CHARGE_TYPE = Agent._meta.get_field("default_charge_type").related_model
assert isinstance(CHARGE_TYPE, type) and issubclass(CHARGE_TYPE, Model)
TOKEN_PARTS: list[Part] = [(ApiToken, "t"), (User, "u"), (Agent, "a"), (CHARGE_TYPE, "c")]

# Rendered once: quoting its fifty-odd names cost as much as running it.
TOKEN = render(
    "SELECT {select} FROM {t} t JOIN {u} u ON u.id = t.user_id"
    " LEFT JOIN {a} a ON a.user_id = u.id"
    " LEFT JOIN {c} c ON c.id = a.default_charge_type_id"
    " WHERE t.digest = %s",
    TOKEN_PARTS,
)

# Serialises one user's writes (see timetracking's lock_agent).
USER_LOCK = render("SELECT 1 FROM {user} WHERE id = %s FOR UPDATE", [], user=User)


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
    rows = fetch(TOKEN, [digest], TOKEN_PARTS)
    if not rows:
        return None
    token, user, agent, charge_type = rows[0]
    assert isinstance(token, ApiToken) and isinstance(user, User)
    token.user = user
    if isinstance(agent, Agent):
        user.agent = agent  # caches both sides of the one-to-one
        if charge_type is not None:
            agent.default_charge_type = charge_type  # type: ignore[assignment]
    return token
