"""A small database-backed job queue, so an SQLite install needs nothing else.

Apps register jobs by name: one-off tasks with `register_task` (queued by `enqueue`) and
periodic ones with `register_periodic(name, every, func)`. `tallyhour worker` runs `run_once`
in a loop. A task is claimed with a conditional UPDATE (`state = queued`), so two workers never
run the same task; periodic jobs are queued at most once per interval. Jobs must be safe to run
twice (a worker killed mid-job leaves its task `running`; `requeue_stale` puts it back).
"""

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tallyhour.core import dates
from tallyhour.core.models import Task, TaskState

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
STALE_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    func: Callable[..., Any]


_tasks: dict[str, Callable[..., Any]] = {}
_periodic: dict[str, Periodic] = {}


def register_task(name: str, func: Callable[..., Any]) -> None:
    _tasks[name] = func


def register_periodic(name: str, every: dt.timedelta, func: Callable[..., Any]) -> None:
    """Run `func(now=...)` every `every` (the worker queues it when it is due)."""
    _periodic[name] = Periodic(name, every, func)
    _tasks[name] = func


def periodic_jobs() -> list[Periodic]:
    return list(_periodic.values())


def enqueue(name: str, *, run_after: dt.datetime | None = None, **kwargs: Any) -> Task:
    if name not in _tasks:
        raise KeyError(f"No task named {name!r} is registered.")
    return Task.objects.create(name=name, kwargs=kwargs, run_after=run_after or dates.now())


def schedule_periodic(now: dt.datetime) -> list[Task]:
    """Queue each periodic job whose last run was queued at least `every` ago."""
    queued = []
    for job in _periodic.values():
        recent = Task.objects.filter(name=job.name, run_after__gt=now - job.every)
        if not recent.exists():
            queued.append(Task.objects.create(name=job.name, kwargs={}, run_after=now))
    return queued


def _claim(task: Task, now: dt.datetime) -> bool:
    claimed = Task.objects.filter(pk=task.pk, state=TaskState.QUEUED).update(
        state=TaskState.RUNNING, started_at=now, attempts=task.attempts + 1
    )
    return claimed == 1


def run_task(task: Task, now: dt.datetime) -> bool:
    """Run one claimed task; answers whether it succeeded."""
    func = _tasks.get(task.name)
    try:
        if func is None:
            raise KeyError(f"No task named {task.name!r} is registered.")
        kwargs = dict(task.kwargs or {})
        if task.name in _periodic:
            kwargs.setdefault("now", now)
        func(**kwargs)
    except Exception:  # a failing job must not stop the worker; it is recorded and retried
        log.exception("task %s (%s) failed", task.pk, task.name)
        retry = task.attempts + 1 < MAX_ATTEMPTS and task.name not in _periodic
        Task.objects.filter(pk=task.pk).update(
            state=TaskState.QUEUED if retry else TaskState.FAILED,
            error=traceback.format_exc()[-4000:],
            finished_at=None if retry else dates.now(),
            run_after=now + dt.timedelta(minutes=5) if retry else task.run_after,
        )
        return False
    Task.objects.filter(pk=task.pk).update(state=TaskState.DONE, finished_at=dates.now())
    return True


def requeue_stale(now: dt.datetime) -> int:
    """Tasks left `running` by a worker that died go back to the queue."""
    return Task.objects.filter(state=TaskState.RUNNING, started_at__lt=now - STALE_AFTER).update(
        state=TaskState.QUEUED
    )


def run_once(now: dt.datetime | None = None, limit: int = 100) -> int:
    """One worker cycle: queue due periodic jobs, then run due tasks. Answers how many ran."""
    now = now or dates.now()
    with transaction.atomic():
        requeue_stale(now)
        schedule_periodic(now)
    ran = 0
    due = Task.objects.filter(state=TaskState.QUEUED, run_after__lte=now).order_by(
        "run_after", "id"
    )
    for task in list(due[:limit]):
        if _claim(task, now):
            run_task(task, now)
            ran += 1
    return ran
