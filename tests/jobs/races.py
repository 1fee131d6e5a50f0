"""Run callables at the same moment, each in a thread with its own database connection."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connections


def at_once(*calls: Callable[[], object], timeout: float = 120) -> list[object]:
    """Start every call together (a barrier) and return what each returned, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # returned to the test, which asserts on it
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing call did not finish"
    return outcomes


def slowed(function: Callable, seconds: float = 0.3) -> Callable:
    """`function`, pausing first: patched over a step that follows a service's state check, it widens the
    window in which an unguarded second call would pass the same check (a guarded one waits for the lock)."""

    def pausing(*args, **kwargs):
        time.sleep(seconds)
        return function(*args, **kwargs)

    return pausing
