"""The database job queue: periodic jobs are queued once per interval, tasks run once."""

import datetime as dt

import pytest
from django.core.management import call_command

from tallyhour.core import tasks
from tallyhour.core.models import Task, TaskState
from tallyhour.timetracking.models import Timer
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    seen: list = []
    monkeypatch.setattr(tasks, "_tasks", dict(tasks._tasks))
    monkeypatch.setattr(tasks, "_periodic", dict(tasks._periodic))
    tasks.register_task("record", lambda **kw: seen.append(kw))
    return seen


def test_a_queued_task_runs_once(calls):
    tasks.enqueue("record", run_after=at(MONDAY, 9), value=1)
    assert tasks.run_once(now=at(MONDAY, 9, 1)) >= 1
    tasks.run_once(now=at(MONDAY, 9, 2))
    assert calls.count({"value": 1}) == 1
    assert Task.objects.get(name="record").state == TaskState.DONE


def test_a_task_waits_for_its_time(calls):
    tasks.enqueue("record", run_after=at(MONDAY, 10), value=2)
    tasks.run_once(now=at(MONDAY, 9))
    assert {"value": 2} not in calls


def test_periodic_jobs_are_queued_once_per_interval(calls):
    tasks.register_periodic("tick", dt.timedelta(minutes=5), lambda now: calls.append(now))
    tasks.run_once(now=at(MONDAY, 9))
    tasks.run_once(now=at(MONDAY, 9, 3))
    tasks.run_once(now=at(MONDAY, 9, 5))
    assert [c for c in calls if isinstance(c, dt.datetime)] == [at(MONDAY, 9), at(MONDAY, 9, 5)]


def test_a_failing_task_is_retried_then_marked_failed(calls):
    def boom() -> None:
        raise RuntimeError("nope")

    tasks.register_task("boom", boom)
    task = tasks.enqueue("boom", run_after=at(MONDAY, 9))
    for minute in range(0, 30, 6):
        tasks.run_once(now=at(MONDAY, 9, minute))
    task.refresh_from_db()
    assert task.state == TaskState.FAILED and "nope" in task.error
    assert task.attempts == tasks.MAX_ATTEMPTS


def test_the_worker_runs_the_capture_guard(engineer, ticket, time_machine):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    time_machine.move_to(at(MONDAY, 22), tick=False)
    call_command("worker", "--once")
    assert not Timer.objects.exists()
    assert Task.objects.get(name="captureguard").state == TaskState.DONE


def test_captureguard_command(engineer, ticket, time_machine, capsys):
    timer_start(agent=engineer, actor=engineer, ticket=ticket, now=at(MONDAY, 9))
    time_machine.move_to(at(MONDAY, 22), tick=False)
    call_command("captureguard")
    assert "Capped 1" in capsys.readouterr().out
