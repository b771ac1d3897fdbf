"""Hand-written SQL for time entries and timers, PostgreSQL only.

Each statement has an ORM twin that SQLite runs (named in its docstring); the tests run both
on the same rows and compare the results (`tests/timetracking/test_claims.py`,
`tests/timetracking/test_sql.py`).
"""

from django.db import connection
from django.utils import timezone
from psycopg import sql

from tallyhour.core.sqlrows import Part, select_list, split
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, EntryState, TimeEntry, Timer, TimerState

# The statements of every timer write are rendered once (the ORM compiles a statement on
# every call, which cost more CPU than the statement did to run).
TIMER_PARTS: list[Part] = [(Timer, "tm"), (Ticket, "tk"), (ChargeType, "tkc"), (ChargeType, "c")]
TIMER_LOCKED = (
    sql.SQL(
        "SELECT {select} FROM {timer} tm"
        " LEFT JOIN {ticket} tk ON tk.id = tm.ticket_id"
        " LEFT JOIN {charge_type} tkc ON tkc.id = tk.charge_type_id"
        " LEFT JOIN {charge_type} c ON c.id = tm.charge_type_id"
        " WHERE tm.id = %s FOR UPDATE OF tm"
    )
    .format(
        select=select_list(TIMER_PARTS),
        timer=sql.Identifier(Timer._meta.db_table),
        ticket=sql.Identifier(Ticket._meta.db_table),
        charge_type=sql.Identifier(ChargeType._meta.db_table),
    )
    .as_string(None)
)


TIMER_ALONE: list[Part] = [(Timer, "tm")]
TIMER_COLUMNS = select_list(TIMER_ALONE)
TIMER_TABLE = sql.Identifier(Timer._meta.db_table)
TIMER = (
    sql.SQL("SELECT {select} FROM {timer} tm WHERE tm.id = %s")
    .format(select=TIMER_COLUMNS, timer=TIMER_TABLE)
    .as_string(None)
)
RUNNING_LOCKED = (
    sql.SQL("SELECT {select} FROM {timer} tm WHERE tm.agent_id = %s AND tm.state = %s FOR UPDATE")
    .format(select=TIMER_COLUMNS, timer=TIMER_TABLE)
    .as_string(None)
)


def _timers(statement: str, params: list[int | str]) -> list[Timer]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    timers = [split(row, TIMER_ALONE)[0] for row in rows]
    return [timer for timer in timers if isinstance(timer, Timer)]


INSERTED = [field for field in Timer._meta.concrete_fields if not field.primary_key]
TIMER_INSERT = (
    sql.SQL("INSERT INTO {timer} ({columns}) VALUES ({values}) RETURNING id")
    .format(
        timer=TIMER_TABLE,
        columns=sql.SQL(", ").join(sql.Identifier(str(field.column)) for field in INSERTED),
        values=sql.SQL(", ").join(sql.Placeholder() for _ in INSERTED),
    )
    .as_string(None)
)
TIMER_DELETE = (
    sql.SQL("DELETE FROM {timer} WHERE id = %s").format(timer=TIMER_TABLE).as_string(None)
)


def timer_insert(timer: Timer) -> None:
    """Write a new timer and give it its id and creation time, as `timer.save()` (its twin)
    would; each value is prepared by its field, as the ORM prepares it."""
    timer.created_at = timezone.now()
    values = [
        field.get_db_prep_save(getattr(timer, field.attname), connection) for field in INSERTED
    ]
    with connection.cursor() as cursor:
        cursor.execute(TIMER_INSERT, values)
        row = cursor.fetchone()
    assert row is not None
    timer.pk = row[0]


def timer_delete(timer: Timer) -> None:
    """Delete a stopped timer, as `timer.delete()` (its twin) would: nothing refers to a
    timer and no signal listens for one, so the row alone goes."""
    with connection.cursor() as cursor:
        cursor.execute(TIMER_DELETE, [timer.pk])
    timer.pk = None


def timer_row(timer_id: int) -> Timer | None:
    """The timer's row alone (twin: the bare read in `selectors.timer_get`)."""
    return next(iter(_timers(TIMER, [timer_id])), None)


def running_timers_locked(agent_id: int) -> list[Timer]:
    """The agent's running timers under their row locks (twin: `timers.running_locked_orm`)."""
    return _timers(RUNNING_LOCKED, [agent_id, TimerState.RUNNING])


def timer_locked(timer_id: int) -> Timer | None:
    """The timer under its row lock, with its ticket, the ticket's charge type and its own
    charge type (twin: the ORM read in `timers._lock_timer`); None when it is gone."""
    with connection.cursor() as cursor:
        cursor.execute(TIMER_LOCKED, [timer_id])
        row = cursor.fetchone()
    if row is None:
        return None
    timer, ticket, ticket_charge_type, charge_type = split(row, TIMER_PARTS)
    assert isinstance(timer, Timer)
    if isinstance(ticket, Ticket):
        timer.ticket = ticket
        if ticket_charge_type is not None:
            ticket.charge_type = ticket_charge_type  # type: ignore[assignment]
    if charge_type is not None:
        timer.charge_type = charge_type  # type: ignore[assignment]
    return timer


def claim_entries(claims: dict[int, int]) -> int:
    """Point each entry (key) at its invoice line (value), only where the entry is still
    approved and unclaimed; the number of entries claimed.

    Two statements whatever the number of entries (the ORM would need one UPDATE per line,
    and a run of 100,000 entries writes ~28,000 lines). First the entries are locked by
    primary key and their claimability read; then the claimable ones are pointed at their
    lines, joined by primary key. Putting the guard into the UPDATE instead lets the planner
    read every unclaimed entry of the table (hundreds of thousands) through the
    `invoice_line` index to hash-join a batch against them."""
    if not claims:
        return 0
    table, pk = sql.Identifier(TimeEntry._meta.db_table), sql.Identifier("id")
    line, state = sql.Identifier("invoice_line_id"), sql.Identifier("state")
    lock = sql.SQL(
        "SELECT {pk}, {line} IS NULL AND {state} = %s FROM {table}"
        " WHERE {pk} = ANY(%s::bigint[]) FOR UPDATE"
    ).format(table=table, pk=pk, line=line, state=state)
    point = sql.SQL(
        "UPDATE {table} SET {line} = pairs.line_id"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS pairs(entry_id, line_id)"
        " WHERE {table}.{pk} = pairs.entry_id"
    ).format(table=table, pk=pk, line=line)
    with connection.cursor() as cursor:
        cursor.execute(lock.as_string(cursor.cursor), [EntryState.APPROVED, list(claims)])
        claimable = [entry_id for entry_id, free in cursor.fetchall() if free]
        if not claimable:
            return 0
        # The rows are locked and were checked, so the update needs no guard of its own.
        cursor.execute(
            point.as_string(cursor.cursor), [claimable, [claims[pk] for pk in claimable]]
        )
        claimed: int = cursor.rowcount
        return claimed
