"""Client pages and services run with the clock on Wednesday 18 November 2026, 12:00 UTC."""

import datetime as dt

import pytest

NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW
