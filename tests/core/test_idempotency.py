"""Idempotency-Key: parallel retries with one key create one object (PostgreSQL)."""

import pytest
from django.db import connection

from tallyhour.core.models import IdempotencyKey
from tallyhour.timetracking.models import Timer
from tests.api.conftest import Api
from tests.core.concurrency import run_in_parallel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_parallel_retries_with_one_key_start_one_timer(engineer):
    apis = [Api(engineer) for _ in range(10)]
    headers = {"Idempotency-Key": "retry-storm"}

    responses, errors = run_in_parallel(
        10, lambda i: apis[i].post("/timers", {"note": "call"}, headers=headers)
    )

    assert errors == []
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert Timer.objects.filter(agent=engineer).count() == 1
    assert IdempotencyKey.objects.count() == 1
