"""One measurement per process (run by bench/run.py with the database chosen in the env)."""

import datetime as dt
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallyhour.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402

from tallyhour.accounts.models import Agent, Role, User  # noqa: E402
from tallyhour.billing.models import Invoice, InvoiceLine, LineTime  # noqa: E402
from tallyhour.billing.runs import invoice_run_execute  # noqa: E402
from tallyhour.core import dates  # noqa: E402
from tallyhour.crm.models import Client  # noqa: E402
from tallyhour.reports.selectors.utilisation import utilisation_for  # noqa: E402
from tallyhour.servicedesk.models import Ticket  # noqa: E402
from tallyhour.timetracking.models import ChargeType, EntryState, TimeEntry  # noqa: E402

T = TimeEntry._meta.db_table


def best(fn: Callable[[], Any], runs: int = 5) -> float:
    """Median wall time of `runs` calls after one warm-up."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def best_pair(
    project: Callable[[], Any], limit: Callable[[], Any], runs: int = 7
) -> tuple[float, float]:
    """Median wall times of two callables timed in turns after a warm-up each, so load from
    other processes on a shared machine falls on both alike."""
    project()
    limit()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, spent in ((project, times[0]), (limit, times[1])):
            started = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def answer(**values: Any) -> None:
    values["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(values, default=str))


def admin() -> User:
    return User.objects.filter(username__endswith="-admin", role=Role.ADMIN).order_by("pk")[0]


def data_end() -> dt.date:
    last = TimeEntry.objects.aggregate(m=Max("started_at"))["m"]
    return last.date()


def checkpoint() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")
        else:
            # What autovacuum leaves a long-lived database with (hint bits, visibility map):
            # a freshly loaded table scans up to 1.4x slower until it is vacuumed.
            cursor.execute("VACUUM (ANALYZE)")
    answer()


def utilisation(period: str) -> None:
    """All agents over the last whole month or the last 12 months, against one GROUP BY."""
    end_day = data_end()
    if period == "month":
        end = end_day.replace(day=1) - dt.timedelta(days=1)
        start = end.replace(day=1)
    else:
        end = end_day
        start = max(end - dt.timedelta(days=364), end_day - dt.timedelta(days=364))
    actor = admin()
    now = dt.datetime.combine(end_day, dt.time(12), tzinfo=dt.UTC)
    rows = utilisation_for(actor=actor, start=start, end=end, now=now)
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    lt, ln, inv = LineTime._meta.db_table, InvoiceLine._meta.db_table, Invoice._meta.db_table
    # The same figures the same way as the app: worked and billable time from the entries,
    # billed time and revenue per currency joined from billing's line times, one statement.
    sql = (
        f"SELECT agent_id, '', SUM(worked_seconds), SUM(CASE WHEN is_billable THEN "  # noqa: S608
        f'worked_seconds ELSE 0 END), 0, 0 FROM "{T}" WHERE started_at >= %s AND '
        f"started_at < %s GROUP BY agent_id UNION ALL SELECT e.agent_id, i.currency, 0, 0, "
        f'SUM(lt.seconds), SUM(lt.micros) FROM "{lt}" lt JOIN "{T}" e ON e.id = lt.entry_id '
        f'JOIN "{ln}" l ON l.id = lt.line_id JOIN "{inv}" i ON i.id = l.invoice_id '
        f"WHERE lt.billed AND e.started_at >= %s AND e.started_at < %s "
        f"GROUP BY e.agent_id, i.currency"
    )

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [lo, hi, lo, hi])
            cursor.fetchall()

    project, limit = best_pair(
        lambda: utilisation_for(actor=actor, start=start, end=end, now=now), baseline
    )
    entries = TimeEntry.objects.filter(started_at__gte=lo, started_at__lt=hi).count()
    answer(project=project, sql=limit, agents=len(rows), rows=entries)


def _cut_off_for(wanted: int) -> tuple[dt.date, int]:
    """The earliest cut-off whose approved, uninvoiced billable entries reach `wanted`."""
    days = (
        TimeEntry.objects.filter(
            state=EntryState.APPROVED,
            is_billable=True,
            invoice_line__isnull=True,
            ticket__isnull=False,
        )
        .values("started_at__date")
        .annotate(n=Count("id"))
        .order_by("started_at__date")
    )
    total, day = 0, None
    for row in days:
        total += row["n"]
        day = row["started_at__date"]
        if total >= wanted:
            break
    assert day is not None, "no approved, uninvoiced time"
    return day, total


def _baseline_run(cut_off: dt.date) -> float:
    """Set-based billing: one INSERT … SELECT for invoices, one for lines, one UPDATE."""
    e, tk = T, Ticket._meta.db_table
    inv, ln, cl = Invoice._meta.db_table, InvoiceLine._meta.db_table, Client._meta.db_table
    ct = ChargeType._meta.db_table
    hi = dt.datetime.combine(cut_off + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    scope = (
        "e.state = 'approved' AND e.is_billable AND e.invoice_line_id IS NULL "
        "AND e.ticket_id IS NOT NULL AND e.started_at < %s"
    )
    now = dates.now()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {inv} (client_id, state, kind, currency, tax_rate, subtotal, "  # noqa: S608
            f"tax_amount, total, period_end, buyer_name, buyer_address, buyer_tax_id, "
            f"seller_name, seller_address, seller_tax_id, tax_note, created_at) "
            f"SELECT DISTINCT c.id, 'draft', 'invoice', c.currency, c.tax_rate, 0, 0, 0, %s, "
            f"c.name, '', '', '', '', '', '', %s FROM {e} e JOIN {tk} t ON t.id = e.ticket_id "
            f"JOIN {cl} c ON c.id = t.client_id WHERE {scope}",
            [cut_off, now, hi],
        )
        cursor.execute(
            f"INSERT INTO {ln} (invoice_id, ticket_id, charge_type_id, kind, description, "  # noqa: S608
            f"billed_seconds, quantity, multiplier, rate, amount) "
            f"SELECT i.id, e.ticket_id, e.charge_type_id, 'time', 'Ticket', "
            f"SUM(e.billable_seconds), SUM(e.billable_seconds) / 3600.0, 1, ct.hourly_rate, "
            f"ROUND(ct.hourly_rate * SUM(e.billable_seconds) / 3600.0, 2) "
            f"FROM {e} e JOIN {tk} t ON t.id = e.ticket_id JOIN {ct} ct ON ct.id = "
            f"e.charge_type_id JOIN {inv} i ON i.client_id = t.client_id AND i.state = 'draft' "
            f"AND i.created_at = %s WHERE {scope} "
            f"GROUP BY i.id, e.ticket_id, e.charge_type_id, ct.hourly_rate",
            [now, hi],
        )
        cursor.execute(
            f"UPDATE {e} SET invoice_line_id = (SELECT l.id FROM {ln} l JOIN {inv} i ON "  # noqa: S608
            f"i.id = l.invoice_id WHERE i.created_at = %s AND l.ticket_id = {e}.ticket_id "
            f"AND l.charge_type_id = {e}.charge_type_id) WHERE state = 'approved' AND "
            f"is_billable AND invoice_line_id IS NULL AND ticket_id IS NOT NULL "
            f"AND started_at < %s",
            [now, hi],
        )
        if connection.vendor == "postgresql":
            # The foreign keys are checked at commit; a run that commits pays for them, so
            # the limit does too before it rolls back (it left them unchecked until Nov 2026).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def invoice_run(wanted: str) -> None:
    cut_off, entries = _cut_off_for(int(wanted))
    billing = User.objects.filter(role=Role.BILLING).order_by("pk")[0]
    limit = _baseline_run(cut_off)
    started = time.perf_counter()
    result = invoice_run_execute(cut_off=cut_off, actor=billing, commit=True)
    project = time.perf_counter() - started
    billed = TimeEntry.objects.filter(invoice_line__invoice__run=result.run).count()
    answer(
        project=project,
        sql=limit,
        entries=billed,
        planned=entries,
        clients=len({i.client_id for i in result.invoices}),
        invoices=len(result.invoices),
    )


def invoice_memory(wanted: str) -> None:
    """Return up to `wanted` billed entries to 'approved, waiting', then bill them in one run."""
    with transaction.atomic():
        LineTime.objects.all().delete()
        TimeEntry.objects.filter(invoice_line__isnull=False).update(invoice_line=None)
        TimeEntry.objects.filter(is_billable=True, ticket__isnull=False).update(
            state=EntryState.APPROVED
        )
    cut_off, entries = _cut_off_for(int(wanted))
    billing = User.objects.filter(role=Role.BILLING).order_by("pk")[0]
    started = time.perf_counter()
    result = invoice_run_execute(cut_off=cut_off, actor=billing, commit=True)
    project = time.perf_counter() - started
    answer(project=project, entries=result.run.entry_count if result.run else 0, planned=entries)


def _bench_agents(count: int, prefix: str) -> list[User]:
    approver = admin()
    remote = ChargeType.objects.get(name="Remote support")
    users = []
    for n in range(count):
        user, _ = User.objects.get_or_create(username=f"{prefix}{n:03d}", role=Role.ENGINEER)
        Agent.objects.get_or_create(
            user=user, defaults={"default_charge_type": remote, "timesheet_approver": approver}
        )
        users.append(user)
    return users


def _wrk(
    port: int, mode: str, tokens: list[str], seconds: int, user: int = 0, days_back: int = 80
) -> dict:
    env = {
        **os.environ,
        "BENCH_MODE": mode,
        "BENCH_TOKENS": ",".join(tokens),
        "BENCH_USER": str(user),
        # Where entry mode starts logging; a warm-up run starts elsewhere so the two never
        # overlap (an overlap is a 409, counted as an error).
        "BENCH_EPOCH": str(int(time.time()) - days_back * 86400),
    }
    n = len(tokens)
    done = subprocess.run(  # noqa: S603, S607
        [
            shutil.which("wrk") or "/usr/bin/wrk",
            f"-t{n}",
            f"-c{n}",
            f"-d{seconds}s",
            # A slow answer is a latency to report, not a dropped request (wrk's default is 2 s).
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "api.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    result = next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    requests, micros, p50, p99, errors = (int(x) for x in result.split()[1:])
    return {
        "rps": round(requests / (micros / 1e6), 1),
        "p50_ms": round(p50 / 1000, 1),
        "p99_ms": round(p99 / 1000, 1),
        "errors": errors,
        "requests": requests,
    }


def _serve(settings: str, port: int, tokens: list[str], user: int = 0) -> subprocess.Popen:
    """gunicorn with threaded workers (cores + 1 processes, 4 threads each), warmed up.

    Threads let a worker serve another request while one waits on the database, and keep
    connections alive between requests; sync workers answer one request per connection and
    sit idle during every query. A worker's first API request loads the URLconf, every router
    and its schemas (~0.75 s of CPU), so a warm-up run goes first and is not measured."""
    workers = int(os.environ.get("BENCH_WORKERS") or (os.cpu_count() or 1) + 1)
    threads = os.environ.get("BENCH_THREADS") or "4"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "PYTHONPATH": str(ROOT),
        # Each simulated agent is one token sending as fast as it is answered: the default
        # limit (600 a minute per token) would answer 429 above 10 requests/s each. The
        # limiter still counts every request, so its cost stays in the figure.
        "API_RATE_LIMIT": "1000000",
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--worker-class",
            "gthread",
            "-w",
            str(workers),
            "--threads",
            threads,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "tallyhour.wsgi:application",
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # Warm up until the workers answer briskly (on a busy machine a worker can take several
        # seconds to get there), with every connection: gthread workers take connections
        # unevenly, and with a few only, one worker could start the measurement cold (its first
        # request imports the URLconf while its queue waits: the old 1.2-1.5 s timer p99). The
        # last warm-up run must itself be brisk, so no backlog of it is left when measuring.
        mode = "bare" if settings.startswith("bench.") else "warmup"
        for attempt in range(20):
            warm = _wrk(port, mode, tokens, 3, user=user, days_back=200 + 3 * attempt)
            if warm["requests"] >= 50 and warm["p99_ms"] < 1000:
                break
    except BaseException:
        # A failed start must not leave a server holding the run's output pipe open.
        server.terminate()
        server.wait(timeout=30)
        raise
    time.sleep(1)
    return server


def api(seconds: str, clients: str) -> None:
    """Timer start/stop and entry creation from `clients` agents against gunicorn, and the
    bare one-INSERT endpoint on the same stack."""
    from tallyhour.accounts.services import api_token_create

    count = int(clients)
    timer_users = _bench_agents(count, "bench-timer")
    entry_users = _bench_agents(count, "bench-entry")
    timer_tokens = [api_token_create(user=u, name="bench")[1] for u in timer_users]
    entry_tokens = [api_token_create(user=u, name="bench")[1] for u in entry_users]
    results = {}
    # Both servers up at once (an idle one costs nothing), and the bare endpoint measured
    # before and after the app: this machine's speed drifts over minutes, and the ratio
    # should compare like with like.
    servers = [_serve("tallyhour.settings", 8931, entry_tokens)]
    try:
        servers.append(_serve("bench.bare_settings", 8932, timer_tokens, user=timer_users[0].pk))
        before = _wrk(8932, "bare", timer_tokens, int(seconds), user=timer_users[0].pk)
        results["api_timer"] = _wrk(8931, "timer", timer_tokens, int(seconds))
        results["api_time_entry"] = _wrk(8931, "entry", entry_tokens, int(seconds))
        after = _wrk(8932, "bare", timer_tokens, int(seconds), user=timer_users[0].pk)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    results["bare"] = {
        "rps": round((before["rps"] + after["rps"]) / 2, 1),
        "p50_ms": max(before["p50_ms"], after["p50_ms"]),
        "p99_ms": max(before["p99_ms"], after["p99_ms"]),
        "runs_rps": [before["rps"], after["rps"]],
    }
    answer(**results)


def week_page() -> None:
    """My week of an agent with 200 entries against a bare page of the same rows (one query,
    one minimal template), both through the test client behind the app's middleware: median
    server times of 15 requests each, taken in turns, and the queries of one of each."""
    from django.test.utils import override_settings

    (user,) = _bench_agents(1, "bench-week")
    tz = dates.zone(user.agent.timezone)
    monday = dates.week_start(dates.local_date(dates.now(), tz))
    if not TimeEntry.objects.filter(agent=user).exists():
        tickets = list(Ticket.objects.order_by("pk")[:20])
        remote = ChargeType.objects.get(name="Remote support")
        start = dates.local_midnight(monday, tz) + dt.timedelta(hours=7)
        rows = []
        for n in range(200):
            day, slot = divmod(n, 40)
            began = start + dt.timedelta(days=day, minutes=slot * 15)
            rows.append(
                TimeEntry(
                    agent=user,
                    ticket=tickets[n % len(tickets)],
                    charge_type=remote,
                    started_at=began,
                    ended_at=began + dt.timedelta(minutes=14),
                    worked_seconds=840,
                    is_billable=True,
                    billable_seconds=840,
                    note=f"Call {n}",
                )
            )
        TimeEntry.objects.bulk_create(rows)
    client = HttpClient(HTTP_HOST="localhost")
    client.force_login(user)
    bare = HttpClient(HTTP_HOST="localhost")
    bare_url = f"/bare/week?agent={user.pk}&tz={user.agent.timezone}"
    count = [0]

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        response = client.get("/")
    assert response.status_code == 200, response.status_code
    queries, count[0] = count[0], 0
    # The bare client's handler reads MIDDLEWARE on its first request and keeps it.
    with (
        override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, "bench.bare_urls.UseBareUrls"]),
        connection.execute_wrapper(counted),
    ):
        response = bare.get(bare_url)
    assert response.status_code == 200, response.status_code
    assert response.content.count(b"<tr") == 200, "the bare page shows other rows"
    project, limit = best_pair(lambda: client.get("/"), lambda: bare.get(bare_url), runs=15)
    answer(
        ms=round(project * 1000, 1),
        bare_ms=round(limit * 1000, 1),
        queries=queries,
        bare_queries=count[0],
        entries=200,
    )


if __name__ == "__main__":
    task, *args = sys.argv[1:]
    globals()[task](*args)
