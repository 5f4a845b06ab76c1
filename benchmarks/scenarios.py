"""The benchmark scenarios, shared by ``compare.py`` and ``test_bench_send.py``.

A *scenario* is one piece of work (say, "send to 10 bound-method receivers");
an *implementation* is what does it (see ``IMPLEMENTATIONS``). For every
scenario, ``Scenario.workload()`` makes one set of receivers and senders, and
``Workload.case(implementation)`` wires that *same* set into a fresh signal of
the implementation and returns a ``Case``: a zero-argument callable to time
(``case.call``, a lambda doing ``signal.send(SENDER, a=1, b=2)``) plus a
``case.verify()`` that checks it did the expected work.

The *yardstick* is a function generated for exactly the connected receivers
(see ``make_yardstick`` and /work/shared/PERF_NOTES.md): it calls each
receiver with ``signal=``, ``sender=`` and the named arguments and returns the
same ``[(receiver, response), ...]`` list as ``Signal.send``. It is the
fastest correct dispatcher for that exact set of receivers, so "× yardstick"
is a dispatcher's overhead over doing the calls by hand.

Backends are imported when a case is built, never at import time: a backend
that cannot be imported makes its cases raise (and its benchmarks error),
instead of silently dropping out.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Implementation id -> what it is. The order is the order of reports.
IMPLEMENTATIONS: dict[str, str] = {
    "yardstick": "a function generated for exactly the connected receivers",
    "cydispatch-c": "cydispatch._cdispatch.Signal (compiled)",
    "cydispatch-py": "cydispatch._pydispatch.Signal (pure Python)",
    "django": "django.dispatch.Signal(use_caching=False)",
    "django-cached": "django.dispatch.Signal(use_caching=True)",
}
YARDSTICK = "yardstick"
COMPILED = "cydispatch-c"
PURE = "cydispatch-py"
DJANGO = "django"

#: Implementation id -> (module, keyword arguments of its ``Signal``).
_SIGNAL_CLASSES: dict[str, tuple[str, dict[str, Any]]] = {
    COMPILED: ("cydispatch._cdispatch", {}),
    PURE: ("cydispatch._pydispatch", {}),
    DJANGO: ("django.dispatch", {"use_caching": False}),
    "django-cached": ("django.dispatch", {"use_caching": True}),
}


def new_signal(implementation: str) -> Any:
    """A fresh signal of ``implementation`` (importing its backend now)."""
    module, kwargs = _SIGNAL_CLASSES[implementation]
    return importlib.import_module(module).Signal(**kwargs)


# --- receivers and senders ------------------------------------------------------------


def make_function_receivers(count: int) -> list[Callable[..., Any]]:
    """``count`` distinct functions ``f(signal, sender, **named)``; the i-th returns i."""

    def make(index: int) -> Callable[..., Any]:
        def receiver(signal: Any, sender: Any, **named: Any) -> int:
            return index

        receiver.__name__ = receiver.__qualname__ = f"receiver_{index}"
        return receiver

    return [make(index) for index in range(count)]


class Listener:
    """An object whose bound method ``on_signal`` is a receiver."""

    def __init__(self, index: int) -> None:
        self.index = index

    def on_signal(self, signal: Any, sender: Any, **named: Any) -> int:
        return 1

    def __repr__(self) -> str:
        return f"<Listener {self.index}>"


def make_senders(count: int) -> list[type]:
    """``count`` distinct classes, the usual kind of sender (think Django models).

    Classes, unlike ``object()`` instances, can be weakly referenced, which
    Django's ``use_caching=True`` requires of a sender.
    """
    return [type(f"Sender{index}", (), {}) for index in range(count)]


# --- the yardstick ----------------------------------------------------------------------

#: The ``signal=`` argument the yardstick passes (the receivers ignore it).
YARDSTICK_SIGNAL = object()


def make_yardstick(
    receivers: Sequence[Callable[..., Any]], names: Sequence[str] = ("a", "b"), robust: bool = False
) -> Callable[..., list[tuple[Any, Any]]]:
    """Generate ``yardstick(sender, a, b)`` for exactly ``receivers``.

    It calls every receiver, in order, as ``r(signal=..., sender=sender, a=a, b=b)``
    and returns ``[(r, response), ...]``. With ``robust=True`` it also catches
    an ``Exception`` from each call and puts it in the list in place of the
    response, like ``send_robust``.
    """
    refs = [f"r{index}" for index in range(len(receivers))]
    call_args = ", ".join(["signal=SIGNAL", "sender=sender", *(f"{name}={name}" for name in names)])
    params = ", ".join(["sender", *names])
    lines = [f"def yardstick({params}):"]
    if robust:
        for index, ref in enumerate(refs):
            lines += [
                "    try:",
                f"        x{index} = {ref}({call_args})",
                "    except Exception as error:",
                f"        x{index} = error",
            ]
        items = ", ".join(f"({ref}, x{index})" for index, ref in enumerate(refs))
    else:
        items = ", ".join(f"({ref}, {ref}({call_args}))" for ref in refs)
    lines.append(f"    return [{items}]")
    namespace: dict[str, Any] = dict(zip(refs, receivers))
    namespace["SIGNAL"] = YARDSTICK_SIGNAL
    code = compile("\n".join(lines) + "\n", f"<yardstick for {len(receivers)} receivers>", "exec")
    exec(code, namespace)
    return namespace["yardstick"]  # type: ignore[no-any-return]


# --- the timed callables (each is the lambda or function that gets timed) -----------------


def _send_call(signal: Any, sender: Any) -> Callable[[], Any]:
    return lambda: signal.send(sender, a=1, b=2)


def _send_robust_call(signal: Any, sender: Any) -> Callable[[], Any]:
    return lambda: signal.send_robust(sender, a=1, b=2)


def _yardstick_call(yardstick: Callable[..., Any], sender: Any) -> Callable[[], Any]:
    return lambda: yardstick(sender, a=1, b=2)


def _connect_disconnect_call(signal: Any, receiver: Any) -> Callable[[], None]:
    def connect_disconnect() -> None:
        signal.connect(receiver)
        signal.disconnect(receiver)

    return connect_disconnect


# --- scenarios, workloads, cases ----------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """The most ``implementation`` may take, as a multiple of ``baseline``'s time."""

    implementation: str
    factor: float
    baseline: str

    def __str__(self) -> str:
        return f"<= {self.factor:.2f}x {self.baseline}"


