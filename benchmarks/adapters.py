"""One adapter per implementation: what the scenarios need to know of each library.

An *adapter* makes a new signal of its library, connects, disconnects and
counts receivers the way the library does, builds the callables that get
timed (``send_call``, ``asend_call``, ``connect_disconnect_call``), and
answers what the scenarios ask of it: can it do a scenario at all
(``unsupported``), which footnotes qualify its figure (``notes``), does it do
less than Django's contract (``does_less``), are its results in connection
order (``ordered_results``), does it return results at all
(``returns_results``), does its disconnect scan its list (``scans``).
``ADAPTERS`` holds one of each, in report order; ``scenarios.py`` uses them
and never branches on an implementation's name.

A timed callable is built here once, before timing: it calls the library
directly (a bound method fetched in advance), never through an adapter
method, so what gets timed is the library's work alone.

Libraries are imported when a signal is made, never at import time: a library
that cannot be imported makes its cases raise (and its benchmarks error),
instead of silently dropping out.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from crowds import BULK_FROM, django_without_duplicate_scan
from floor import make_floor
from yardstick import YARDSTICK_SIGNAL, make_async_yardstick, make_yardstick

if TYPE_CHECKING:
    from scenarios import Scenario, Workload

YARDSTICK = "yardstick"
FLOOR = "floor"
COMPILED = "cydispatch-c"
PURE = "cydispatch-py"
DJANGO = "django"
DJANGO_CACHED = "django-cached"
BLINKER = "blinker"
PSYGNAL_EMIT = "psygnal.emit"
PSYGNAL_EMIT_FAST = "psygnal.emit_fast"

#: Disconnecting in random order from implementations that scan is measured up to this many.
SCANNED_DISCONNECTS_UP_TO = 3_000
#: The operations that change connections (the others send).
CONNECTIONS = ("connect+disconnect", "disconnect")

#: Footnotes of the reports: why an implementation cannot do a scenario, or how it differs.
NOTES: dict[str, str] = {
    "does-less": (
        "psygnal does less than the others: emit(sender, a, b) passes positional arguments "
        "only, has no per-sender connections and returns no results (None); it holds "
        "functions strongly even where the others hold them weakly; emit_fast also skips "
        "psygnal's lock and emission checks."
    ),
    "blinker-order": (
        "blinker returns its (receiver, result) pairs in no defined order (it keeps "
        "receivers in sets); they are checked as a set."
    ),
    "blinker-async-serial": (
        "blinker's send_async awaits the receivers one after another in the caller's "
        "task, where Django and cydispatch run them concurrently (a task each, "
        "asyncio.gather): less work, different semantics."
    ),
    "yardstick-connect": "the yardstick is written for fixed receivers: nothing to connect or disconnect.",
    "floor-connect": "the floor is made for fixed receivers: nothing to connect or disconnect.",
    "floor-async": "the floor is a synchronous send only (the receivers' calls from a C loop).",
    "psygnal-sender": "psygnal has no per-sender connections: every slot receives every emit.",
    "psygnal-robust": (
        "psygnal has no robust emit: the first failing slot stops the emission "
        "(EmitLoopError)."
    ),
    "psygnal-async": (
        "psygnal has no awaitable emit that collects results (async slots are scheduled "
        "on a backend, fire-and-forget)."
    ),
    "psygnal-emit-fast-connect": (
        "connecting and disconnecting are the same for psygnal's emit and emit_fast: one "
        "measurement, in the psygnal.emit row."
    ),
    "disconnect-scan": (
        "Django's and psygnal's disconnect look for the receiver through their list: N "
        "disconnects in random order take time quadratic in N (Django 5.2: 0.5 s for 3,000, "
        f"about a minute for 30,000), so they are measured up to {SCANNED_DISCONNECTS_UP_TO:,} only."
    ),
    "blinker-robust": "blinker has no send_robust: a receiver's exception propagates.",
    "blinker-asend-sync": (
        "blinker's send_async calls a synchronous receiver only through a caller-supplied "
        "per-receiver _sync_wrapper; it has no equivalent of running them in one "
        "sync_to_async batch."
    ),
}


class Adapter:
    """A library with Django's API (``Signal(**kwargs)`` from ``module``); the others override."""

    #: it does less work than Django's ``send`` (see ``NOTES["does-less"]``)
    does_less = False
    #: its disconnect looks for the receiver through a list (see ``NOTES["disconnect-scan"]``)
    scans = False
    #: a send returns ``[(receiver, response), ...]`` (psygnal returns None)
    returns_results = True
    #: ... in the order the receivers were connected (blinker's is undefined)
    ordered_results = True
    #: its ``connect`` leaves finalizers that ``disconnect`` never detaches (Django)
    leaves_finalizers = False

    def __init__(self, name: str, description: str, module: str = "", **signal_kwargs: Any) -> None:
        self.name = name  #: the implementation's id (a key of ``ADAPTERS``)
        self.description = description  #: what it is, as the reports say
        self.module = module  #: the module whose ``Signal`` is made
        self.signal_kwargs = signal_kwargs  #: the keyword arguments of that ``Signal``

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    # --- what the scenarios ask ----------------------------------------------------------

    def unsupported(self, scenario: Scenario) -> str | None:
        """Why this implementation cannot do ``scenario`` (a key of ``NOTES``), or None."""
        if self.scans and scenario.order == "random" and scenario.receivers > SCANNED_DISCONNECTS_UP_TO:
            return "disconnect-scan"
        return None

    def notes(self, scenario: Scenario) -> tuple[str, ...]:
        """Footnotes (keys of ``NOTES``) that qualify this implementation's figure in ``scenario``."""
        if self.does_less and scenario.operation not in CONNECTIONS:
            return ("does-less",)
        return ()

    # --- signals and connections (untimed) ---------------------------------------------

    def new_signal(self) -> Any:
        """A fresh signal (importing the library now)."""
        return importlib.import_module(self.module).Signal(**self.signal_kwargs)

    def connect(self, signal: Any, receiver: Any, sender: Any = None, weak: bool = True) -> None:
        """Connect ``receiver`` (``sender=None``: to every sender)."""
        signal.connect(receiver, sender=sender, weak=weak)

    def without_duplicate_scan(self, signal: Any) -> AbstractContextManager[Any]:
        """A block in which connecting distinct receivers takes linear time (Django's: see ``crowds``)."""
        return nullcontext()

    def connect_all(self, signal: Any, receivers: Sequence[Any], senders: Sequence[Any], weak: bool = True) -> None:
        """Connect each receiver to its sender (None: every sender); thousands to Django in linear time."""
        with self.without_duplicate_scan(signal) if len(receivers) >= BULK_FROM else nullcontext():
            for receiver, sender in zip(receivers, senders):
                self.connect(signal, receiver, sender=sender, weak=weak)

    def disconnect(self, signal: Any, receiver: Any) -> Any:
        """Disconnect ``receiver`` (connected to every sender)."""
        return signal.disconnect(receiver)

    def connected_count(self, signal: Any) -> int:
        """How many receivers ``signal`` holds."""
        return len(signal.receivers)

    def send_once(self, signal: Any, sender: Any) -> Any:
        """One untimed send from ``sender``, with ``a=1, b=2``; its result."""
        return signal.send(sender, a=1, b=2)

    # --- the timed callables ---------------------------------------------------------------

    def send_call(self, workload: Workload, signal: Any, operation: str) -> Callable[[], Any]:
        """The zero-argument callable that does ``operation`` ("send" or "send_robust") once."""
        if operation == "send":
            return workload.timed_call(signal.send)
        if operation == "send_robust":
            return workload.timed_call(signal.send_robust)
        raise ValueError(f"unknown operation {operation!r}")

    def asend_call(self, workload: Workload, signal: Any) -> Callable[[], Awaitable[Any]]:
        """The zero-argument coroutine function that sends asynchronously once."""
        asend = signal.asend
        sender = workload.sender
        return lambda: asend(sender, a=1, b=2)

    def connect_disconnect_call(self, signal: Any, receiver: Any) -> Callable[[], None]:
        """The callable that connects ``receiver`` to every sender and disconnects it again."""

        def connect_disconnect() -> None:
            signal.connect(receiver)
            signal.disconnect(receiver)

        return connect_disconnect


class Cydispatch(Adapter):
    """cydispatch, either backend: Django's API, no scans, nothing left behind."""


class Django(Adapter):
    """Django's ``Signal``: its connect and disconnect scan the list of receivers."""

    scans = True
    leaves_finalizers = True

    def without_duplicate_scan(self, signal: Any) -> AbstractContextManager[Any]:
        return django_without_duplicate_scan(signal)


class Blinker(Adapter):
    """blinker: receivers kept in sets, no ``send_robust``, ``send_async`` awaits one by one."""

    ordered_results = False

    def unsupported(self, scenario: Scenario) -> str | None:
        if scenario.operation == "send_robust":
            return "blinker-robust"
        if scenario.operation == "asend" and not scenario.asynchronous:
            return "blinker-asend-sync"
        return super().unsupported(scenario)

    def notes(self, scenario: Scenario) -> tuple[str, ...]:
        notes = list(super().notes(scenario))
        if scenario.operation not in CONNECTIONS and scenario.matches > 1:
            notes.append("blinker-order")
        if scenario.operation == "asend" and scenario.asynchronous:
            notes.append("blinker-async-serial")
        return tuple(notes)

    def new_signal(self) -> Any:
        return importlib.import_module("blinker").Signal()

    def connect(self, signal: Any, receiver: Any, sender: Any = None, weak: bool = True) -> None:
        blinker = importlib.import_module("blinker")
        signal.connect(receiver, sender=blinker.ANY if sender is None else sender, weak=weak)

    def asend_call(self, workload: Workload, signal: Any) -> Callable[[], Awaitable[Any]]:
        asend = signal.send_async
        sender = workload.sender
        return lambda: asend(sender, a=1, b=2)

    def connect_disconnect_call(self, signal: Any, receiver: Any) -> Callable[[], None]:
        import blinker

        any_sender = blinker.ANY

        def connect_disconnect() -> None:
            signal.connect(receiver, any_sender)
            signal.disconnect(receiver)

        return connect_disconnect


