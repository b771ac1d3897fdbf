"""`make soak`: a bounded soak of the time-capture API against a real gunicorn server.

    python bench/soak.py [--db sqlite|postgres] [--seconds 60] [--agents 50] [--workers 5]

SOAK_SECONDS and SOAK_AGENTS override the defaults. The soak builds its own database
(`var/soak/th_soak.sqlite3`, or `th_soak` on the PostgreSQL server of DATABASE_URL; the
database named in the URL is never touched), migrates it, gives every simulated agent a user,
an API token and tickets, and serves it with gunicorn on a loopback port. Each agent is a
thread that starts, switches, resumes and stops timers, adds actions (with the timer's time or
with minutes given), logs entries (some sent twice with one Idempotency-Key) and edits them,
remembering every second the server said each entry holds. When time is up every agent stops
its timers, the server is stopped and the database is checked against what the clients saw:
the same entries (none missing, none extra, no duplicates), the same worked seconds per
agent, no timer left, and every timer's seconds within the wall-clock time it ran. Any failed
request or discrepancy makes the exit status non-zero. The database is dropped afterwards
unless the soak failed (then it is kept for a look).
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "soak"
BIN = Path(sys.executable).parent
DB_NAME = "th_soak"
HOST = "127.0.0.1"
SHARED_TICKETS = 10  # tickets every agent works on, so actions queue on the same ticket rows
THINK_SECONDS = (0.4, 1.6)  # "work" between two requests of one agent
SLOT_MINUTES = 90  # manual entries sit in their own 90-minute slots days ago: never overlap
FAILURES_SHOWN = 10


# --- the database -------------------------------------------------------------------------------


def database_env(db: str) -> dict[str, str]:
    """Environment selecting the soak's own database, never the developer's."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env["DJANGO_SETTINGS_MODULE"] = "tallyhour.settings"
    if db == "postgres":
        url = urlparse(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunparse(url._replace(path=f"/{DB_NAME}"))
    else:
        env["SQLITE_PATH"] = str(VAR / f"{DB_NAME}.sqlite3")
    return env


def _postgres_admin(sql: str) -> None:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    with psycopg.connect(urlunparse(url._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


def drop_database(db: str) -> None:
    if db == "postgres":
        _postgres_admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(VAR / f"{DB_NAME}.sqlite3{suffix}").unlink(missing_ok=True)


def create_database(db: str) -> None:
    drop_database(db)
    if db == "postgres":
        _postgres_admin(f"CREATE DATABASE {DB_NAME}")
    env = database_env(db)
    subprocess.run(  # noqa: S603
        [str(BIN / "tallyhour"), "migrate", "--noinput", "-v0"], env=env, check=True
    )


def in_django(env: dict[str, str], task: str, *args: str, stdin: str = "") -> Any:
    """Run `task` of this file with Django set up on the soak database; its JSON answer."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, task, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"soak: {task} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallyhour.settings")
    django.setup()


def task_setup(agents: str) -> None:
    """Agents with tokens, a client, their own tickets and some shared ones (run in Django)."""
    _django()
    from decimal import Decimal

    from tallyhour.accounts.models import Agent, Organisation, Role, User
    from tallyhour.accounts.services import api_token_create
    from tallyhour.crm.models import Client
    from tallyhour.servicedesk.models import Ticket
    from tallyhour.timetracking.models import ChargeType

    org = Organisation.current()
    org.capture_mode = "on_open"  # an action on a ticket without a timer starts one
    org.save()
    charge = ChargeType.objects.create(name="Remote support", hourly_rate=Decimal("90"))
    client = Client.objects.create(name="Soak Ltd")
    approver = User.objects.create(username="soak-approver", role=Role.APPROVER)
    shared = [
        Ticket.objects.create(client=client, summary=f"Shared ticket {n}").pk
        for n in range(SHARED_TICKETS)
    ]
    out = []
    for n in range(int(agents)):
        user = User.objects.create(username=f"soak-{n:03d}", role=Role.ENGINEER)
        Agent.objects.create(user=user, default_charge_type=charge, timesheet_approver=approver)
        own = [
            Ticket.objects.create(client=client, summary=f"Agent {n} ticket {t}").pk
            for t in range(2)
        ]
        token = api_token_create(user=user, name="soak")[1]
        out.append({"user_id": user.pk, "token": token, "tickets": own + shared})
    print(json.dumps(out))


def task_verify() -> None:
    """What the database holds for the soak's agents (run in Django after the server stopped)."""
    _django()
    from django.db.models import Count

    from tallyhour.servicedesk.models import Action
    from tallyhour.timetracking.models import TimeEntry, Timer

    agent_ids = json.loads(sys.stdin.read())
    entries: dict[str, dict[str, int]] = defaultdict(dict)
    bad_spans = []
    keys: Counter[tuple] = Counter()
    rows = TimeEntry.objects.filter(agent_id__in=agent_ids).values_list(
        "id", "agent_id", "worked_seconds", "started_at", "ended_at", "ticket_id", "source"
    )
    for pk, agent_id, seconds, started, ended, ticket_id, source in rows:
        entries[str(agent_id)][str(pk)] = seconds
        if int((ended - started).total_seconds()) != seconds or seconds <= 0:
            bad_spans.append(pk)
        if source != "action":  # two actions may legitimately log the same minutes at once
            keys[(agent_id, source, started, ended, ticket_id)] += 1
    shared_entries = list(
        Action.objects.filter(time_entry__isnull=False)
        .values("time_entry_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("time_entry_id", flat=True)
    )
    timers = Counter(
        Timer.objects.filter(agent_id__in=agent_ids).values_list("agent_id", flat=True)
    )
    print(
        json.dumps(
            {
                "entries": entries,
                "timers": {str(k): v for k, v in timers.items()},
                "bad_spans": bad_spans,
                "duplicates": sum(n - 1 for n in keys.values() if n > 1),
                "entries_on_two_actions": shared_entries,
            }
        )
    )


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"{HOST}:{port}",
            "--timeout",
            "120",
            "--preload",
            "--log-level",
            "warning",
            "tallyhour.wsgi:application",
        ],
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("soak: gunicorn did not start")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("soak: gunicorn did not answer within 60 s")


# --- the simulated agents -----------------------------------------------------------------------


class RequestFailed(Exception):
    pass


@dataclass
class Stats:
    """Every request's latency and outcome, shared by all agents."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    failed: int = 0
    bound_checks: int = 0
    bound_misses: list[str] = field(default_factory=list)
    replays: int = 0
    replay_mismatches: list[str] = field(default_factory=list)

    def record(self, op: str, seconds: float, ok: bool, detail: str) -> None:
        with self.lock:
            self.latencies[op].append(seconds)
            if not ok:
                self.failed += 1
                if len(self.failures) < FAILURES_SHOWN:
                    self.failures.append(detail)


@dataclass
class TimerModel:
    """What the client knows of one of its timers: id (None until listed) and its runs, each
    as (start window, end window) in wall-clock seconds: the server read its clock somewhere
    inside the window of the request that started or ended the run."""

    ticket: int
    id: int | None
    runs: list[list[float | None]]

    def running(self) -> bool:
        return bool(self.runs) and self.runs[-1][2] is None

    def end_run(self, lo: float, hi: float) -> None:
        self.runs[-1][2:] = [lo, hi]

    def bounds(self) -> tuple[float, float]:
        """Seconds the server may count: each run is whole seconds on both ends, so ±1 each."""
        lo = sum(r[2] - r[1] for r in self.runs) - len(self.runs)
        hi = sum(r[3] - r[0] for r in self.runs) + len(self.runs)
        return lo, hi


class Agent:
    def __init__(self, n: int, spec: dict, port: int, stats: Stats, seed: int) -> None:
        self.n, self.user_id, self.token = n, spec["user_id"], spec["token"]
        self.tickets: list[int] = spec["tickets"]
        self.port, self.stats = port, stats
        self.random = random.Random(seed * 1000 + n)  # noqa: S311 (a simulation, not a secret)
        self.timers: dict[int, TimerModel] = {}  # by ticket: never two timers on one ticket
        self.entries: dict[int, int] = {}  # entry id → worked seconds the server last said
        self.kinds: Counter[str] = Counter()
        self.manual: list[tuple[int, dt.datetime]] = []  # (entry id, slot start)
        self.slot = 0
        now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        self.slot_base = now - dt.timedelta(days=3)
        self.error: str | None = None

    # one request
    def call(
        self, op: str, method: str, path: str, body: Any = None, expect: int = 200, **headers: str
    ) -> tuple[Any, float, float, dict[str, str]]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        data = None if body is None else json.dumps(body).encode()
        sent = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        sent.update({k.replace("_", "-"): v for k, v in headers.items()})
        t0 = time.time()
        started = time.perf_counter()
        status, raw, answer_headers = 0, b"", {}
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            raw, status = response.read(), response.status
            answer_headers = dict(response.getheaders())
        except (OSError, http.client.HTTPException) as exc:
            raw = repr(exc).encode()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        t1 = time.time()
        detail = f"agent {self.n}: {method} {path} → {status} {raw[:300].decode(errors='replace')}"
        self.stats.record(op, elapsed, status == expect, detail)
        if status != expect:
            raise RequestFailed(detail)
        return (json.loads(raw) if raw else None), t0, t1, answer_headers

    def log_entry(self, kind: str, entry: dict | None) -> None:
        if entry is None:
            return
        if entry["id"] in self.entries:
            raise RequestFailed(f"agent {self.n}: entry {entry['id']} answered twice as new")
        self.entries[entry["id"]] = entry["worked_seconds"]
        self.kinds[kind] += 1

    def check_bounds(self, timer: TimerModel, seconds: int, how: str) -> None:
        lo, hi = timer.bounds()
        with self.stats.lock:
            self.stats.bound_checks += 1
            if not lo <= seconds <= hi:
                self.stats.bound_misses.append(
                    f"agent {self.n} ticket {timer.ticket} {how}: server {seconds}s, "
                    f"wall clock {lo:.1f}–{hi:.1f}s"
                )

    def running(self) -> TimerModel | None:
        return next((t for t in self.timers.values() if t.running()), None)

    def pause_running(self, lo: float, hi: float, except_ticket: int | None = None) -> None:
        timer = self.running()
        if timer is not None and timer.ticket != except_ticket:
            timer.end_run(lo, hi)

    def learn_ids(self) -> None:
        """Timers started by an action have no id yet: the list of timers names them."""
        if all(t.id is not None for t in self.timers.values()):
            return
        listed, *_ = self.call("list_timers", "GET", "/api/v1/timers")
        for row in listed:
            if row["ticket_id"] in self.timers:
                self.timers[row["ticket_id"]].id = row["id"]

    # the operations
    def op_start(self) -> None:
        free = [t for t in self.tickets if t not in self.timers]
        ticket = self.random.choice(free)
        timer, t0, t1, _ = self.call(
            "timer_start", "POST", "/api/v1/timers", {"ticket_id": ticket}, expect=201
        )
        self.pause_running(t0, t1)
        self.timers[ticket] = TimerModel(ticket, timer["id"], [[t0, t1, None, None]])

    def op_resume(self) -> None:
        paused = [t for t in self.timers.values() if not t.running()]
        if not paused:
            return self.op_start()
        self.learn_ids()
        timer = self.random.choice(paused)
        _, t0, t1, _ = self.call("timer_resume", "POST", f"/api/v1/timers/{timer.id}/resume")
        self.pause_running(t0, t1)
        timer.runs.append([t0, t1, None, None])

    def op_stop(self, timer: TimerModel | None = None) -> None:
        if timer is None:
            if not self.timers:
                return self.op_start()
            timer = self.random.choice(list(self.timers.values()))
        self.learn_ids()
        answer, t0, t1, _ = self.call("timer_stop", "POST", f"/api/v1/timers/{timer.id}/stop")
        if timer.running():
            timer.end_run(t0, t1)
        entry = answer["entry"]
        self.check_bounds(timer, entry["worked_seconds"] if entry else 0, "stop")
        self.log_entry("timer", entry)
        del self.timers[timer.ticket]

    def op_action(self, minutes: int | None) -> None:
        """A note on a ticket: logs the timer's time (or `minutes`) and restarts its timer."""
        with_timer = list(self.timers.values())
        if minutes is None and not with_timer:
            return self.op_start()
        ticket = (
            self.random.choice(with_timer).ticket
            if minutes is None
            else self.random.choice(self.tickets)
        )
        body: dict[str, Any] = {"body": f"Worked on it ({uuid.uuid4().hex[:8]})"}
        if minutes is not None:
            body["time_minutes"] = minutes
        action, t0, t1, _ = self.call(
            "action", "POST", f"/api/v1/tickets/{ticket}/actions", body, expect=201
        )
        entry = action["time_entry"]
        timer = self.timers.get(ticket)
        if minutes is None:
            assert timer is not None
            if timer.running():
                timer.end_run(t0, t1)
            self.check_bounds(timer, entry["worked_seconds"] if entry else 0, "action")
        elif entry is None or entry["worked_seconds"] != minutes * 60:
            raise RequestFailed(f"agent {self.n}: action with {minutes} min logged {entry}")
        self.log_entry("action", entry)
        # The ticket's timer runs again from zero (a new one when there was none: capture on);
        # if it was not the running one, the running one is paused.
        self.pause_running(t0, t1, except_ticket=ticket)
        if timer is None:
            self.timers[ticket] = TimerModel(ticket, None, [[t0, t1, None, None]])
        else:
            timer.runs = [[t0, t1, None, None]]

    def op_manual(self) -> None:
        started = self.slot_base - dt.timedelta(minutes=SLOT_MINUTES * self.slot)
        self.slot += 1
        minutes = self.random.randint(15, 60)
        body = {
            "started_at": started.isoformat(),
            "duration_minutes": minutes,
            "ticket_id": self.random.choice(self.tickets),
            "note": "Logged by hand",
        }
        key = uuid.uuid4().hex
        entry, *_ = self.call(
            "entry_create", "POST", "/api/v1/time-entries", body, 201, Idempotency_Key=key
        )
        if self.random.random() < 0.25:  # the client lost the answer and sends it again
            again, _, _, headers = self.call(
                "entry_create", "POST", "/api/v1/time-entries", body, 201, Idempotency_Key=key
            )
            with self.stats.lock:
                self.stats.replays += 1
                if again["id"] != entry["id"] or headers.get("Idempotent-Replayed") != "true":
                    self.stats.replay_mismatches.append(f"{entry['id']} → {again['id']}")
        if entry["worked_seconds"] != minutes * 60:
            raise RequestFailed(f"agent {self.n}: logged {minutes} min, got {entry}")
        self.log_entry("manual", entry)
        self.manual.append((entry["id"], started))

    def op_edit(self) -> None:
        if not self.manual:
            return self.op_manual()
        entry_id, _ = self.random.choice(self.manual)
        minutes = self.random.randint(15, SLOT_MINUTES - 15)
        entry, *_ = self.call(
            "entry_edit",
            "PATCH",
            f"/api/v1/time-entries/{entry_id}",
            {"duration_minutes": minutes, "note": f"Corrected to {minutes} min"},
        )
        if entry["worked_seconds"] != minutes * 60:
            raise RequestFailed(f"agent {self.n}: edited to {minutes} min, got {entry}")
        self.entries[entry_id] = entry["worked_seconds"]
        self.kinds["edit"] += 1

    def op_note_edit(self) -> None:
        """Edit only the note of a captured entry: its seconds must not move."""
        if not self.entries:
            return self.op_manual()
        entry_id = self.random.choice(list(self.entries))
        entry, *_ = self.call(
            "entry_edit", "PATCH", f"/api/v1/time-entries/{entry_id}", {"note": "Reworded"}
        )
        if entry["worked_seconds"] != self.entries[entry_id]:
            raise RequestFailed(f"agent {self.n}: a note edit moved the time: {entry}")
        self.kinds["note_edit"] += 1

    def step(self) -> None:
        if len(self.timers) >= 4:  # keep the paused pile small, as a real agent would
            return self.op_stop()
        ops = [
            (20, self.op_start if len(self.timers) < len(self.tickets) else self.op_stop),
            (18, self.op_stop),
            (8, self.op_resume),
            (14, lambda: self.op_action(None)),
            (8, lambda: self.op_action(self.random.randint(1, 30))),
            (14, self.op_manual),
            (12, self.op_edit),
            (6, self.op_note_edit),
        ]
        choice = self.random.choices([f for _, f in ops], weights=[w for w, _ in ops])[0]
        choice()

    def finish(self) -> None:
        """Stop every timer left (the final stop of the running one included)."""
        self.learn_ids()
        for timer in list(self.timers.values()):
            self.op_stop(timer)
        listed, *_ = self.call("list_timers", "GET", "/api/v1/timers")
        if listed:
            raise RequestFailed(f"agent {self.n}: timers left after stopping all: {listed}")

    def run(self, deadline: float) -> None:
        time.sleep(self.random.uniform(0, 1))  # agents do not all start on the same instant
        try:
            while time.monotonic() < deadline:
                self.step()
                time.sleep(self.random.uniform(*THINK_SECONDS))
            self.finish()
        except Exception as exc:  # any surprise ends this agent and fails the soak, loudly
            self.error = f"{type(exc).__name__}: {exc}"[:500]


# --- the run ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def hms(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def soak(db: str, seconds: int, agents: int, workers: int, seed: int) -> bool:
    VAR.mkdir(parents=True, exist_ok=True)
    print(
        f"== soak on {db}: {agents} agents, {seconds} s, gunicorn {workers} workers, "
        f"database {DB_NAME}",
        flush=True,
    )
    create_database(db)
    env = database_env(db)
    specs = in_django(env, "_setup", str(agents))
    port = free_port()
    server = serve(env, port, workers)
    stats = Stats()
    crowd = [Agent(n, spec, port, stats, seed) for n, spec in enumerate(specs)]
    started = time.monotonic()
    deadline = started + seconds
    try:
        threads = [threading.Thread(target=a.run, args=(deadline,), daemon=True) for a in crowd]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 600)
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    stuck = sum(1 for t in threads if t.is_alive())

    found = in_django(env, "_verify", stdin=json.dumps([a.user_id for a in crowd]))
    problems: list[str] = []
    if stuck:
        problems.append(f"{stuck} agents never finished")
    for a in crowd:
        if a.error:
            problems.append(f"agent {a.n} stopped: {a.error}")
    client_seconds = database_seconds = 0
    missing = extra = moved = 0
    for a in crowd:
        held = {int(k): v for k, v in found["entries"].get(str(a.user_id), {}).items()}
        client_seconds += sum(a.entries.values())
        database_seconds += sum(held.values())
        missing += len(a.entries.keys() - held.keys())
        extra += len(held.keys() - a.entries.keys())
        moved += sum(1 for k in a.entries.keys() & held.keys() if a.entries[k] != held[k])
        if sum(a.entries.values()) != sum(held.values()):
            problems.append(
                f"agent {a.n}: clients saw {sum(a.entries.values())} s, "
                f"database holds {sum(held.values())} s"
            )
    if missing or extra or moved:
        problems.append(f"entries missing {missing}, extra {extra}, with other seconds {moved}")
    timers_left = sum(found["timers"].values())
    if timers_left:
        problems.append(f"{timers_left} timers left in the database")
    if found["duplicates"]:
        problems.append(f"{found['duplicates']} duplicate entries")
    if found["bad_spans"]:
        problems.append(f"entries whose span is not their seconds: {found['bad_spans'][:10]}")
    if found["entries_on_two_actions"]:
        problems.append(f"entries on two actions: {found['entries_on_two_actions'][:10]}")
    if stats.failed:
        problems.append(f"{stats.failed} requests failed")
    problems += [f"timer outside its wall-clock time: {m}" for m in stats.bound_misses[:10]]
    problems += [f"idempotent retry answered another entry: {m}" for m in stats.replay_mismatches]

    every = [x for values in stats.latencies.values() for x in values]
    kinds: Counter[str] = Counter()
    for a in crowd:
        kinds.update(a.kinds)
    print(
        f"requests: {len(every)} in {elapsed:.1f} s = {len(every) / elapsed:.1f} req/s, "
        f"failed: {stats.failed}"
    )
    print(
        f"latency: p50 {percentile(every, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(every, 0.99) * 1000:.0f} ms, max {max(every, default=0) * 1000:.0f} ms"
    )
    for op, values in sorted(stats.latencies.items()):
        print(
            f"  {op:13} {len(values):6}  p50 {statistics.median(values) * 1000:6.0f} ms  "
            f"p99 {percentile(values, 0.99) * 1000:6.0f} ms"
        )
    print(
        f"entries: {sum(len(a.entries) for a in crowd)} (timer {kinds['timer']}, action "
        f"{kinds['action']}, manual {kinds['manual']}); duration edits {kinds['edit']}, note "
        f"edits {kinds['note_edit']}; idempotent retries {stats.replays}"
    )
    print(
        f"seconds accounted: clients {client_seconds} s, database {database_seconds} s "
        f"({hms(database_seconds)} of work)"
    )
    print(
        f"timer time within its wall-clock run: {stats.bound_checks - len(stats.bound_misses)}"
        f"/{stats.bound_checks}; timers left: {timers_left}; duplicates: {found['duplicates']}; "
        f"entries missing/extra: {missing}/{extra}"
    )
    for failure in stats.failures:
        print(f"  failed: {failure}")
    for problem in problems:
        print(f"DISCREPANCY: {problem}")
    ok = not problems
    if ok:
        drop_database(db)
        print(f"== soak on {db}: PASS")
    else:
        kept = VAR / f"{DB_NAME}.sqlite3" if db == "sqlite" else DB_NAME
        print(f"== soak on {db}: FAIL (database kept: {kept})")
    return ok


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_setup":
        return task_setup(sys.argv[2])
    if len(sys.argv) > 1 and sys.argv[1] == "_verify":
        return task_verify()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", 60)))
    parser.add_argument("--agents", type=int, default=int(os.environ.get("SOAK_AGENTS", 50)))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("SOAK_WORKERS", 2 * (os.cpu_count() or 1) + 1)),
    )
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    if opts.db == "postgres" and not os.environ.get("DATABASE_URL"):
        raise SystemExit("soak: --db postgres needs DATABASE_URL")
    ok = soak(opts.db, opts.seconds, opts.agents, opts.workers, opts.seed)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
