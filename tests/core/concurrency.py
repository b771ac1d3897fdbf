"""Run the same service from many threads at once (PostgreSQL concurrency tests)."""

import threading
from collections.abc import Callable

from django.db import connection


def run_in_parallel(count: int, work: Callable[[int], object]) -> tuple[list, list]:
    """Start `count` threads at once; each closes its own connection when done."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as exc:  # collected and asserted on by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
