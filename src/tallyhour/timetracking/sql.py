"""Hand-written SQL for time entries and timers, PostgreSQL only.

Each statement has an ORM twin that SQLite runs (named in its docstring); the tests run both
on the same rows and compare the results (`tests/timetracking/test_claims.py`,
`tests/timetracking/test_sql.py`).
"""

from django.db import connection
from psycopg import sql

from tallyhour.core.sqlrows import Part, fetch, insert, insert_statement, render
from tallyhour.servicedesk.models import Ticket
from tallyhour.timetracking.models import ChargeType, EntryState, TimeEntry, Timer, TimerState

# The statements of every timer write are rendered once (the ORM compiles a statement on
# every call, which cost more CPU than the statement did to run).
TIMER_PARTS: list[Part] = [(Timer, "tm"), (Ticket, "tk"), (ChargeType, "tkc"), (ChargeType, "c")]
TIMER_LOCKED = render(
    "SELECT {select} FROM {tm} tm"
    " LEFT JOIN {tk} tk ON tk.id = tm.ticket_id"
    " LEFT JOIN {tkc} tkc ON tkc.id = tk.charge_type_id"
    " LEFT JOIN {c} c ON c.id = tm.charge_type_id"
    " WHERE tm.id = %s FOR UPDATE OF tm",
    TIMER_PARTS,
)
TIMER_ALONE: list[Part] = [(Timer, "tm")]
TIMER = render("SELECT {select} FROM {tm} tm WHERE tm.id = %s", TIMER_ALONE)
RUNNING_LOCKED = render(
    "SELECT {select} FROM {tm} tm WHERE tm.agent_id = %s AND tm.state = %s FOR UPDATE",
    TIMER_ALONE,
)
TIMER_INSERT = insert_statement(Timer)
TIMER_DELETE = render("DELETE FROM {tm} WHERE id = %s", [], tm=Timer)


def _timers(statement: str, params: list[int | str]) -> list[Timer]:
    timers = [row[0] for row in fetch(statement, params, TIMER_ALONE)]
    return [timer for timer in timers if isinstance(timer, Timer)]


def timer_insert(timer: Timer) -> None:
    """Write a new timer (twin: `timer.save()`); it gets its id and creation time."""
    insert(timer, TIMER_INSERT)


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
    rows = fetch(TIMER_LOCKED, [timer_id], TIMER_PARTS)
    if not rows:
        return None
    timer, ticket, ticket_charge_type, charge_type = rows[0]
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