class Psygnal(Adapter):
    """psygnal's ``emit``: positional arguments, no per-sender connections, no results."""

    does_less = True
    scans = True
    returns_results = False
    emit_method = "emit"  #: the name of the method that sends

    def unsupported(self, scenario: Scenario) -> str | None:
        if scenario.senders:
            return "psygnal-sender"
        if scenario.operation == "send_robust":
            return "psygnal-robust"
        if scenario.operation == "asend":
            return "psygnal-async"
        return super().unsupported(scenario)

    def new_signal(self) -> Any:
        return importlib.import_module("psygnal").SignalInstance((object, int, int))

    def connect(self, signal: Any, receiver: Any, sender: Any = None, weak: bool = True) -> None:
        # psygnal holds functions strongly and bound methods weakly, always.
        assert sender is None, "psygnal has no per-sender connections"
        signal.connect(receiver)

    def connected_count(self, signal: Any) -> int:
        return len(signal)

    def send_once(self, signal: Any, sender: Any) -> Any:
        return signal.emit(sender, 1, 2)

    def send_call(self, workload: Workload, signal: Any, operation: str) -> Callable[[], Any]:
        return workload.timed_call(getattr(signal, self.emit_method), positional=True)


class PsygnalEmitFast(Psygnal):
    """psygnal's ``emit_fast``: ``emit`` without the lock and checks; connections as ``emit``."""

    emit_method = "emit_fast"

    def unsupported(self, scenario: Scenario) -> str | None:
        if scenario.operation in CONNECTIONS:
            return "psygnal-emit-fast-connect"  # measured once, in the psygnal.emit row
        return super().unsupported(scenario)


class Yardstick(Adapter):
    """The yardstick (see ``yardstick.py``): no signal, generated for the workload's receivers."""

    #: why it cannot connect or disconnect (a key of ``NOTES``)
    fixed_receivers = "yardstick-connect"

    def unsupported(self, scenario: Scenario) -> str | None:
        if scenario.operation in CONNECTIONS:
            return self.fixed_receivers
        return super().unsupported(scenario)

    def new_signal(self) -> Any:
        """None: the yardstick has no signal, and nothing to connect."""
        return None

    def send_call(self, workload: Workload, signal: Any, operation: str) -> Callable[[], Any]:
        yardstick = make_yardstick(workload.matching, robust=operation == "send_robust")
        return workload.timed_call(yardstick)

    def asend_call(self, workload: Workload, signal: Any) -> Callable[[], Awaitable[Any]]:
        async_yardstick = make_async_yardstick(workload.matching, workload.scenario.asynchronous)
        sender = workload.sender
        return lambda: async_yardstick(sender, a=1, b=2)


class Floor(Yardstick):
    """The floor (see ``floor.py``): the yardstick's calls made from a bare C loop; no ``asend``."""

    fixed_receivers = "floor-connect"

    def unsupported(self, scenario: Scenario) -> str | None:
        if scenario.operation == "asend":
            return "floor-async"
        return super().unsupported(scenario)

    def send_call(self, workload: Workload, signal: Any, operation: str) -> Callable[[], Any]:
        scenario = workload.scenario
        floor = make_floor(workload.matching, YARDSTICK_SIGNAL, weak_methods=scenario.methods and scenario.weak)
        return workload.timed_call(floor.send_robust if operation == "send_robust" else floor.send)


#: Implementation id -> its adapter. The order is the order of reports.
ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        Yardstick(YARDSTICK, "a function generated for exactly the connected receivers"),
        Floor(FLOOR, "the same receivers' calls from a bare C loop (benchmarks/_floor.pyx)"),
        Cydispatch(COMPILED, "cydispatch._cdispatch.Signal (compiled)", "cydispatch._cdispatch"),
        Cydispatch(PURE, "cydispatch._pydispatch.Signal (pure Python)", "cydispatch._pydispatch"),
        Django(DJANGO, "django.dispatch.Signal(use_caching=False)", "django.dispatch", use_caching=False),
        Django(DJANGO_CACHED, "django.dispatch.Signal(use_caching=True)", "django.dispatch", use_caching=True),
        Blinker(BLINKER, "blinker.Signal().send(sender, **named)"),
        Psygnal(PSYGNAL_EMIT, "psygnal.SignalInstance((object, int, int)).emit(sender, a, b)"),
        PsygnalEmitFast(PSYGNAL_EMIT_FAST, "psygnal.SignalInstance((object, int, int)).emit_fast(sender, a, b)"),
    )
}
#: Implementation id -> what it is. The order is the order of reports.
IMPLEMENTATIONS: dict[str, str] = {name: adapter.description for name, adapter in ADAPTERS.items()}
