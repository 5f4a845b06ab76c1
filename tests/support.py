"""Helpers shared by the test modules (not tests themselves)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).parent
ENV_VAR = "CYDISPATCH_NO_EXTENSIONS"
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
    assert not thread.is_alive(), f"deadlock: the work did not end within {JOIN_TIMEOUT} s"
    if errors:
        raise errors[0]


class Cyclic:
    """Freed only by the cycle collector."""

    def __init__(self) -> None:
        self.cycle = self

    def method(self, **kwargs: object) -> None:
        raise AssertionError("a dead receiver was called")


def run_python(args: list[str], backend: types.ModuleType | None) -> subprocess.CompletedProcess[str]:
    """Run ``python -W error args`` in ``tests/``, on ``backend`` (None: Django's own dispatcher)."""
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    if backend is None:
        env["CYDISPATCH_TEST_STOCK"] = "1"
    elif backend.__name__ == "cydispatch._pydispatch":
        env[ENV_VAR] = "1"
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        cwd=TESTS,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
