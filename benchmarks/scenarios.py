"""The benchmark scenarios, shared by ``compare.py``, ``memory.py`` and the pytest-benchmark tests.

A *scenario* is one piece of dispatch work (say, "send to 10 bound-method
receivers"); an *implementation* is what does it (see ``IMPLEMENTATIONS``):
cydispatch's two backends, Django's ``Signal`` (``use_caching`` off and on),
blinker, psygnal (``emit`` and ``emit_fast``) and the *yardstick*. For every
scenario, ``Scenario.workload()`` makes one set of receivers and senders, and
``Workload.case(implementation)`` wires that *same* set into a fresh signal of
the implementation and returns a ``Case``: a zero-argument callable to time
(``case.call``, e.g. a lambda doing ``signal.send(SENDER, a=1, b=2)``) plus a
``case.verify()`` that checks it did the expected work.

What differs between libraries lives in their adapters (``adapters.py``, one
class per library, ``ADAPTERS[implementation]``): how to make a signal, connect,
disconnect and build the timed callable, and what the library cannot do or
does differently. The scenarios ask the adapter; they never test a name.

Every library calls the same receiver objects, ``def receiver(sender, a, b,
**named)`` (the usual shape of a Django receiver), each the way it calls
receivers: Django and cydispatch as ``receiver(signal=s, sender=S, a=1, b=2)``,
blinker as ``receiver(S, a=1, b=2)``, psygnal as ``receiver(S, 1, 2)``.

The *yardstick* is a function generated for exactly the connected receivers
(see ``yardstick.py`` and /work/shared/PERF_NOTES.md): it calls each
receiver with ``signal=``, ``sender=`` and the named arguments and returns the
same ``[(receiver, response), ...]`` list as ``Signal.send``. It is the
fastest correct dispatcher for that exact set of receivers, so "x yardstick"
is a dispatcher's overhead over doing the calls by hand. For ``asend`` it is
written the way the contract asks: the synchronous receivers' calls in one
``sync_to_async`` batch, the asynchronous ones under one ``asyncio.gather``.

The *floor* (``floor.py``) makes the yardstick's calls from a bare C loop,
entered the way the compiled ``send`` is: "x floor" is what the compiled
backend adds to what any dispatcher written in C pays for calling Python
receivers (on 3.12+, more than Python code pays). It sends only.

Some scenarios send from many senders (``Scenario.live_senders``: that many
instances of ``crowds.Store``, one after another; ``Scenario.new_sender``: a
new one per send), the way ``send(sender=self)`` does from model instances.
Their receivers return the sender (``crowds.make_sender_receivers``), so
``verify`` can see that every send reached its receivers with the sender it
was sent from; the yardstick's timed call picks its sender the same way.

Where a library cannot do a scenario, ``Scenario.unsupported(implementation)``
gives the reason (a key of ``NOTES``): the reports show "n/a" and the reason,
and no case exists. Implementations that do less than Django's contract are
in ``DOES_LESS`` and marked with an asterisk.

Libraries are imported when a case is built, never at import time (see
``adapters.py``).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import random
import sys
import time
import timeit
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from adapters import ADAPTERS, COMPILED, DJANGO, IMPLEMENTATIONS, NOTES, PURE, YARDSTICK, Adapter
from crowds import BULK_FROM, Store, make_sender_receivers, sender_receiver_index

#: Implementations that do less work than Django's ``send`` (see ``NOTES["does-less"]``).
DOES_LESS = frozenset(name for name, adapter in ADAPTERS.items() if adapter.does_less)
#: The orders receivers are disconnected in (``Scenario.order``), as reports describe them.
DISCONNECT_ORDERS = {"first": "first connected first", "random": "in random order"}


# --- receivers and senders ------------------------------------------------------------


def make_function_receivers(count: int) -> list[Callable[..., Any]]:
    """``count`` distinct functions ``f(sender, a, b, **named)``; the i-th returns i."""

    def make(index: int) -> Callable[..., Any]:
        def receiver(sender: Any, a: Any, b: Any, **named: Any) -> int:
            return index

        receiver.__name__ = receiver.__qualname__ = f"receiver_{index}"
        return receiver

    return [make(index) for index in range(count)]


def make_async_receivers(count: int) -> list[Callable[..., Any]]:
    """``count`` distinct coroutine functions ``f(sender, a, b, **named)``; the i-th returns i."""

    def make(index: int) -> Callable[..., Any]:
        async def receiver(sender: Any, a: Any, b: Any, **named: Any) -> int:
            return index

        receiver.__name__ = receiver.__qualname__ = f"async_receiver_{index}"
        return receiver

    return [make(index) for index in range(count)]


class Listener:
    """An object whose bound method ``on_signal`` is a receiver."""

    def __init__(self, index: int) -> None:
        self.index = index

    def on_signal(self, sender: Any, a: Any, b: Any, **named: Any) -> int:
        return 1

    def __repr__(self) -> str:
        return f"<Listener {self.index}>"


def make_senders(count: int) -> list[type]:
    """``count`` distinct classes, the usual kind of sender (think Django models).

    Classes, unlike ``object()`` instances, can be weakly referenced, which
    Django's ``use_caching=True`` requires of a sender.
    """
    return [type(f"Sender{index}", (), {}) for index in range(count)]


# --- scenarios ------------------------------------------------------------------------------


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
    #: "send", "send_robust", "asend" or "connect+disconnect"
    operation: str
    receivers: int  #: how many receivers are connected
    methods: bool = False  #: bound methods instead of functions
    weak: bool = True  #: connected weakly (the default) or with ``weak=False``
    asynchronous: bool = False  #: coroutine-function receivers (``asend`` only)
    senders: int = 0  #: if set, each receiver listens to its own sender; one of them sends
    #: if set, the sends come from that many ``Store`` instances, one after another
    live_senders: int = 0
    new_sender: bool = False  #: each send comes from a new ``Store`` instance
    compiled_limit: float | None = None  #: the compiled backend's limit (see ``limits``)
    pure_limit: float = 1.0  #: the pure backend's limit, a multiple of Django's time
    #: for "disconnect": "first" (first connected, first disconnected) or "random"
    order: str = ""

    def unsupported(self, implementation: str) -> str | None:
        """Why ``implementation`` cannot do this scenario (a key of ``NOTES``), or None."""
        return ADAPTERS[implementation].unsupported(self)

    def notes(self, implementation: str) -> tuple[str, ...]:
        """Footnotes (keys of ``NOTES``) that qualify ``implementation``'s figure here."""
        return ADAPTERS[implementation].notes(self)

    @property
    def matches(self) -> int:
        """How many receivers a send reaches."""
        return 1 if self.senders else self.receivers

    @property
    def implementations(self) -> tuple[str, ...]:
        """The implementations that take part (those that can do this scenario)."""
        return tuple(name for name in IMPLEMENTATIONS if self.unsupported(name) is None)

    @property
    def baseline(self) -> str:
        """What the limits of this scenario are measured against."""
        return YARDSTICK if YARDSTICK in self.implementations else DJANGO

    @property
    def limits(self) -> tuple[Limit, ...]:
        """The project's limits: the compiled backend's own, and the pure one's against Django."""
        limits: list[Limit] = []
        if self.compiled_limit is not None:
            limits.append(Limit(COMPILED, self.compiled_limit, self.baseline))
        limits.append(Limit(PURE, self.pure_limit, DJANGO))
        return tuple(limits)

    def workload(self) -> Workload:
        """A fresh set of receivers and senders for this scenario."""
        return Workload(self)



# --- cases ------------------------------------------------------------------------------------


@dataclass
class Case:
    """A scenario wired into one implementation, ready to be timed."""

    scenario: Scenario
    implementation: str
    call: Callable[[], Any]  #: the zero-argument callable to time
    verify: Callable[[], None]  #: raises AssertionError unless ``call`` did the expected work
    #: what ``call`` works on: it holds the receivers, which signals only reference weakly
    workload: Workload | None = None
    signal: Any = None  #: the signal (None for the yardstick and the floor)
    #: an untimed clean-up between timing runs (drops what a run leaves behind)
    tidy: Callable[[], None] = field(default=lambda: None)
    #: for work that needs untimed set-up between calls: seconds taken by ``number`` calls
    timed: Callable[[int], float] | None = None
    #: for ``asend``: the event loop, and the coroutine function timed inside it
    loop: asyncio.AbstractEventLoop | None = None
    acall: Callable[[], Awaitable[Any]] | None = None
    _timer: timeit.Timer | None = field(default=None, repr=False)

    def time(self, number: int) -> float:
        """Seconds taken by ``number`` calls (awaited in one run of the loop for ``asend``), and by their garbage.

        The callers time with the collector off, so that a collection cannot
        land in one run and not another. What the calls left in reference
        cycles is then in the young generation, which is collected before
        the calls (untimed) and after them (timed): an implementation that
        leaves cycles pays for them.
        """
        gc.collect(0)
        if self.timed is not None:
            elapsed = self.timed(number)
        elif self.loop is not None and self.acall is not None:
            elapsed = self.loop.run_until_complete(_timed(self.acall, number))
        else:
            if self._timer is None:
                self._timer = timeit.Timer(self.call)
            elapsed = self._timer.timeit(number)
        started = time.perf_counter()
        gc.collect(0)
        return elapsed + time.perf_counter() - started

    def close(self) -> None:
        """Release what the case holds, and the finalizers Django's ``connect`` left for it.

        The signal goes first, while the workload still holds the receivers
        and senders: a signal that outlived them would be told of each death,
        and blinker then scans every sender per receiver (seconds for 10,000).
        """
        _release_django_finalizers(self.signal)
        if self.loop is not None:
            _close_loop(self.loop)
        self.call = self.verify = _closed
        self.signal = self.loop = self.acall = self._timer = self.timed = None
        if self.workload is not None and len(self.workload.receivers) >= BULK_FROM:
            gc.collect()  # signals with weak references sit in reference cycles
        self.workload = None


def _closed() -> None:
    raise RuntimeError("the case is closed")


async def _timed(acall: Callable[[], Awaitable[Any]], number: int) -> float:
    clock = time.perf_counter
    started = clock()
    for _ in range(number):
        await acall()
    return clock() - started


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


class Workload:
    """One scenario's receivers and senders; ``case()`` connects them to an implementation."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        if scenario.methods:
            self.listeners = [Listener(index) for index in range(scenario.receivers)]
            # Bound methods made once: the yardstick calls these, the signals
            # get them connected (weakly: the listeners keep them reachable).
            self.receivers: list[Any] = [listener.on_signal for listener in self.listeners]
        elif scenario.asynchronous:
            self.listeners = []
            self.receivers = make_async_receivers(scenario.receivers)
        elif scenario.live_senders or scenario.new_sender:
            self.listeners = []
            self.receivers = make_sender_receivers(scenario.receivers)
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
        #: the senders sent from in turn (``Scenario.live_senders``)
        self.live = [Store() for _ in range(scenario.live_senders)]
        self._turn = {id(store): index for index, store in enumerate(self.live)}
        #: the receiver connected and disconnected by "connect+disconnect"
        self.extra = make_function_receivers(1)[0]
        #: the receivers in the order "disconnect" disconnects them
        self.disconnect_order = list(self.receivers)
        if scenario.order == "random":
            random.Random(19).shuffle(self.disconnect_order)

    def expected(self, sender: Any = None) -> list[tuple[Any, Any]]:
        """What a send from ``sender`` (default: ``self.sender``) must return."""
        sender = self.sender if sender is None else sender
        if self.scenario.asynchronous:
            return [(r, _run_coroutine(r(signal=None, sender=sender, a=1, b=2))) for r in self.matching]
        return [(r, r(signal=None, sender=sender, a=1, b=2)) for r in self.matching]

    def check_succession(self, first: Any, second: Any) -> None:
        """``second`` is the sender that comes after ``first`` (a live one, or a new one)."""
        if self.scenario.live_senders:
            position = self._turn.get(id(first))
            assert position is not None and self.live[position] is first, f"sent from {first!r}, not a live sender"
            following = self.live[(position + 1) % len(self.live)]
            assert second is following, f"sent from {second!r} after {first!r}, not from {following!r}"
        else:
            assert type(first) is Store and type(second) is Store and first is not second, (first, second)

    def timed_call(self, function: Callable[..., Any], positional: bool = False) -> Callable[[], Any]:
        """``function`` called from this workload's sender: its one sender, the next live one, or a new one.

        ``function(sender, a=1, b=2)``, or ``function(sender, 1, 2)`` if ``positional``.
        """
        if self.scenario.live_senders:
            turns = itertools.cycle(self.live)
            if positional:
                return lambda: function(next(turns), 1, 2)
            return lambda: function(next(turns), a=1, b=2)
        if self.scenario.new_sender:
            if positional:
                return lambda: function(Store(), 1, 2)
            return lambda: function(Store(), a=1, b=2)
        sender = self.sender
        if positional:
            return lambda: function(sender, 1, 2)
        return lambda: function(sender, a=1, b=2)

    def case(self, implementation: str) -> Case:
        """Wire this workload into ``implementation`` (which must take part)."""
        scenario = self.scenario
        reason = scenario.unsupported(implementation)
        if reason is not None:
            raise ValueError(f"{implementation!r} cannot do {scenario.name!r}: {NOTES[reason]}")
        adapter = ADAPTERS[implementation]
        expected = self.expected()
        operation = scenario.operation
        unordered = not adapter.ordered_results
        signal = adapter.new_signal()  # None for the yardstick and the floor: nothing to connect
        if operation == "disconnect":
            return self._disconnect_case(adapter, signal)
        if signal is not None:
            adapter.connect_all(signal, self.receivers, self.connected_to, weak=scenario.weak)
        if operation == "asend":
            acall = adapter.asend_call(self, signal)
            return self._async_case(adapter, acall, signal, expected, unordered)
        if operation == "connect+disconnect":
            cycle = adapter.connect_disconnect_call(signal, self.extra)
            verify = _check_connections(adapter, signal, self, cycle)
            case = Case(scenario, implementation, cycle, verify, workload=self, signal=signal)
            if adapter.leaves_finalizers:
                case.tidy = lambda: _release_django_finalizers(signal, self.extra)
            return case
        call = adapter.send_call(self, signal, operation)
        return self._sync_case(adapter, call, signal, expected, unordered)

    def _disconnect_case(self, adapter: Adapter, signal: Any) -> Case:
        """Disconnecting every receiver, in the scenario's order; a call is one disconnect.

        A timing run disconnects whole sequences (as many as its calls fill,
        rounded up), each from the signal connected anew, untimed, and its time
        is scaled to its number of calls: the ns per disconnect of a whole
        sequence, the same at every position of the order.
        """
        order = self.disconnect_order
        disconnect = signal.disconnect

        def refill() -> None:
            # Django's duplicate scan would make refilling quadratic: skipped at any size.
            with adapter.without_duplicate_scan(signal):
                for receiver in self.receivers:
                    adapter.connect(signal, receiver)

        def timed(number: int) -> float:
            clock = time.perf_counter
            sequences = -(-number // len(order))
            elapsed = 0.0
            for _ in range(sequences):
                refill()
                started = clock()
                for receiver in order:
                    disconnect(receiver)
                elapsed += clock() - started
            return elapsed * number / (sequences * len(order))

        def verify() -> None:
            refill()
            half = len(order) // 2
            for receiver in order[:half]:
                assert disconnect(receiver) is not False, f"{receiver!r} was not connected"
            _check_connected(adapter, signal, len(order) - half)
            if adapter.returns_results and adapter.ordered_results:
                gone = set(order[:half])
                left = [receiver for receiver, _ in signal.send(self.sender, a=1, b=2)]
                assert left == [r for r in self.receivers if r not in gone], "the wrong receivers are left"
            for receiver in order[half:]:
                disconnect(receiver)
            _check_connected(adapter, signal, 0)

        case = Case(self.scenario, adapter.name, lambda: timed(len(order)), verify, workload=self, signal=signal)
        case.timed = timed
        case.tidy = lambda: _release_django_finalizers(signal)
        return case

    def _sync_case(
        self, adapter: Adapter, call: Callable[[], Any], signal: Any,
        expected: list[tuple[Any, Any]], unordered: bool,
    ) -> Case:
        scenario = self.scenario
        connected = len(self.receivers)
        if scenario.live_senders or scenario.new_sender:
            verify = _check_turns(adapter, call, self, signal, unordered)
        elif not adapter.returns_results:
            verify = _check_calls(adapter, call, signal, self)
        else:
            verify = _check_result(call, expected, adapter, signal, connected, unordered)
        # Every live sender sends once, untimed: the timing sees senders that
        # have sent before (the steady state), not a first pass through them.
        for _ in range(scenario.live_senders):
            call()
        return Case(scenario, adapter.name, call, verify, workload=self, signal=signal)

    def _async_case(
        self, adapter: Adapter, acall: Callable[[], Awaitable[Any]], signal: Any,
        expected: list[tuple[Any, Any]], unordered: bool,
    ) -> Case:
        loop = asyncio.new_event_loop()
        call = lambda: loop.run_until_complete(acall())  # noqa: E731
        connected = len(self.receivers)
        verify = _check_result(call, expected, adapter, signal, connected, unordered)
        return Case(
            self.scenario, adapter.name, call, verify, workload=self, signal=signal, loop=loop, acall=acall
        )


def _run_coroutine(coroutine: Awaitable[Any]) -> Any:
    """The result of a coroutine that never suspends, without an event loop."""
    try:
        coroutine.send(None)  # type: ignore[attr-defined]
    except StopIteration as done:
        return done.value
    raise AssertionError("the receiver suspended")


# --- verification -----------------------------------------------------------------------------


def _check_result(
    call: Callable[[], Any], expected: list[tuple[Any, Any]], adapter: Adapter = ADAPTERS[YARDSTICK],
    signal: Any = None, connected: int = 0, unordered: bool = False,
) -> Callable[[], None]:
    def verify() -> None:
        _check_same(call(), expected, unordered)
        if signal is not None:
            _check_connected(adapter, signal, connected)

    return verify


def _check_same(result: Any, expected: list[tuple[Any, Any]], unordered: bool) -> None:
    if unordered:
        # Equal bound methods are equal receivers; Counter also checks multiplicity.
        assert isinstance(result, list), f"{result!r} is not a list"
        assert Counter(result) == Counter(expected), f"{result!r} != {expected!r} (in any order)"
    else:
        assert result == expected, f"{result!r} != {expected!r}"


def _check_turns(
    adapter: Adapter, call: Callable[[], Any], workload: Workload, signal: Any, unordered: bool
) -> Callable[[], None]:
    """For sends from many senders: two sends, each from the sender whose turn it is, with its results.

    The receivers return their sender, so a result names the sender it came
    from (psygnal returns nothing: its receivers' calls are recorded instead).
    """

    def sent() -> Any:
        if not adapter.returns_results:
            result, calls = record_receiver_calls(call)
            assert result is None, f"{adapter.name} returned {result!r}"
            sender = calls[0][1] if calls else None
            expected = [(_receiver_key(r), sender, 1, 2) for r in workload.matching]
            assert calls == expected, f"{calls!r} != {expected!r}"
            return sender
        result = call()
        sender = result[0][1] if result else None
        _check_same(result, workload.expected(sender), unordered)
        return sender

    def verify() -> None:
        first = sent()
        second = sent()
        workload.check_succession(first, second)
        if workload.scenario.new_sender:
            gone = weakref.ref(second)
            del first, second
            third = sent()  # a new sender may get a dead one's id: it is still another sender
            assert third is not gone(), f"sent from {third!r} again"
        if signal is not None:
            _check_connected(adapter, signal, len(workload.receivers))

    return verify


def _check_calls(adapter: Adapter, call: Callable[[], Any], signal: Any, workload: Workload) -> Callable[[], None]:
    """For psygnal, which returns nothing: every receiver was called once, in order, with (S, 1, 2)."""

    def verify() -> None:
        result, calls = record_receiver_calls(call)
        assert result is None, f"{adapter.name} returned {result!r}"
        expected = [(_receiver_key(r), workload.sender, 1, 2) for r in workload.matching]
        assert calls == expected, f"{calls!r} != {expected!r}"
        _check_connected(adapter, signal, len(workload.receivers))

    return verify


def _receiver_key(receiver: Any) -> Any:
    """What identifies ``receiver`` among a workload's (its index, or its listener)."""
    self = getattr(receiver, "__self__", None)
    return self if self is not None else int(receiver.__name__.rpartition("_")[2])


def record_receiver_calls(call: Callable[[], Any]) -> tuple[Any, list[tuple[Any, Any, Any, Any]]]:
    """Run ``call()``; return its result and the receiver calls it made.

    Each call is ``(key, sender, a, b)``, with key the receiver's index (its
    ``index`` closure variable, or the one in its code's name for
    ``make_sender_receivers``) or its ``Listener``, read from the frame by a
    profile hook: the receivers themselves stay free of bookkeeping.
    """
    codes = {Listener.on_signal.__code__, make_function_receivers(1)[0].__code__}
    calls: list[tuple[Any, Any, Any, Any]] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        sender_receiver = sender_receiver_index(frame.f_code.co_name)
        if frame.f_code in codes or sender_receiver is not None:
            f_locals = frame.f_locals
            key = f_locals["self"] if "self" in f_locals else f_locals.get("index", sender_receiver)
            calls.append((key, f_locals["sender"], f_locals["a"], f_locals["b"]))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = call()
    finally:
        sys.setprofile(previous)
    return result, calls


def _check_connections(
    adapter: Adapter, signal: Any, workload: Workload, call: Callable[[], None]
) -> Callable[[], None]:
    def verify() -> None:
        call()
        _check_connected(adapter, signal, len(workload.receivers))
        if not adapter.returns_results:
            _, calls = record_receiver_calls(lambda: adapter.send_once(signal, workload.sender))
            assert [key for key, *_ in calls] == [_receiver_key(r) for r in workload.matching], calls
        else:
            result = adapter.send_once(signal, workload.sender)
            assert sorted(x for _, x in result) == sorted(x for _, x in workload.expected()), (
                f"after connect+disconnect: {result!r}"
            )

    return verify


def _check_connected(adapter: Adapter, signal: Any, connected: int) -> None:
    """Every receiver is still connected (none died: some are only weakly referenced)."""
    count = adapter.connected_count(signal)
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


#: Issue 13's limits for sends from many senders: compiled over the yardstick, pure over Django.
MANY_SENDERS_COMPILED_LIMIT = 1.1
MANY_SENDERS_PURE_LIMIT = 0.8
#: The compiled backend's limit for connect+disconnect, over Django's time (at every size:
#: Django's connect and disconnect scan every connection, so its time only grows with N).
CONNECT_LIMIT = 0.15
#: Issue 23's limit for ``asend`` and ``asend_robust``, to one asynchronous receiver and to ten:
#: a multiple of Django's own instruction count (``callgrind.py``), the event loop's steps and
#: the tasks included (ten: 0.59-0.65x on 3.11-3.15, Django 5.2 or 6.1).
ASEND_LIMIT = 0.8


def live_senders_scenario(count: int) -> Scenario:
    """Send to 3 receivers (connected for any sender) from ``count`` live senders, in turn."""
    senders = "1 live sender" if count == 1 else f"{count:,} live senders"
    return Scenario(
        f"send-live-senders-{count}", f"send, 3 receivers, {senders} in turn", "send", 3, live_senders=count,
        compiled_limit=MANY_SENDERS_COMPILED_LIMIT, pure_limit=MANY_SENDERS_PURE_LIMIT,
    )


def connect_disconnect_scenario(count: int) -> Scenario:
    """Connect and disconnect one receiver while ``count`` others stay connected."""
    # The 10-receiver one came first, under the plain name.
    name = "connect-disconnect" if count == 10 else f"connect-disconnect-{count}"
    return Scenario(
        name, f"connect+disconnect, {count:,} others", "connect+disconnect", count, compiled_limit=CONNECT_LIMIT,
    )


def disconnect_scenario(count: int, order: str) -> Scenario:
    """Disconnect all of ``count`` receivers connected for any sender, in ``order`` (``DISCONNECT_ORDERS``)."""
    return Scenario(
        f"disconnect-{order}-{count}", f"disconnect {count:,} receivers, {DISCONNECT_ORDERS[order]}",
        "disconnect", count,
        order=order,
    )


#: Every scenario, in report order, with the compiled backend's limit (``compare.py --gate``
#: fails a scenario beyond it): the send limits of 0, 1 and 10 receivers, bound methods, one match
#: among 100 senders and connect+disconnect are the project's targets, and sends from many senders
#: have the same limits (1 match among 10,000 senders: as among 100); the others were set from
#: measured ratios (``docs/benchmarks.json``) with a margin: 10 functions' 1.1 for the other sends
#: of functions, and for ``asend`` about Django's own ratio (1.27x-1.33x the yardstick, quiet).
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("send-0", "send, 0 receivers", "send", 0, compiled_limit=1.5),
    Scenario("send-1", "send, 1 receiver", "send", 1, compiled_limit=1.3),
    Scenario("send-10-functions", "send, 10 functions", "send", 10, compiled_limit=1.1),
    Scenario("send-100-functions", "send, 100 functions", "send", 100, compiled_limit=1.1),
    Scenario(
        "send-10-methods", "send, 10 bound methods (weak)", "send", 10, methods=True,
        compiled_limit=1.2,
    ),
    Scenario(
        "send-10-strong", "send, 10 functions, weak=False", "send", 10, weak=False, compiled_limit=1.1,
    ),
    Scenario(
        "send-1-of-100-senders", "send, 1 match among 100 senders", "send", 100,
        senders=100, compiled_limit=1.3,
    ),
    Scenario(
        "send_robust-10-functions", "send_robust, 10 functions", "send_robust", 10, compiled_limit=1.1,
    ),
    Scenario("asend-10-sync", "asend, 10 sync receivers", "asend", 10, compiled_limit=1.5),
    Scenario("asend-1-async", "asend, 1 async receiver", "asend", 1, asynchronous=True, compiled_limit=1.4),
    Scenario(
        "asend-10-async", "asend, 10 async receivers", "asend", 10, asynchronous=True,
        compiled_limit=1.4,
    ),
    *(live_senders_scenario(count) for count in (10, 1_000, 10_000)),
    Scenario(
        "send-new-sender", "send, 3 receivers, a new sender per send", "send", 3, new_sender=True,
        compiled_limit=MANY_SENDERS_COMPILED_LIMIT, pure_limit=MANY_SENDERS_PURE_LIMIT,
    ),
    Scenario(
        "send-1-of-10000-senders", "send, 1 match among 10,000 senders", "send", 10_000, senders=10_000,
        compiled_limit=1.3,
    ),
    *(connect_disconnect_scenario(count) for count in (10, 1_000, 10_000, 30_000)),
)

SCENARIOS_BY_NAME: dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}
