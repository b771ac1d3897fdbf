"""`make bench`: seed (once per scale), then print one line per figure and write results.json.

    python bench/run.py --scale small|full [--db sqlite|postgres] [--only NAME ...]

Each figure is the project's time next to a limit measured in the same run on the same rows,
and their ratio; a figure's target is a ratio (TARGETS), so a slow machine moves both sides.
Benchmarks are not tests: a missed target is reported, never an exit status.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
SCALES = {
    "small": {"agents": 25, "clients": 100, "days": 91},
    "medium": {"agents": 100, "clients": 400, "days": 365},
    "full": {"agents": 250, "clients": 1000, "days": 730},
}
# The targets (issue 18): ratios to a limit measured in the same run, never absolute times,
# which depend on the machine. A figure without a target is printed for information.
TARGETS = {
    "utilisation_month": ("<=", 2.0),
    "utilisation_year": ("<=", 1.5),
    "invoice_run_100k": ("<=", 3.0),
    "invoice_run_memory": ("<", 1.0),
    "api_timer": (">=", 0.33),
    "week_page": ("<=", 2.0),
    "week_page_queries": ("<=", 1.0),
}
API_CLIENTS = 50


def database_env(db: str, name: str) -> dict[str, str]:
    """Environment selecting the bench's own database, never the developer's."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env["DJANGO_SETTINGS_MODULE"] = "tallyhour.settings"
    if db == "postgres":
        url = urlparse(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunparse(url._replace(path=f"/{name}"))
    else:
        env["SQLITE_PATH"] = str(VAR / f"{name}.sqlite3")
    return env


def psql(sql: str) -> None:
    url = urlparse(os.environ["DATABASE_URL"])
    admin = urlunparse(url._replace(path="/postgres"))
    subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)  # noqa: S603,S607


def clone(db: str, source: str, target: str) -> None:
    if db == "postgres":
        psql(f"DROP DATABASE IF EXISTS {target}")
        psql(f"CREATE DATABASE {target} TEMPLATE {source}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(VAR / f"{target}.sqlite3{suffix}").unlink(missing_ok=True)
        shutil.copy(VAR / f"{source}.sqlite3", VAR / f"{target}.sqlite3")


def drop(db: str, name: str) -> None:
    if db == "postgres":
        psql(f"DROP DATABASE IF EXISTS {name}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(VAR / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)


def tallyhour(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [str(BIN / "tallyhour"), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def prepare(db: str, scale: str) -> str:
    """The seeded base database for `scale`, built once and reused while its marker matches."""
    name = f"th_bench_{scale}"
    marker = VAR / f"{db}-{name}.json"
    # "layout" changes when the bench starts writing differently into the base (2: the week
    # figure moved to a copy; bases from before hold its extra agent).
    wanted = {"scale": SCALES[scale], "schema": migrations_digest(), "layout": 2}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return name
    drop(db, name)
    if db == "postgres":
        psql(f"CREATE DATABASE {name}")
    env = database_env(db, name)
    tallyhour(env, "migrate", "--noinput", "-v0")
    options = SCALES[scale]
    seeded = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "seed"), *(f"--{k}={v}" for k, v in options.items())],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(seeded.stdout.strip().splitlines()[-1], flush=True)
    worker(db, name, "checkpoint")
    marker.write_text(json.dumps(wanted))
    return name


def migrations_digest() -> str:
    """Names and contents of every migration: an edited migration reseeds too."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "tallyhour").glob("*/migrations/0*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def worker(db: str, name: str, task: str, *args: str) -> dict:
    """Run one measurement in a fresh process against database `name`; its JSON answer."""
    env = database_env(db, name)
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "figures.py"), task, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"bench: {task} failed")
    answer: dict = json.loads(done.stdout.strip().splitlines()[-1])
    answer["peak_rss_mb"] = answer.get("peak_rss_mb") or round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    return answer


def line(name: str, project: float, limit: float, unit: str, **extra: object) -> dict:
    """Print one figure with its ratio and, where it has one, its target and verdict."""
    ratio = project / limit if limit else float("inf")
    verdict = {}
    if name in TARGETS:
        op, bound = TARGETS[name]
        met = {"<=": ratio <= bound, "<": ratio < bound, ">=": ratio >= bound}[op]
        verdict = {"target": f"ratio{op}{bound}", "met": met}
    details = " ".join(f"{k}={v}" for k, v in {**extra, **verdict}.items())
    print(
        f"{name}: project={project:.4g}{unit} limit={limit:.4g}{unit} ratio={ratio:.2f} {details}",
        flush=True,
    )
    figure = {"name": name, "project": project, "limit": limit, "unit": unit, "ratio": ratio}
    return {**figure, **extra, **verdict}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--seconds", type=int, default=0, help="API load per figure.")
    opts = parser.parse_args()
    if opts.db == "postgres" and not os.environ.get("DATABASE_URL"):
        raise SystemExit("bench: --db postgres needs DATABASE_URL")
    VAR.mkdir(parents=True, exist_ok=True)
    wanted = set(opts.only)
    started = time.monotonic()
    base = prepare(opts.db, opts.scale)
    print(f"== {opts.db}, scale {opts.scale} ({SCALES[opts.scale]})", flush=True)
    figures = []

    def want(name: str) -> bool:
        return not wanted or any(name.startswith(w) for w in wanted)

    for period in ("month", "year"):
        name = f"utilisation_{period}"
        if want(name):
            r = worker(opts.db, base, "utilisation", period)
            figures.append(
                line(
                    name,
                    r["project"],
                    r["sql"],
                    "s",
                    agents=r["agents"],
                    rows=r["rows"],
                )
            )
    work = f"{base}_work"
    if want("invoice_run_100k"):
        clone(opts.db, base, work)
        r = worker(opts.db, work, "invoice_run", "100000")
        figures.append(
            line(
                "invoice_run_100k",
                r["project"],
                r["sql"],
                "s",
                entries=r["entries"],
                clients=r["clients"],
                invoices=r["invoices"],
            )
        )
        drop(opts.db, work)
    if want("invoice_run_memory"):
        clone(opts.db, base, work)
        r = worker(opts.db, work, "invoice_memory", "1000000")
        figures.append(
            line(
                "invoice_run_memory",
                r["peak_rss_mb"],
                512,
                "MB",
                entries=r["entries"],
                seconds=round(r["project"], 2),
            )
        )
        drop(opts.db, work)
    if want("api"):
        work = f"{base}_api"
        clone(opts.db, base, work)
        seconds = opts.seconds or (20 if opts.scale == "full" else 8)
        r = worker(opts.db, work, "api", str(seconds), str(API_CLIENTS))
        for name in ("api_timer", "api_time_entry"):
            figures.append(
                line(
                    name,
                    r[name]["rps"],
                    r["bare"]["rps"],
                    "req/s",
                    p50_ms=r[name]["p50_ms"],
                    p99_ms=r[name]["p99_ms"],
                    errors=r[name]["errors"],
                    bare_p99_ms=r["bare"]["p99_ms"],
                    bare_runs_rps="/".join(str(x) for x in r["bare"]["runs_rps"]),
                )
            )
        drop(opts.db, work)
    if want("week_page"):
        # On a copy: the figure adds an agent and 200 entries, which the base must not keep
        # (the utilisation figures would count them).
        work = f"{base}_week"
        clone(opts.db, base, work)
        r = worker(opts.db, work, "week_page")
        figures.append(
            line(
                "week_page",
                r["ms"],
                r["bare_ms"],
                "ms",
                entries=r["entries"],
                queries=r["queries"],
                bare_queries=r["bare_queries"],
            )
        )
        figures.append(line("week_page_queries", r["queries"], 12, "", entries=r["entries"]))
        drop(opts.db, work)
    results = VAR.parent.parent / "bench" / "results.json"
    previous = json.loads(results.read_text()) if results.exists() else {}
    previous[f"{opts.db}-{opts.scale}"] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores "
        f"{platform.python_version()}",
        "figures": figures,
    }
    results.write_text(json.dumps(previous, indent=2) + "\n")
    missed = [f["name"] for f in figures if f.get("met") is False]
    print(f"== targets: {'all met' if not missed else 'missed ' + ', '.join(missed)}")
    print(f"== done in {time.monotonic() - started:.0f} s; wrote {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
