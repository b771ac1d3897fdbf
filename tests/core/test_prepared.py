"""Prepared querysets answer exactly what the queryset would, compiled once."""

import datetime as dt
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Value, signals
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from tallyhour.accounts.models import ApiToken, User
from tallyhour.accounts.services import api_token_create
from tallyhour.core.errors import Conflict
from tallyhour.core.models import AuditEntry
from tallyhour.core.prepared import Prepared, delete, insert
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState
from tests.factories import AgentFactory, ChargeTypeFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def _fields(obj: object) -> dict:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def test_models_with_select_related_match_the_queryset() -> None:
    agent = AgentFactory(default_charge_type=ChargeTypeFactory(name="Remote"))
    token, _ = api_token_create(user=agent.user, name="t")

    def build(digest: str):  # noqa: ANN202
        return ApiToken.objects.select_related("user__agent__default_charge_type").filter(
            digest=digest
        )

    (got,) = Prepared(build, str)(token.digest)
    (want,) = build(token.digest)
    assert _fields(got) == _fields(want)
    assert _fields(got.user) == _fields(want.user)
    assert _fields(got.user.agent) == _fields(want.user.agent)
    assert got.user.agent.default_charge_type.name == "Remote"
    with CaptureQueriesContext(connection) as queries:
        got.user.agent.default_charge_type  # noqa: B018 — loaded with the row
    assert len(queries) == 0
    assert Prepared(build, str)("no such digest") == []


def test_values_lists_and_datetime_and_date_parameters() -> None:
    agent = AgentFactory()
    first = TimeEntryFactory(agent=agent.user, started_at=T0, ended_at=T0 + dt.timedelta(hours=1))
    second = TimeEntryFactory(
        agent=agent.user,
        started_at=T0 + dt.timedelta(hours=2),
        ended_at=T0 + dt.timedelta(hours=3),
    )
    overlapping = Prepared(
        lambda agent_id, start, end: (
            TimeEntry.objects.filter(agent_id=agent_id, started_at__lt=end, ended_at__gt=start)
            .values_list("pk", "started_at")
            .order_by("pk")
        ),
        int,
        dt.datetime,
        dt.datetime,
    )
    # Aware datetimes come back aware and equal, on SQLite (text) as on PostgreSQL.
    assert overlapping(
        agent.user.pk, T0 + dt.timedelta(minutes=30), T0 + dt.timedelta(hours=4)
    ) == [
        (first.pk, T0),
        (second.pk, T0 + dt.timedelta(hours=2)),
    ]
    assert overlapping(agent.user.pk, T0 - dt.timedelta(hours=2), T0) == []
    on_day = Prepared(
        lambda agent_id, day: TimeEntry.objects.filter(
            agent_id=agent_id, started_at__date=day
        ).values_list("pk", flat=True),
        int,
        dt.date,
    )
    assert sorted(on_day(agent.user.pk, T0.date())) == [first.pk, second.pk]
    assert on_day(agent.user.pk, T0.date() + dt.timedelta(days=1)) == []


def test_compiled_once_then_one_query_per_call() -> None:
    users = [AgentFactory().user for _ in range(3)]
    by_pk = Prepared(lambda pk: User.objects.filter(pk=pk), int)
    with (
        mock.patch.object(
            SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
        ) as spy,
        CaptureQueriesContext(connection) as queries,
    ):
        found = [by_pk(user.pk)[0].username for user in users]
    assert found == [user.username for user in users]
    assert spy.call_count == 1
    assert len(queries) == 3


@pytest.mark.django_db(transaction=True)
def test_row_locks_need_a_transaction() -> None:
    user = AgentFactory().user
    locked = Prepared(
        lambda pk: User.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True),
        int,
    )
    with transaction.atomic():
        assert locked(user.pk) == [user.pk]
    with pytest.raises(TransactionManagementError):
        locked(user.pk)


def test_refuses_what_it_cannot_prepare() -> None:
    with pytest.raises(TypeError):
        Prepared(lambda amount: User.objects.filter(pk=amount), float)
    # A value that never reaches the SQL unchanged cannot be swapped in.
    ignored = Prepared(lambda name: User.objects.filter(pk=1), str)
    with pytest.raises(ValueError, match="exactly once"):
        ignored("x")


