import pytest
import time_machine

from tests.conftest import MONDAY, at


@pytest.fixture
def frozen():
    """Monday 15:00 UTC of the test week, the clock standing still."""
    with time_machine.travel(at(MONDAY, 15), tick=False):
        yield
