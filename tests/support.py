"""Helpers shared by the test modules (not tests themselves)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
import types
from collections.abc import Callable
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

import django
import django.dispatch
import pytest

TESTS = Path(__file__).parent
ENV_VAR = "CYDISPATCH_NO_EXTENSIONS"
#: The suffix of this interpreter's compiled modules (``.cpython-311-x86_64-linux-gnu.so``).
EXTENSION_SUFFIX = EXTENSION_SUFFIXES[0]
#: How long a test waits for a thread before calling it a deadlock.
JOIN_TIMEOUT = 60

#: The random programs (the Hypothesis tests and the fuzz) are a fixed,
#: reproducible set by default. ``CYDISPATCH_FRESH_SEEDS=1`` draws them from a
#: fresh seed, ``SEED``, which the run prints at its start and end (see
#: ``conftest.py``); ``CYDISPATCH_SEED=N`` replays the run of seed N (for
#: Hypothesis alone, ``--hypothesis-seed=N`` does too).
FRESH_SEEDS = os.environ.get("CYDISPATCH_FRESH_SEEDS", "0") != "0" or "CYDISPATCH_SEED" in os.environ
SEED = (
    int(os.environ["CYDISPATCH_SEED"]) if "CYDISPATCH_SEED" in os.environ
    else random.SystemRandom().randrange(2**32) if FRESH_SEEDS
    else None
)


#: Django 5.0 added asynchronous receivers. With 4.2, which has none,
#: cydispatch calls a coroutine function as any receiver, as 4.2 does.
ASYNC_RECEIVERS = django.VERSION >= (5, 0)
needs_async_receivers = pytest.mark.skipif(
    not ASYNC_RECEIVERS, reason="Django 4.2 has no asynchronous receivers: it calls them as any other"
)


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


def project_report(module: str, mode: str, backend: types.ModuleType | None) -> Any:
    """Run ``python -m djangoproject.<module> <mode>`` on ``backend``; return the JSON it printed."""
    completed = run_python(["-m", f"djangoproject.{module}", mode], backend)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _django_entry_fields() -> tuple[str, ...]:
    """The fields of an entry of ``receivers`` in the installed Django, learnt from Django itself."""
    import django.dispatch

    def probe(**kwargs: object) -> None:
        pass

    signal = django.dispatch.Signal()
    signal.connect(probe, weak=False)
    return {
        2: ("lookup_key", "receiver"),
        3: ("lookup_key", "receiver", "is_async"),
        4: ("lookup_key", "receiver", "sender_ref", "is_async"),
    }[len(signal.receivers[0])]


#: The fields of an entry of ``receivers`` in the installed Django, in order.
ENTRY_FIELDS = _django_entry_fields()


def entry_fields(entry: tuple[object, ...]) -> dict[str, object]:
    """An entry of ``receivers`` by field name, as the installed Django defines them.

    ``sender_ref`` is there in every shape: before Django 6.0 an entry has no
    such field, and cydispatch carries the reference in the lookup key's
    sender id (its ``ref``; absent for "any sender").
    """
    fields = dict(zip(ENTRY_FIELDS, entry, strict=True))
    if "sender_ref" not in fields:
        fields["sender_ref"] = getattr(fields["lookup_key"][1], "ref", None)  # type: ignore[index]
    return fields


class Recorder:
    """A receiver that records the ticket of every send that called it.

    ``dead_after`` is a ticket taken once the recorder was disconnected: a send
    whose ticket is later started after the disconnection returned, so it
    must not call the recorder.
    """

    def __init__(self, name):
        self.name = name
        self.tickets = []
        self.dead_after = None

    def __call__(self, ticket, **kwargs):
        self.tickets.append(ticket)
        return self.name

    def method(self, ticket, **kwargs):
        self.tickets.append(ticket)
        return self.name

    def as_function(self):
        """A function (held weakly when connected; the caller keeps it) that records here."""

        def receiver(ticket, **kwargs):
            self.tickets.append(ticket)
            return self.name

        self.function = receiver
        return receiver

    def late_calls(self):
        if self.dead_after is None:
            return []
        return [t for t in self.tickets if t > self.dead_after]


def named(name):
    def receiver(**kwargs):
        return name

    receiver.__qualname__ = name
    return receiver


def names(responses):
    """``[(receiver, response), ...]`` as the responses alone (receivers differ per signal)."""
    return [response if isinstance(response, str) else type(response).__name__ for _, response in responses]


def both(Signal, scenario):
    """Run ``scenario`` on the backend's Signal and on Django's; return the backend's result."""
    ours = scenario(Signal)
    djangos = scenario(django.dispatch.Signal)
    assert ours == djangos, (ours, djangos)
    return ours


#: What a compiled module of the package is built from, beside its own source:
#: the declarations it cimports (``from cydispatch.X cimport ...``) and the C
#: headers it includes, followed through the ``.pxd`` files.
_CIMPORT = re.compile(
    r'^\s*from\s+cydispatch\.(\w+)\s+cimport\b|^\s*(?:cdef\s+extern\s+from|#?include)\s+"(\w+\.h)"', re.M
)


def build_sources(package: Path, module: str) -> list[Path]:
    """The files of ``package`` that the compiled ``module`` is built from: a change to any needs a rebuild."""
    sources = [path for suffix in (".pyx", ".py") if (path := package / f"{module}{suffix}").is_file()][:1]
    pending = [*sources, package / f"{module}.pxd"]
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for cimported, header in _CIMPORT.findall(path.read_text(encoding="utf-8")):
            pending.append(package / (header or f"{cimported}.pxd"))
    return sorted(seen)


def stale_compiled_modules(package: Path) -> list[str]:
    """``"X.so is older than X.py"`` for each compiled module of ``package`` that a source has changed since.

    Python imports an extension module ahead of the ``.py`` of the same name:
    after an edit to ``_flavour.py`` (compiled through its ``.pxd``) and
    before a rebuild, ``import cydispatch._flavour`` loads the old code,
    without a word, whatever ``CYDISPATCH_NO_EXTENSIONS`` says.
    """
    stale = []
    for compiled in sorted(package.glob("*" + EXTENSION_SUFFIX)):
        module = compiled.name.split(".", 1)[0]
        built = compiled.stat().st_mtime
        newer = [path.name for path in build_sources(package, module) if path.stat().st_mtime > built]
        if newer:
            stale.append(f"{compiled.name} is older than {', '.join(newer)}")
    return stale