def test_insert_writes_what_save_writes() -> None:
    agent = AgentFactory()
    charge = ChargeTypeFactory()
    fields = {
        "agent": agent.user,
        "charge_type": charge,
        "started_at": T0,
        "ended_at": T0 + dt.timedelta(minutes=30),
        "worked_seconds": 1800,
        "is_billable": True,
        "billable_seconds": 1800,
        "note": "Printer, café",
    }
    saved = TimeEntry(**fields)
    saved.save()
    inserted = TimeEntry(**{**fields, "started_at": T0 + dt.timedelta(hours=1)})
    inserted.ended_at = inserted.started_at + dt.timedelta(minutes=30)
    with CaptureQueriesContext(connection) as queries:
        insert(inserted)
    assert len(queries) == 1
    assert inserted.pk and not inserted._state.adding
    assert inserted.created_at is not None  # auto_now_add ran
    differs = {"id", "started_at", "ended_at", "created_at", "updated_at"}
    stored = _fields(TimeEntry.objects.get(pk=inserted.pk))
    same = _fields(TimeEntry.objects.get(pk=saved.pk))
    assert {k: v for k, v in stored.items() if k not in differs} == {
        k: v for k, v in same.items() if k not in differs
    }


def test_insert_keeps_json_and_the_audit_log_append_only() -> None:
    user = AgentFactory().user
    entry = AuditEntry(actor=user, action="x", object_type="t", object_id="1", after={"a": [1]})
    insert(entry)
    assert AuditEntry.objects.get(pk=entry.pk).after == {"a": [1]}
    with pytest.raises(Conflict):
        entry.save()


def test_insert_falls_back_to_save_when_it_could_differ() -> None:
    user = AgentFactory().user
    seen = []

    def receiver(sender, instance, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.append(instance.action)

    signals.post_save.connect(receiver, sender=AuditEntry)
    try:
        insert(AuditEntry(actor=user, action="heard", object_type="t", object_id="1"))
    finally:
        signals.post_save.disconnect(receiver, sender=AuditEntry)
    assert seen == ["heard"]
    notice = AuditEntry(actor=user, action=Value("computed"), object_type="t", object_id="2")
    insert(notice)
    assert AuditEntry.objects.get(pk=notice.pk).action == "computed"


def test_insert_surfaces_integrity_errors() -> None:
    user = AgentFactory().user
    first = Timer(agent=user, state=TimerState.RUNNING, running_since=T0, first_started_at=T0)
    insert(first)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Timer(agent=user, state=TimerState.RUNNING, running_since=T0, first_started_at=T0))


def test_delete_removes_one_row_and_falls_back_when_others_depend_on_it() -> None:
    user = AgentFactory().user
    timers = [
        Timer(agent=user, state=TimerState.PAUSED, first_started_at=T0 + dt.timedelta(hours=n))
        for n in range(2)
    ]
    for timer in timers:
        insert(timer)
    gone = timers[0].pk
    with CaptureQueriesContext(connection) as queries:
        delete(timers[0])
    assert len(queries) == 1 and timers[0].pk is None
    assert list(Timer.objects.values_list("pk", flat=True)) == [timers[1].pk]
    assert not Timer.objects.filter(pk=gone).exists()
    # An entry has dependants (actions, line times): the collector runs as delete() would.
    entry = TimeEntryFactory(agent=user)
    delete(entry)
    assert not TimeEntry.objects.filter(agent=user).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_runs_as_a_server_prepared_statement_still_seen_by_wrappers() -> None:
    assert connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    agent = AgentFactory()
    by_pk = Prepared(lambda pk: User.objects.filter(pk=pk).values_list("username", flat=True), int)

    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {row[0] for row in cursor.fetchall()}

    with CaptureQueriesContext(connection) as queries:
        assert by_pk(agent.user_id) == [agent.user.username]
        assert by_pk(agent.user_id) == [agent.user.username]
    assert len(queries) == 2  # query counts and execute wrappers still see every call
    assert any('"accounts_user"."username"' in sql and "$1" in sql for sql in prepared())
    # Django's own queries bind on the client and are not prepared.
    list(User.objects.filter(pk=agent.user_id).values_list("email", flat=True))
    list(User.objects.filter(pk=agent.user_id).values_list("email", flat=True))
    assert not any('"accounts_user"."email"' in sql for sql in prepared())
