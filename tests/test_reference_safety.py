"""Reference safety: no amount of connecting, sending or disconnecting leaks anything.

Each scenario below is one *cycle* of work on a signal, through its success
paths and its error paths; it is repeated many times and three independent
measures must come back flat:

(a) ``sys.getrefcount`` of every long-lived object the cycles touch (the
    receivers, the senders, the named-argument values, the signal) is back to
    its starting value;
(b) ``len(gc.get_objects())`` grows by at most a small constant between a
    warm-up round and many more rounds (a leak of one tracked object per
    cycle would grow it by hundreds);
(c) the memory traced by ``tracemalloc`` grows by at most a few KB between a
    warm-up round and many more rounds (this also sees untracked objects and
    raw ``PyMem_Malloc`` blocks, such as the compiled backend's argument
    arrays).

Everything runs through the ``backend`` fixture: the compiled backend, whose
reference counting is written by hand in places, is held to the same standard
as the pure one.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import tracemalloc
import types
import weakref

import pytest
from asgiref.sync import sync_to_async
from support import needs_async_receivers

#: Rounds measured after the warm-up round, for (b) and (c).
ROUNDS = 10
#: Windows of ROUNDS over which traced memory is measured; the least growth counts.
WINDOWS = 3
#: How much ``len(gc.get_objects())`` may grow over all the rounds: a constant.
GC_SLACK = 30
#: How much traced memory may grow over all the rounds, in bytes: a constant.
MEMORY_SLACK = 4096
#: More named arguments than the compiled backend's argument array on the stack holds.
MANY_NAMES = [f"arg{i}" for i in range(20)]


class Boom(Exception):
    pass


class Sender:
    """A sender that can be weakly referenced."""


class Handler:
    def method(self, **kwargs):
        return "method"

    def failing_method(self, **kwargs):
        raise Boom("method")

    async def async_method(self, **kwargs):
        await asyncio.sleep(0)
        return "async method"

    def __call__(self, **kwargs):
        return "call"


class NotWeak:
    """A receiver whose instances cannot be weakly referenced."""

    __slots__ = ()

    def __call__(self, **kwargs):
        return "not weak"


class Owner:
    """Holds a signal and is connected to it strongly: a reference cycle."""

    def __init__(self, signal):
        self.signal = signal
        signal.connect(self.on_signal, weak=False)

    def on_signal(self, **kwargs):
        return "owner"


def format_and_drop(record):
    """A logger filter: render the report's message, then drop the report.

    The traceback is not rendered: on CPython 3.11, rendering one (the caret
    placement in ``traceback``) keeps a little memory every time, which (c)
    would count against cydispatch.
    """
    record.getMessage()
    return False


@pytest.fixture(autouse=True)
def robust_reports_are_dropped():
    """Keep ``send_robust``'s error reports from every handler: pytest's would keep them."""
    logger = logging.getLogger("django.dispatch")
    logger.addFilter(format_and_drop)
    try:
        yield
    finally:
        logger.removeFilter(format_and_drop)


@pytest.fixture
def world():
    """The long-lived objects the cycles use; ``world.tracked`` are the ones counted."""
    w = types.SimpleNamespace()

    def function(**kwargs):
        return "function"

    def strong_function(**kwargs):
        return "strong function"

    def failing(**kwargs):
        raise Boom("function")

    def no_kwargs(sender):
        return "never connected"

    async def coroutine_function(**kwargs):
        return "coroutine"

    async def async_failing(**kwargs):
        raise Boom("coroutine")

    w.function = function
    w.strong_function = strong_function
    w.failing = failing
    w.no_kwargs = no_kwargs
    w.coroutine_function = coroutine_function
    w.async_failing = async_failing
    w.handler = Handler()
    w.not_weak = NotWeak()
    w.not_callable = object()
    w.unhashable = ["not", "hashable"]
    # Senders: weakly referenceable, and not (an object, a string, an int).
    w.sender = Sender()
    w.plain = object()
    w.text = "".join(["long-lived ", "sender"])
    w.number = int("1" * 30)
    w.senders = [w.sender, w.plain, w.text, w.number]
    # Named-argument values, of several kinds; MANY_NAMES takes all twenty.
    w.values = (
        [object() for _ in range(8)]
        + ["".join(["value ", str(i)]) for i in range(6)]
        + [int("9" * 25) + i for i in range(6)]
    )
    w.many = dict(zip(MANY_NAMES, w.values))
    w.tracked = {
        "function": function,
        "strong_function": strong_function,
        "failing": failing,
        "no_kwargs": no_kwargs,
        "coroutine_function": coroutine_function,
        "async_failing": async_failing,
        "handler": w.handler,
        "Handler.method": Handler.__dict__["method"],
        "Handler.failing_method": Handler.__dict__["failing_method"],
        "Handler.async_method": Handler.__dict__["async_method"],
        # A plan holds a bound method's function through this reference (the
        # one without a callback, which weakref.ref(function) returns).
        "weak reference to Handler.method": weakref.ref(Handler.__dict__["method"]),
        "not_weak": w.not_weak,
        "not_callable": w.not_callable,
        "unhashable": w.unhashable,
        "sender": w.sender,
        "plain": w.plain,
        "text": w.text,
        "number": w.number,
        **{f"value {i}": value for i, value in enumerate(w.values)},
    }
    return w


@pytest.fixture(scope="module", autouse=True)
def persistent_threads():
    """Start the thread asgiref keeps for ``sync_to_async`` before anything is measured.

    The measures wait for every other thread started meanwhile to end.
    """
    asyncio.run(sync_to_async(int)())


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


def raises(exception, func, *args, says=None, **kwargs):
    """Call ``func`` and check that it raises ``exception``, whose message contains ``says``.

    Lighter than ``pytest.raises``, which keeps the exception (and so its
    frames) alive in the loops that count references.
    """
    try:
        func(*args, **kwargs)
    except exception as err:
        assert says is None or says in str(err), f"{err!r} does not say {says!r}"
        return
    raise AssertionError(f"{func!r} did not raise {exception.__name__}")


def disconnect_all(signal, *receivers):
    for receiver in receivers:
        assert signal.disconnect(receiver) is True


# -- the scenarios: one cycle each ---------------------------------------------


def connect_send_disconnect(signal, w, loop):
    """Connections of every kind, sends of every kind, and their disconnection."""
    signal.connect(w.function)
    signal.connect(w.function)  # a second time: ignored
    signal.connect(w.handler.method)
    signal.connect(w.handler, sender=w.sender, dispatch_uid="handler uid")
    signal.connect(w.not_weak, weak=False)
    signal.connect(w.strong_function, sender=w.plain, weak=False)
    signal.connect(w.function, sender=w.text)
    signal.connect(w.handler.method, sender=w.number, weak=False)
    value, other = w.values[0], w.values[14]
    for sender in w.senders:
        assert signal.has_listeners(sender) is True
        sync_receivers, async_receivers = signal._receivers_to_call(sender)
        assert len(sync_receivers) == 4 and async_receivers == []
        assert len(signal.send(sender, value=value, other=other)) == 4
        assert len(signal.send(sender=sender, value=value)) == 4
        assert len(signal.send(sender)) == 4
        assert len(signal.send_robust(sender, value=value, other=other)) == 4
        assert len(signal.send_robust(sender=sender)) == 4
    assert len(signal.send(None, value=value)) == 3
    assert signal.has_listeners() is True
    assert signal.disconnect(w.function) is True
    assert signal.disconnect(w.function) is False
    assert signal.disconnect(w.handler.method) is True
    assert signal.disconnect(sender=w.sender, dispatch_uid="handler uid") is True
    assert signal.disconnect(w.not_weak) is True
    assert signal.disconnect(w.strong_function, sender=w.plain) is True
    assert signal.disconnect(w.function, sender=w.text) is True
    assert signal.disconnect(w.handler.method, sender=w.number) is True
    assert signal.has_listeners(w.sender) is False
    assert signal.send(w.sender, value=value) == []


def receiver_errors(signal, w, loop):
    """Receivers raising: the exception ends ``send``; ``send_robust`` returns it."""
    signal.connect(w.function)
    signal.connect(w.failing)
    signal.connect(w.handler.failing_method)
    signal.connect(w.not_weak, weak=False)
    value = w.values[1]
    raises(Boom, signal.send, w.sender, value=value)
    raises(Boom, signal.send, sender=w.plain)
    for sender in w.senders:
        responses = signal.send_robust(sender, value=value)
        assert [type(response) for _, response in responses] == [str, Boom, Boom, str]
    responses = signal.send_robust(sender=w.sender, value=value)
    assert isinstance(responses[1][1], Boom)
    del responses
    disconnect_all(signal, w.function, w.failing, w.handler.failing_method, w.not_weak)


def bad_input(signal, w, loop):
    """Every argument error: raised before anything changes, leaving nothing behind."""
    signal.connect(w.function)
    signal.connect(w.not_weak, weak=False)
    value = w.values[2]
    raises(TypeError, signal.connect, w.not_callable)
    raises(ValueError, signal.connect, w.no_kwargs)
    raises(TypeError, signal.connect, w.not_weak)
    # An unhashable dispatch_uid is no error (compared with ==, as in Django): its connection goes.
    signal.connect(w.not_weak, dispatch_uid=w.unhashable, weak=False)
    assert signal.disconnect(dispatch_uid=w.unhashable)
    for send in (signal.send, signal.send_robust):
        raises(TypeError, send)
        raises(TypeError, send, value=value)
        raises(TypeError, send, w.sender, value)
        raises(TypeError, send, w.plain, value, value)
        raises(TypeError, send, w.sender, sender=w.sender)
        raises(TypeError, send, w.text, sender=w.text, value=value)
    # The same, called directly (the compiled backend remembers keyword names by identity).
    for send in (signal.send, signal.send_robust):
        raises(TypeError, lambda send=send: send(value=value), says="missing 1 required positional argument")
        raises(TypeError, lambda send=send: send(w.sender, value, other=value), says="takes 2 positional arguments")
        raises(TypeError, lambda send=send: send(w.sender, sender=w.sender, value=value), says="multiple values for")
    # "signal" among the named arguments: every receiver raises TypeError.
    raises(TypeError, signal.send, w.sender, signal=value)
    raises(TypeError, signal.send, sender=w.plain, signal=value, other=value)
    responses = signal.send_robust(w.sender, signal=value, other=value)
    assert [type(response) for _, response in responses] == [TypeError, TypeError]
    responses = signal.send_robust(sender=w.number, signal=value)
    assert [type(response) for _, response in responses] == [TypeError, TypeError]
    del responses
    assert len(signal.receivers) == 2
    disconnect_all(signal, w.function, w.not_weak)


def many_named_arguments(signal, w, loop):
    """More named arguments than fit on the stack: the heap array, on every path."""
    signal.connect(w.function)
    signal.connect(w.handler.method)
    signal.connect(w.not_weak, weak=False)
    signal.connect(w.failing)
    v = w.values
    for sender in w.senders:
        responses = signal.send_robust(sender, **w.many)
        assert [type(response) for _, response in responses] == [str, str, str, Boom]
        raises(Boom, signal.send, sender, **w.many)
    responses = signal.send_robust(sender=w.sender, **w.many)
    assert len(responses) == 4
    del responses
    raises(TypeError, signal.send, w.sender, sender=w.sender, **w.many)
    raises(TypeError, signal.send, w.sender, v[0], **w.many)
    assert len(signal.send_robust(w.sender, signal=v[0], **w.many)) == 4
    assert signal.disconnect(w.failing) is True
    for sender in w.senders:
        assert len(signal.send(sender, **w.many)) == 3
        assert len(signal.send(sender=sender, **w.many)) == 3
    # Written out, so the keyword names are one constant tuple.
    responses = signal.send(
        w.sender,
        a0=v[0], a1=v[1], a2=v[2], a3=v[3], a4=v[4], a5=v[5], a6=v[6], a7=v[7], a8=v[8],
        a9=v[9], a10=v[10], a11=v[11], a12=v[12], a13=v[13], a14=v[14], a15=v[15],
        a16=v[16], a17=v[17], a18=v[18], a19=v[19],
    )
    assert len(responses) == 3
    responses = signal.send_robust(
        a0=v[0], a1=v[1], a2=v[2], a3=v[3], a4=v[4], a5=v[5], a6=v[6], a7=v[7], a8=v[8],
        a9=v[9], a10=v[10], sender=w.plain, a11=v[11], a12=v[12], a13=v[13], a14=v[14],
        a15=v[15], a16=v[16], a17=v[17], a18=v[18], a19=v[19],
    )
    assert len(responses) == 3
    del responses
    disconnect_all(signal, w.function, w.handler.method, w.not_weak)


def transient_senders(signal, w, loop):
    """Senders made for one send, and senders that die while connected."""
    signal.connect(w.function)
    signal.connect(w.not_weak, weak=False)
    value = w.values[3]
    for i in range(8):
        assert len(signal.send(Sender(), value=value)) == 2
        assert len(signal.send(object(), value=value)) == 2
        assert len(signal.send(int("7" * 25) + i, value=value)) == 2
        assert len(signal.send_robust(sender="".join(["transient ", str(i)]), value=value)) == 2
        assert signal.has_listeners(Sender()) is True
        assert len(signal._receivers_to_call(object())[0]) == 2
    # Connected for a sender that then dies: the connections go with it.
    sender = Sender()
    signal.connect(w.handler.method, sender=sender)
    signal.connect(w.strong_function, sender=sender, weak=False)
    assert len(signal.send(sender, value=value)) == 4
    del sender
    assert len(signal.send(Sender(), value=value)) == 2
    assert len(signal.receivers) == 2
    # Connected for senders without weak references: held until disconnected.
    sender = object()
    signal.connect(w.strong_function, sender=sender, weak=False)
    assert len(signal.send_robust(sender, value=value)) == 3
    assert signal.disconnect(w.strong_function, sender=sender) is True
    sender = "".join(["connected ", "text"])
    signal.connect(w.handler.method, sender=sender)
    assert len(signal.send(sender)) == 3
    assert signal.disconnect(w.handler.method, sender=sender) is True
    del sender
    disconnect_all(signal, w.function, w.not_weak)


def dying_receivers(signal, w, loop):
    """Receivers that die between sends, during a send, and a collection during a send."""

    def transient(**kwargs):
        return "transient"

    handler = Handler()
    signal.connect(transient)
    signal.connect(handler.method)
    signal.connect(handler)
    signal.connect(w.function)
    value = w.values[4]
    assert len(signal.send(w.sender, value=value)) == 4
    del transient, handler
    assert signal.send(w.sender, value=value) == [(w.function, "function")]
    assert signal.send_robust(w.plain, value=value) == [(w.function, "function")]
    assert signal.has_listeners(w.text) is True
    assert len(signal.receivers) == 1

    # A receiver drops the only references to the next ones (whether they are
    # still called in that send is not the point here: that they go is).
    victims = {"function": lambda **kwargs: "victim", "handler": Handler()}

    def killer(**kwargs):
        victims.clear()
        return "killer"

    signal.connect(killer)
    signal.connect(victims["function"])
    signal.connect(victims["handler"].method)
    responses = signal.send(w.sender, value=value)
    assert responses[:2] == [(w.function, "function"), (killer, "killer")]
    del responses
    assert signal.send(w.sender, value=value) == [(w.function, "function"), (killer, "killer")]

    def collector(**kwargs):
        gc.collect(0)
        return "collector"

    signal.connect(collector)
    assert len(signal.send_robust(w.number, value=value)) == 3
    disconnect_all(signal, killer, collector, w.function)


def async_receivers(signal, w, loop):
    """Asynchronous receivers, from ``asend`` and from ``send``, succeeding and failing."""
    signal.connect(w.function)
    signal.connect(w.coroutine_function)
    signal.connect(w.handler.async_method)
    signal.connect(w.not_weak, weak=False)
    value = w.values[5]
    for sender in (w.sender, w.plain):
        assert len(loop.run_until_complete(signal.asend(sender, value=value))) == 4
        assert len(loop.run_until_complete(signal.asend_robust(sender=sender, value=value))) == 4
        assert len(signal.send(sender, value=value)) == 4
        assert len(signal.send_robust(sender=sender, value=value)) == 4
    assert signal._receivers_to_call(w.text)[1] == [w.coroutine_function, w.handler.async_method]
    disconnect_all(signal, w.function, w.not_weak, w.handler.async_method)
    signal.connect(w.async_failing)
    responses = loop.run_until_complete(signal.asend_robust(w.sender, value=value))
    assert [type(response) for _, response in responses] == [str, Boom]
    responses = signal.send_robust(w.plain, value=value)
    assert [type(response) for _, response in responses] == [str, Boom]
    del responses
    raises(Boom, loop.run_until_complete, signal.asend(w.sender, value=value))
    raises(Boom, signal.send, w.sender, value=value)
    disconnect_all(signal, w.coroutine_function, w.async_failing)


def signal_garbage(signal, w, loop):
    """Signals that die, in reference cycles with their strongly connected receivers."""
    signal = type(signal)()
    owner = Owner(signal)

    def closure(**kwargs):
        return signal

    signal.connect(closure, weak=False)
    signal.connect(w.function)
    signal.connect(w.not_weak, weak=False)
    signal.connect(w.handler.method, sender=w.sender)
    signal.connect(w.strong_function, sender=w.plain, weak=False)
    value = w.values[6]
    assert len(signal.send(w.sender, value=value)) == 5
    assert len(signal.send_robust(w.plain, value=value)) == 5
    assert signal.has_listeners(w.text) is True
    del owner, closure, signal


#: Scenario -> cycles per round (each cycle makes from ten to fifty calls).
SCENARIOS = {
    connect_send_disconnect: 25,
    receiver_errors: 20,
    bad_input: 20,
    many_named_arguments: 15,
    transient_senders: 20,
    dying_receivers: 15,
    async_receivers: 4,
    signal_garbage: 30,
}


@pytest.fixture(
    params=[
        # Django 4.2 has no asynchronous receivers: it calls them as any other.
        pytest.param(scenario, marks=[needs_async_receivers] if scenario is async_receivers else [])
        for scenario in SCENARIOS
    ],
    ids=[scenario.__name__ for scenario in SCENARIOS],
)
def cycle(request, signal, world, loop):
    """One cycle of the scenario, and the number of cycles per round."""
    scenario = request.param

    def run_cycles(n):
        for _ in range(n):
            scenario(signal, world, loop)

    run_cycles.per_round = SCENARIOS[scenario]
    return run_cycles


# -- the measures ----------------------------------------------------------------


#: How long ``settle`` waits for a thread started by a scenario (asgiref's) to end.
THREAD_END_TIMEOUT = 10


def settle(threads):
    """Collect garbage, and let the threads started since ``threads`` end (asgiref's).

    A thread still running after ``THREAD_END_TIMEOUT`` fails the test: what it
    holds would be counted, or missed, at random.
    """
    gc.collect()
    stray = [thread for thread in threading.enumerate() if thread not in threads]
    for thread in stray:
        thread.join(THREAD_END_TIMEOUT)
    alive = [thread.name for thread in stray if thread.is_alive()]
    assert alive == [], f"threads still running after {THREAD_END_TIMEOUT} s: {alive}"
    gc.collect()


def refcounts(tracked):
    return {name: sys.getrefcount(obj) for name, obj in tracked.items()}


def test_reference_counts_are_restored(cycle, signal, world):
    tracked = {**world.tracked, "signal": signal}
    threads = set(threading.enumerate())
    settle(threads)
    before = refcounts(tracked)
    cycle(cycle.per_round * ROUNDS)
    settle(threads)
    after = refcounts(tracked)
    leaked = {name: after[name] - before[name] for name in before if after[name] != before[name]}
    assert leaked == {}


def test_gc_object_count_stays_flat(cycle):
    cycle(cycle.per_round)  # warm-up: lazy imports, caches, free lists
    threads = set(threading.enumerate())
    settle(threads)
    before = len(gc.get_objects())
    for _ in range(ROUNDS):
        cycle(cycle.per_round)
    settle(threads)
    growth = len(gc.get_objects()) - before
    assert growth <= GC_SLACK, f"{growth} more objects after {cycle.per_round * ROUNDS} cycles"


#: Allocations made directly by these modules are not counted by (c): asyncio,
#: and asgiref's thread per ``async_to_sync``, allocate and free a varying few
#: KB per event loop and thread, and now and then a large block. What they keep
#: because of a leak in cydispatch (a task, a future) is seen by (a) and (b).
NOT_TRACED = [
    tracemalloc.Filter(False, pattern)
    for pattern in (
        "*/asyncio/*", "*/concurrent/*", "*/threading.py", "*/asgiref/*", tracemalloc.__file__
    )
]


def traced_memory():
    snapshot = tracemalloc.take_snapshot().filter_traces(NOT_TRACED)
    return sum(stat.size for stat in snapshot.statistics("filename"))


def test_traced_memory_stays_flat(cycle):
    cycle(cycle.per_round)  # warm-up, untraced
    threads = set(threading.enumerate())
    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        cycle(cycle.per_round)  # warm-up, traced
        settle(threads)
        traced_memory()  # warm-up: the filters' patterns are compiled and cached
        # The growth over each of a few windows of ROUNDS: a leak grows every
        # window; noise does not. (Python 3.10 keeps a frame per code object
        # for reuse, traced at the function's definition, and swaps it for a
        # new one on recursion: a few KB come and go from window to window.)
        growths = []
        for _ in range(WINDOWS):
            before = traced_memory()
            for _ in range(ROUNDS):
                cycle(cycle.per_round)
            settle(threads)
            growths.append(traced_memory() - before)
    finally:
        if not already_tracing:
            tracemalloc.stop()
    growth = min(growths)
    assert growth <= MEMORY_SLACK, f"{growths} bytes more in windows of {cycle.per_round * ROUNDS} cycles"


# -- garbage collection of a signal ------------------------------------------------


def test_a_signal_in_a_cycle_with_its_strong_receivers_is_collected(Signal, world):
    signal = Signal()
    owner = Owner(signal)

    def closure(**kwargs):
        return signal

    signal.connect(closure, weak=False)
    signal.connect(world.not_weak, weak=False)
    before = sys.getrefcount(world.not_weak)
    assert len(signal.send(world.sender)) == 3  # the plans now hold the receivers too
    assert len(signal.send(world.plain)) == 3
    alive = weakref.ref(signal)
    owner_alive = weakref.ref(owner)
    del signal, owner, closure
    gc.collect()
    assert alive() is None
    assert owner_alive() is None
    after = sys.getrefcount(world.not_weak)  # not in the assert, which would hold it
    assert after == before - 1


def test_a_disconnected_strong_receiver_is_released_at_once(signal):
    receiver = NotWeak()
    handler = Handler()
    signal.connect(receiver, weak=False)
    signal.connect(handler.method, weak=False)
    for sender in (None, Sender(), "text"):
        signal.send(sender)
        signal.send_robust(sender)
        signal.has_listeners(sender)
    handler_alive = weakref.ref(handler)
    signal.disconnect(handler.method)
    del handler
    assert handler_alive() is None
    before = sys.getrefcount(receiver)
    signal.receivers = []
    after = sys.getrefcount(receiver)
    assert after == before - 1


# -- the per-sender cache ------------------------------------------------------------


def transient_sender(i):
    kind = i % 4
    if kind == 0:
        return object()
    if kind == 1:
        return Sender()
    if kind == 2:
        return 10**20 + i
    return f"transient sender {i}"


def test_senders_without_connections_of_their_own_share_one_plan(backend):
    signal = backend.Signal()

    def receiver(**kwargs):
        return None

    # Taken the same way as below: how many references a call's argument and
    # the frame count for differs between Python versions (3.14 borrows).
    unconnected = sys.getrefcount(receiver)
    signal.connect(receiver)
    cache = signal.sender_receivers_cache
    largest = 0
    watched = []
    # Senders live for a batch of sends, so that there are many distinct ones
    # at a time: one dropped at once leaves its address (its id) to the next.
    for batch in range(100):
        senders = [transient_sender(i) for i in range(batch * 1000, (batch + 1) * 1000)]
        for sender in senders:
            signal.send(sender, value=batch)
            largest = max(largest, len(cache))
        assert signal.send(senders[-1], value=batch) == [(receiver, None)]
        if batch % 10 == 0:
            watched.append(weakref.ref(senders[1]))  # a Sender instance
        del senders, sender
    assert largest == 1  # the shared plan, whatever the number of senders
    assert len(watched) == 10
    assert [ref() for ref in watched] == [None] * 10  # freed at once, without a collection
    assert sys.getrefcount(receiver) == unconnected  # held weakly: nothing kept it


def test_a_plan_per_sender_with_connections_of_its_own_and_none_for_the_dead(backend):
    signal = backend.Signal()

    def receiver(**kwargs):
        return kwargs["sender"]

    def everyone(**kwargs):
        return None

    signal.connect(everyone)
    cache = signal.sender_receivers_cache
    largest = 0
    for _ in range(20):
        senders = [Sender() for _ in range(200)]
        for sender in senders:
            signal.connect(receiver, sender=sender)
        assert signal.send(object()) == [(everyone, None)]
        for sender in senders:
            assert signal.send(sender) == [(everyone, None), (receiver, sender)]
            largest = max(largest, len(cache))
        del senders, sender
        # The dead senders' connections and plans go with them, at the next send.
        assert signal.send(None) == [(everyone, None)]
        assert len(signal.receivers) == 1
        assert len(cache) == 1
    assert largest == 201  # 200 own plans and the shared one: bounded by the connections
