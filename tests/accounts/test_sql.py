"""The API token look-up: on PostgreSQL its hand-written statement builds what the ORM's
select_related builds (token, user, agent profile, default charge type), with no further
query for any of them."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tallyhour.accounts import sql
from tallyhour.accounts.models import Agent
from tallyhour.accounts.services import _digest, api_token_create, token_with_user_orm

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="hand-written SQL runs on PostgreSQL only"
    ),
]


def _fields(obj):  # noqa: ANN001, ANN202
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _same(digest: str) -> None:
    orm = token_with_user_orm(digest)
    with CaptureQueriesContext(connection) as queries:
        raw = sql.token_with_user(digest)
        assert raw is not None and orm is not None
        assert _fields(raw) == _fields(orm)
        assert _fields(raw.user) == _fields(orm.user)
        has_agent = Agent.objects.filter(user=orm.user).exists()
        if has_agent:
            assert _fields(raw.user.agent) == _fields(orm.user.agent)
            assert raw.user.agent.user is raw.user
            charge_type = orm.user.agent.default_charge_type
            if charge_type is None:
                assert raw.user.agent.default_charge_type is None
            else:
                assert _fields(raw.user.agent.default_charge_type) == _fields(charge_type)
    # The statement itself, and the exists() above: nothing loaded lazily.
    assert len(queries) == 2


def test_an_agents_token_with_profile_and_default_charge_type(engineer):
    assert engineer.agent.default_charge_type_id is not None
    _same(_digest(api_token_create(user=engineer, name="laptop")[1]))


def test_an_agent_without_a_default_charge_type(engineer):
    Agent.objects.filter(user=engineer).update(default_charge_type=None)
    _same(_digest(api_token_create(user=engineer, name="laptop")[1]))


def test_a_user_without_an_agent_profile(billing):
    _same(_digest(api_token_create(user=billing, name="finance")[1]))


def test_an_unknown_digest_is_none(engineer):
    assert sql.token_with_user(_digest("th_nope")) is None
    assert token_with_user_orm(_digest("th_nope")) is None


def test_the_user_lock_holds_the_users_row(engineer):
    with transaction.atomic():
        sql.user_lock(engineer.pk)
        with connection.cursor() as cursor:
            # The lock is this transaction's: another session's NOWAIT lock would fail.
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'accounts_user' AND l.pid = pg_backend_pid()"
                " AND l.mode = 'RowShareLock'"
            )
            assert cursor.fetchone()[0] == 1