@dataclass(frozen=True)
class Scenario:
    """One piece of dispatch work, done the same way by every implementation."""

    name: str  #: a short id, used in test ids and JSON
    title: str  #: a human description, used as the pytest-benchmark group
    operation: str  #: "send", "send_robust" or "connect+disconnect"
    receivers: int  #: how many receivers are connected
    methods: bool = False  #: bound methods (weakly connected) instead of functions
    senders: int = 0  #: if set, each receiver listens to its own sender; one of them sends
    compiled_limit: float | None = None  #: the compiled backend's limit (see ``limits``)

    @property
    def implementations(self) -> tuple[str, ...]:
        """The implementations that take part (no yardstick for connect+disconnect)."""
        if self.operation == "connect+disconnect":
            return tuple(name for name in IMPLEMENTATIONS if name != YARDSTICK)
        return tuple(IMPLEMENTATIONS)

    @property
    def baseline(self) -> str:
        """What the limits of this scenario are measured against."""
        return YARDSTICK if YARDSTICK in self.implementations else DJANGO

    @property
    def limits(self) -> tuple[Limit, ...]:
        """The project's limits: the compiled backend's own, and pure <= Django everywhere."""
        limits: list[Limit] = []
        if self.compiled_limit is not None:
            limits.append(Limit(COMPILED, self.compiled_limit, self.baseline))
        limits.append(Limit(PURE, 1.0, DJANGO))
        return tuple(limits)

    def workload(self) -> Workload:
        """A fresh set of receivers and senders for this scenario."""
        return Workload(self)


@dataclass
class Case:
    """A scenario wired into one implementation, ready to be timed."""

    scenario: Scenario
    implementation: str
    call: Callable[[], Any]  #: the zero-argument callable to time
    verify: Callable[[], None]  #: raises AssertionError unless ``call`` did the expected work
    #: what ``call`` works on: it holds the receivers, which signals only reference weakly
    workload: Workload | None = None
    signal: Any = None  #: the signal (None for the yardstick)
    #: an untimed clean-up between timing runs (drops what a run leaves behind)
    tidy: Callable[[], None] = field(default=lambda: None)

    def close(self) -> None:
        """Release what the case holds, and the finalizers Django's ``connect`` left for it."""
        _release_django_finalizers(self.signal)
        self.signal = self.workload = None


class Workload:
    """One scenario's receivers and senders; ``case()`` connects them to an implementation."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        if scenario.methods:
            self.listeners = [Listener(index) for index in range(scenario.receivers)]
            # Bound methods made once: the yardstick calls these, the signals
            # get them connected weakly (the listeners keep them reachable).
            self.receivers: list[Any] = [listener.on_signal for listener in self.listeners]
        else:
            self.listeners = []
            self.receivers = make_function_receivers(scenario.receivers)
        if scenario.senders:
            self.senders = make_senders(scenario.senders)
            # The receivers listen to the first ones; the one that sends is the
            # one in the middle of the list, and its receiver is the only match.
            self.connected_to: list[Any] = self.senders[: len(self.receivers)]
            self.sender = self.senders[len(self.senders) // 2]
            self.matching = [r for r, s in zip(self.receivers, self.connected_to) if s is self.sender]
        else:
            self.senders = make_senders(1)
            self.connected_to = [None] * len(self.receivers)
            self.sender = self.senders[0]
            self.matching = list(self.receivers)
        #: the receiver connected and disconnected by "connect+disconnect"
        self.extra = make_function_receivers(1)[0]

    def expected(self) -> list[tuple[Any, Any]]:
        """What a send from ``self.sender`` must return."""
        return [(r, r(signal=None, sender=self.sender, a=1, b=2)) for r in self.matching]

    def case(self, implementation: str) -> Case:
        """Wire this workload into ``implementation`` (which must take part)."""
        scenario = self.scenario
        if implementation not in scenario.implementations:
            raise ValueError(f"{implementation!r} does not take part in {scenario.name!r}")
        expected = self.expected()
        robust = scenario.operation == "send_robust"

        if implementation == YARDSTICK:
            yardstick = make_yardstick(self.matching, robust=robust)
            call = _yardstick_call(yardstick, self.sender)
            return Case(scenario, implementation, call, _check_result(call, expected), workload=self)

        signal = new_signal(implementation)
        for receiver, sender in zip(self.receivers, self.connected_to):
            signal.connect(receiver, sender=sender)
        if scenario.operation == "send":
            call = _send_call(signal, self.sender)
            verify = _check_result(call, expected, signal, len(self.receivers))
        elif robust:
            call = _send_robust_call(signal, self.sender)
            verify = _check_result(call, expected, signal, len(self.receivers))
        elif scenario.operation == "connect+disconnect":
            call = _connect_disconnect_call(signal, self.extra)
            verify = _check_connections(signal, self.sender, expected, call, len(self.receivers))
        else:
            raise ValueError(f"unknown operation {scenario.operation!r}")
        case = Case(scenario, implementation, call, verify, workload=self, signal=signal)
        if scenario.operation == "connect+disconnect" and implementation.startswith("django"):
            case.tidy = lambda: _release_django_finalizers(signal, self.extra)
        return case


def _check_result(
    call: Callable[[], Any], expected: list[tuple[Any, Any]], signal: Any = None, connected: int = 0
) -> Callable[[], None]:
    def verify() -> None:
        result = call()
        assert result == expected, f"{result!r} != {expected!r}"
        if signal is not None:
            _check_connected(signal, connected)

    return verify


def _check_connections(
    signal: Any, sender: Any, expected: list[tuple[Any, Any]], call: Callable[[], None], connected: int
) -> Callable[[], None]:
    def verify() -> None:
        call()
        result = signal.send(sender, a=1, b=2)
        assert result == expected, f"after connect+disconnect: {result!r} != {expected!r}"
        _check_connected(signal, connected)

    return verify


def _check_connected(signal: Any, connected: int) -> None:
    """Every receiver is still connected (none died: they are only weakly referenced)."""
    # After a send, Django's list holds no dead receivers; cydispatch's never does.
    count = len(signal.receivers)
    assert count == connected, f"{count} receivers connected, expected {connected}"


def _release_django_finalizers(signal: Any, receiver: Any = None) -> None:
    """Detach the ``weakref.finalize`` hooks Django's ``connect`` left for ``signal``.

    Django's ``connect`` registers a finalizer per connection (on the receiver,
    or the instance of a bound method) that holds the signal and is never
    detached by ``disconnect``: timing a million connects would keep a million
    of them, and every signal, alive. Untimed, between runs and at the end,
    drop those of ``signal`` (only those on ``receiver``, if given). Uses
    ``weakref.finalize``'s private registry; it is housekeeping only.
    """
    registry = getattr(weakref.finalize, "_registry", None)
    if signal is None or not registry:
        return
    for finalizer in list(registry):
        info = finalizer.peek()
        if info is None:
            continue
        obj, func = info[0], info[1]
        if getattr(func, "__self__", None) is signal and (receiver is None or obj is receiver):
            finalizer.detach()


#: Every scenario, in report order, with the compiled backend's limits from the project issue.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("send-0", "send, 0 receivers", "send", 0, compiled_limit=1.5),
    Scenario("send-1", "send, 1 receiver", "send", 1, compiled_limit=1.3),
    Scenario("send-10-functions", "send, 10 functions", "send", 10, compiled_limit=1.1),
    Scenario(
        "send-10-methods", "send, 10 bound methods (weak)", "send", 10, methods=True,
        compiled_limit=1.2,
    ),
    Scenario(
        "send-1-of-100-senders", "send, 1 match among 100 senders", "send", 100,
        senders=100, compiled_limit=1.3,
    ),
    Scenario("send_robust-10-functions", "send_robust, 10 functions", "send_robust", 10),
    Scenario(
        "connect-disconnect", "connect+disconnect, 10 others", "connect+disconnect", 10,
        compiled_limit=0.15,
    ),
)

SCENARIOS_BY_NAME: dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}
