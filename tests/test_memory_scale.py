"""Memory at scale: long loops leave memory and object counts flat, on both backends.

Two loops, each measured twice, by ``len(gc.get_objects())`` and by
``tracemalloc`` (the bytes still allocated, traced from the start of the
loop):

* connect/disconnect cycles: in each, a weak function, a strong callable
  instance, a weak bound method, a ``dispatch_uid`` connection and a
  connection to a sender, all connected, sent to, and disconnected;
* sends to transient senders, which die at once: weakly referenceable
  instances, and objects that cannot be weakly referenced (``object()``,
  large ints, strings).

The default run makes ``SHORT`` (5,000) iterations of each; ``python -m
pytest -m slow`` makes ``LONG`` (100,000). The allowance is the same for
both, so a leak of even one small object every few thousand iterations
fails the long run. The per-sender cache is bounded (``CACHE_LIMIT`` plans,
see ``test_reference_safety.py``) and refilled as senders come and go, so it
is emptied before each measure.
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest

SHORT = 5_000
LONG = 100_000
#: More objects tracked by the collector after the loop than before it.
GC_SLACK = 30
#: More bytes allocated after the loop than before it.
MEMORY_SLACK = 16 * 1024


class Sender:
    pass


class Handler:
    def method(self, **kwargs):
        return "method"


class Strong:
    __slots__ = ()

    def __call__(self, **kwargs):
        return "strong"


def function(**kwargs):
    return "function"


def connect_disconnect(signal, i):
    handler = Handler()
    strong = Strong()
    sender = Sender()
    signal.connect(function)
    signal.connect(strong, weak=False)
    signal.connect(handler.method)
    signal.connect(function, sender=sender, dispatch_uid="uid")
    assert len(signal.send(sender, i=i)) == 4
    assert len(signal.send_robust(None, i=i)) == 3
    assert signal.disconnect(function) is True
    assert signal.disconnect(strong) is True
    assert signal.disconnect(handler.method) is True
    assert signal.disconnect(sender=sender, dispatch_uid="uid") is True
    assert signal.disconnect(function) is False


def transient_sends(signal, i):
    kind = i % 4
    if kind == 0:
        sender = Sender()  # weakly referenceable
    elif kind == 1:
        sender = object()  # not
    elif kind == 2:
        sender = 10**30 + i
    else:
        sender = f"sender {i}"
    assert signal.send(sender, i=i) == [(function, "function")]
    if i % 16 == 0:
        assert signal.has_listeners(sender)
        assert len(signal.send_robust(sender, i=i)) == 1


def prepare(signal, loop):
    signal.receivers = []
    if loop is transient_sends:
        signal.connect(function)


LOOPS = {"connect-disconnect": connect_disconnect, "transient-senders": transient_sends}


def run(signal, loop, n):
    for i in range(n):
        loop(signal, i)


def settle(signal):
    signal.sender_receivers_cache.clear()
    gc.collect()


def measure(Signal, loop, n):
    """Return (growth in gc-tracked objects, growth in traced bytes) over ``n`` iterations."""
    signal = Signal()
    prepare(signal, loop)
    run(signal, loop, 1000)  # warm-up: caches, free lists, interned names
    settle(signal)
    before_objects = len(gc.get_objects())
    run(signal, loop, n)
    settle(signal)
    object_growth = len(gc.get_objects()) - before_objects

    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        run(signal, loop, 1000)  # warm-up, traced
        settle(signal)
        before_bytes = tracemalloc.get_traced_memory()[0]
        run(signal, loop, n)
        settle(signal)
        byte_growth = tracemalloc.get_traced_memory()[0] - before_bytes
    finally:
        if not already_tracing:
            tracemalloc.stop()
    assert len(signal.receivers) == (1 if loop is transient_sends else 0)
    return object_growth, byte_growth


def check(Signal, loop, n):
    object_growth, byte_growth = measure(Signal, loop, n)
    assert object_growth <= GC_SLACK, f"{object_growth} more objects after {n} iterations"
    assert byte_growth <= MEMORY_SLACK, f"{byte_growth} more bytes after {n} iterations"


@pytest.mark.parametrize("loop", LOOPS.values(), ids=LOOPS.keys())
def test_memory_stays_flat(Signal, loop):
    check(Signal, loop, SHORT)


@pytest.mark.slow
@pytest.mark.parametrize("loop", LOOPS.values(), ids=LOOPS.keys())
def test_memory_stays_flat_at_scale(Signal, loop):
    check(Signal, loop, LONG)
