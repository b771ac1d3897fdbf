"""Page tests run with the clock inside the default test week (Wednesday 18 Nov 2026)."""

import datetime as dt

import pytest

NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW
