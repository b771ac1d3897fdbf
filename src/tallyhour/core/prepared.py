"""Querysets compiled once per process, for the hottest API paths.

Turning a queryset into SQL (joins, column lists, quoting) costs more CPU than running it:
for the bearer-token look-up with its user, agent and charge type it was ~0.6 ms of a ~4 ms
API write. A `Prepared` query is compiled on first use, per database, with placeholder values;
each call swaps the real values into that SQL and builds the rows exactly as the queryset
would (model instances with their `select_related` relations, or `values_list` tuples, with
the same converters). Parameters are integers, strings, dates and datetimes (adapted for the
database as the ORM would), and the query's shape must not depend on their values.
"""

import datetime as dt
import threading
from collections.abc import Callable
from itertools import count
from typing import Any

from django.db import connections, transaction
from django.db.models import Model, QuerySet, signals, sql
from django.db.models.deletion import Collector
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

_sentinels = count(1)
_KINDS = (int, str, dt.date, dt.datetime)


def _placeholder(kind: type) -> Any:
    n = next(_sentinels)
    if kind is int:
        return -(10**15) - n  # never an id
    if kind is str:
        return f"\x00prepared-{n}\x00"
    if kind is dt.datetime:
        return dt.datetime(1001, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=n)
    return dt.date(1001, 1, 1) + dt.timedelta(days=n)


def _adapt(kind: type, value: Any, connection: Any) -> Any:
    """The value as the ORM passes it to the driver (SQLite keeps dates as text)."""
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    if kind is dt.date:
        return connection.ops.adapt_datefield_value(value)
    return kind(value)


def _cursor(connection: Any) -> Any:
    """The cursor a prepared query runs on.

    On PostgreSQL (with `prepare_threshold` set, as settings.py does) it binds its values on
    the server, so the database parses and plans each of these statements once per connection
    instead of on every call: that was about half the database's CPU per API write. Django's
    own cursors bind on the client and are never prepared, so the other queries keep their
    per-value plans."""
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        return connection.cursor()
    from django.db.backends.postgresql import base

    from tallyhour.core.postgresql.base import use_c_timestamps

    server_binding: Any = base.ServerBindingCursor  # the stubs miss its constructor
    # What connection.cursor() does before handing out a cursor, with a server-binding one.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = server_binding(connection.connection)
    use_c_timestamps(connection, raw)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


class _Compiled:
    def __init__(self, queryset: QuerySet, kinds: tuple[type, ...], placeholders: tuple[Any, ...]):
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = self.compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        self.slots = []
        connection = connections[queryset.db]
        for kind, value in zip(kinds, placeholders, strict=True):
            adapted = _adapt(kind, value, connection)
            found = [i for i, param in enumerate(self.params) if param == adapted]
            if len(found) != 1:
                raise ValueError("Each parameter must appear in the SQL exactly once, unchanged.")
            self.slots.append(found[0])
        self.shape = queryset._iterable_class
        if self.shape not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise TypeError("A prepared query yields models or values_list rows.")
        if self.shape is ModelIterable and self.compiler.annotation_col_map:
            raise TypeError("A prepared query cannot carry annotations.")
        self.for_update = queryset.query.select_for_update
        self.db = queryset.db
        columns = [column[0] for column in self.compiler.select[0 : self.compiler.col_count]]
        self.converters = self.compiler.get_converters(columns)


class Prepared:
    """`build(*params)` returns the queryset; calling the Prepared runs it with new values.

    first_running = Prepared(lambda agent_id: Timer.objects.filter(agent_id=agent_id), int)
    timers = first_running(agent.pk)   # a list, like list(queryset)
    """

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], *kinds: type):
        unknown = [kind.__name__ for kind in kinds if kind not in _KINDS]
        if unknown:
            raise TypeError(f"A prepared query cannot take {', '.join(unknown)} parameters.")
        self._build = build
        self._kinds = kinds
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def _compile(self) -> _Compiled:
        with self._lock:
            if self._compiled is None:
                placeholders = tuple(_placeholder(kind) for kind in self._kinds)
                self._compiled = _Compiled(self._build(*placeholders), self._kinds, placeholders)
            return self._compiled

    def __call__(self, *values: Any) -> list[Any]:
        compiled = self._compiled or self._compile()
        # This thread's connection runs it; the compiler (bound to the connection it was
        # compiled on) only lends its column converters, which read settings, not the socket.
        connection = connections[compiled.db]
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for slot, kind, value in zip(compiled.slots, self._kinds, values, strict=True):
            params[slot] = _adapt(kind, value, connection)
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows: list[Any] = cursor.fetchall()
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        if compiled.shape is FlatValuesListIterable:
            return [row[0] for row in rows]
        if compiled.shape is ValuesListIterable:
            return [tuple(row) for row in rows]
        return _models(compiled, rows)


def _models(compiled: _Compiled, rows: list[Any]) -> list[Any]:
    """What ModelIterable builds from these rows (no annotations or known related objects)."""
    compiler = compiled.compiler
    select, klass_info = compiler.select, compiler.klass_info
    model_cls = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    # Django 5.2's signature (the type stubs follow a newer release).
    populators = get_related_populators(klass_info, select, compiled.db)  # type: ignore[call-arg]
    objects = []
    for row in rows:
        obj = model_cls.from_db(compiled.db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        objects.append(obj)
    return objects


class _CompiledInsert:
    def __init__(self, model: type[Model], using: str):
        meta = model._meta
        self.fields = [
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        ]
        self.returning = list(meta.db_returning_fields)
        query = sql.InsertQuery(model)
        query.insert_values(self.fields, [model()])
        self.compiler = query.get_compiler(using=using)
        self.compiler.returning_fields = self.returning
        ((self.sql, _),) = self.compiler.as_sql()


_inserts: dict[tuple[type[Model], str], _CompiledInsert] = {}


def insert(obj: Model, using: str = "default") -> None:
    """`obj.save()` for a new row, its INSERT compiled once per process and model.

    Falls back to `save()` whenever the shortcut could differ: save signals listened to, a
    primary key already set, a value that is an expression, or a database that cannot
    return the new id from the INSERT."""
    model = type(obj)
    connection = connections[using]
    if (
        obj.pk is not None
        or not connection.features.can_return_columns_from_insert
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        obj.save(using=using)
        return
    compiled = _inserts.get((model, using))
    if compiled is None:
        compiled = _inserts[(model, using)] = _CompiledInsert(model, using)
    compiler = compiled.compiler
    values = [compiler.pre_save_val(field, obj) for field in compiled.fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        obj.save(using=using)
        return
    params = [compiler.prepare_value(f, v) for f, v in zip(compiled.fields, values, strict=True)]
    with transaction.mark_for_rollback_on_error(using), _cursor(connection) as cursor:
        cursor.execute(compiled.sql, params)
        returned = cursor.fetchone()
    for field, value in zip(compiled.returning, returned, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using


def delete(obj: Model, using: str = "default") -> None:
    """`obj.delete()` for a row nothing depends on: one DELETE by primary key, no collector.

    Falls back to `delete()` when Django would have more to do (delete signals listened to,
    cascades, parents, generic relations)."""
    if not Collector(using, origin=obj).can_fast_delete(obj):
        obj.delete(using=using)
        return
    connection = connections[using]
    pk = obj._meta.pk
    assert pk is not None and pk.column is not None
    quote = connection.ops.quote_name
    statement = f"DELETE FROM {quote(obj._meta.db_table)} WHERE {quote(pk.column)} = %s"  # noqa: S608
    with transaction.mark_for_rollback_on_error(using), _cursor(connection) as cursor:
        cursor.execute(statement, [pk.get_db_prep_value(obj.pk, connection)])
    obj.pk = None
