"""Helpers shared by the test modules (not tests themselves)."""

from __future__ import annotations

import threading
from collections.abc import Callable

#: How long a test waits for a thread before calling it a deadlock.
JOIN_TIMEOUT = 60


def run_bounded(func: Callable[[], object]) -> None:
    """Run ``func`` in a daemon thread; fail instead of hanging if it deadlocks."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            func()
        except BaseException as err:  # noqa: BLE001 - re-raised below
            errors.append(err)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(JOIN_TIMEOUT)
    assert not thread.is_alive(), "deadlock: a weak-reference callback waited for the lock"
    if errors:
        raise errors[0]


class Cyclic:
    """Freed only by the cycle collector."""

    def __init__(self) -> None:
        self.cycle = self

    def method(self, **kwargs: object) -> None:
        raise AssertionError("a dead receiver was called")
