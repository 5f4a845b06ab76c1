"""Memory at scale: long loops leave memory and object counts flat, on both backends.

Two loops, each measured by ``len(gc.get_objects())`` and by ``tracemalloc``
(the bytes still allocated, traced from the start of the warm-up):

* connect/disconnect cycles: in each, a weak function, a strong callable
  instance, a weak bound method, a ``dispatch_uid`` connection and a
  connection to a sender, all connected, sent to, and disconnected;
* sends to transient senders, which die at once: weakly referenceable
  instances, and objects that cannot be weakly referenced (``object()``,
  large ints, strings); every 16th cycle also ``has_listeners`` and
  ``send_robust``.

The default run makes ``SHORT`` (5,000) cycles of each; ``python -m pytest
-m leak_long`` (which CI runs, ``.ci/run``) makes ``LONG`` (250,000). The
allowance grows with the cycles, and by little: ``OBJECTS_BASE`` objects and
``BYTES_BASE`` bytes, plus ``OBJECTS_PER_CYCLE`` and ``BYTES_PER_CYCLE`` per
cycle. A leak of one 16-byte block per ``send_robust`` (1 byte per cycle of
the transient loop, which calls it every 16th cycle) exceeds it at any
length: ``test_the_check_catches_*`` inject such leaks and require the check
to fail.

The caches are measured as a program has them, never emptied by the test:
what the per-sender cache holds at the start and at the end of the measure
is counted. It holds an entry per sender it has seen lately (how many, and
when it drops them, is the core's business), so the two measures are taken
when it holds the same number of entries, in its steady state: the warm-up
runs until the cache stops growing (with the core of this writing, it holds
the shared plan and one per sender with connections of its own: a handful),
and after the ``n`` cycles the loop
runs on until the cache holds as many entries as at the first measure.
Those extra cycles count in the allowance. The steady size may drift by a
few entries (which senders' addresses are reused changes as the free lists
do): if it does not come back within ``SETTLE_LIMIT`` cycles, a
difference of up to ``ENTRY_DRIFT`` entries, more or fewer, is allowed for
explicitly, at ``ENTRY_BYTES`` and ``ENTRY_OBJECTS`` each (twice that,
counting what fewer entries could hide, stays below the 16-byte leak of the
short run). A cache that keeps growing during the warm-up, or whose size
differs by more, fails the check.
"""

from __future__ import annotations

import gc
import itertools
import sys
import tracemalloc

import pytest

SHORT = 5_000
LONG = 250_000
#: The warm-up (lazy imports, free lists, interned names, the caches) runs in blocks of this
#: many cycles, at least two, until the per-sender cache stops growing; at most this many blocks.
WARM_UP = 1_000  # two blocks at least: past the 1,024 calls after which Python 3.10 gives a
# function its inline caches, an allocation that must not fall in the measure
WARM_UP_BLOCKS = 20
#: Most extra cycles the loop runs, after the measured ones, for the per-sender cache to hold
#: as many entries as at the first measure.
SETTLE_LIMIT = 10_000
#: Failing that, by how many entries its size may differ; and what one entry (a plan: its key,
#: dict slot, sender reference and receiver tuples) may cost, in objects and bytes.
ENTRY_DRIFT = 4
ENTRY_OBJECTS = 3
ENTRY_BYTES = 256
#: Allowed growth of the objects tracked by the collector: a base and a share per cycle.
OBJECTS_BASE = 10
OBJECTS_PER_CYCLE = 1 / 1_000
#: Allowed growth of the traced bytes: a base and a share per cycle.
BYTES_BASE = 1_024
BYTES_PER_CYCLE = 1 / 8


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



def cache_size(signal):
    return len(signal.sender_receivers_cache)


def run_until_cache_holds(signal, loop, cycles, entries):
    """Run ``loop`` until the per-sender cache holds ``entries`` entries, for at most
    ``SETTLE_LIMIT`` cycles; return ``cycles``, advanced by the cycles run."""
    for _ in range(SETTLE_LIMIT):
        if cache_size(signal) == entries:
            break
        loop(signal, next(cycles))
    return cycles


def warm_up(signal, loop, cycles):
    """Run ``loop`` in blocks of ``WARM_UP`` cycles until the per-sender cache stops growing:
    until its largest size over a block is no larger than over the block before."""
    previous = None
    for _ in range(WARM_UP_BLOCKS):
        largest = 0
        for _ in range(WARM_UP):
            loop(signal, next(cycles))
            largest = max(largest, cache_size(signal))
        if previous is not None and largest <= previous:
            return
        previous = largest
    raise AssertionError(
        f"the per-sender cache still grows after {WARM_UP * WARM_UP_BLOCKS} cycles "
        f"(it holds {cache_size(signal)} entries)"
    )


def snapshot():
    gc.collect()  # cyclic garbage is not a leak; the caches stay as they are
    return len(gc.get_objects()), tracemalloc.get_traced_memory()[0]


def measure(signal, loop, n):
    """Run ``n`` cycles (and a few more, see the module's docstring) of ``loop`` on ``signal``;
    return ``(cycles measured, growth in gc-tracked objects, growth in traced bytes)``."""
    prepare(signal, loop)
    cycles = itertools.count()
    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        warm_up(signal, loop, cycles)
        entries = cache_size(signal)
        objects, traced = snapshot()
        first = next(cycles)  # the index of the first measured cycle
        loop(signal, first)
        for _ in range(n - 1):
            loop(signal, next(cycles))
        cycles = run_until_cache_holds(signal, loop, cycles, entries)
        objects_after, traced_after = snapshot()
        end = next(cycles)  # one past the last measured cycle
        drift = abs(cache_size(signal) - entries)
    finally:
        if not already_tracing:
            tracemalloc.stop()
    assert len(signal.receivers) == (1 if loop is transient_sends else 0)
    # The cache's steady size may drift by a few entries (which senders' addresses
    # are reused changes as the free lists do); more would hide a leak, or be one.
    assert drift <= ENTRY_DRIFT, (
        f"the per-sender cache went from {entries} entries to {cache_size(signal)}, "
        f"and did not hold {entries} again within {SETTLE_LIMIT} cycles"
    )
    return end - first, drift, objects_after - objects, traced_after - traced


def allowance(cycles, drift=0):
    """The most objects and bytes that ``cycles`` cycles may leave behind, when the
    per-sender cache holds ``drift`` entries more, or fewer, than at the start."""
    return (
        OBJECTS_BASE + cycles * OBJECTS_PER_CYCLE + drift * ENTRY_OBJECTS,
        BYTES_BASE + cycles * BYTES_PER_CYCLE + drift * ENTRY_BYTES,
    )


def check(signal, loop, n):
    cycles, drift, object_growth, byte_growth = measure(signal, loop, n)
    assert cycles >= n
    most_objects, most_bytes = allowance(cycles, drift)
    assert object_growth <= most_objects, (
        f"{object_growth} more objects after {cycles} cycles (at most {most_objects:.0f})"
    )
    assert byte_growth <= most_bytes, f"{byte_growth} more bytes after {cycles} cycles (at most {most_bytes:.0f})"


@pytest.mark.parametrize("loop", LOOPS.values(), ids=LOOPS.keys())
def test_memory_stays_flat(Signal, loop):
    check(Signal(), loop, SHORT)


@pytest.mark.slow
@pytest.mark.leak_long
@pytest.mark.parametrize("loop", LOOPS.values(), ids=LOOPS.keys())
def test_memory_stays_flat_at_scale(Signal, loop):
    check(Signal(), loop, LONG)


# -- the check itself catches small leaks ------------------------------------------


def leaky_signal(Signal, make_leak):
    """A signal whose ``send_robust`` leaks ``make_leak()`` each time it is called.

    The leaked objects go into a list allocated beforehand, so that each call
    leaks what ``make_leak`` makes and nothing else.
    """
    kept = [None] * (WARM_UP * WARM_UP_BLOCKS + SHORT + SETTLE_LIMIT)
    position = itertools.count()

    class Leaky(Signal):
        def send_robust(self, sender, **named):
            kept[next(position)] = make_leak()
            return super().send_robust(sender, **named)

    return Leaky()


BIG = 2**40

#: Leak -> what the check reports first. ``object()`` is one 16-byte block, not
#: tracked by the collector (only the bytes can show it); ``BIG + 0`` a new
#: 32-byte int; an empty list an object tracked by the collector. A small leak
#: also changes which addresses the next senders get, and so the per-sender
#: cache's size, which the check may report first (on the pure backend).
LEAKS = {
    "16-byte-block": (object, "more bytes|per-sender cache"),
    "32-byte-int": (lambda: BIG + 0, "more bytes|per-sender cache"),
    "gc-object": (list, "more objects|per-sender cache"),
}


@pytest.mark.parametrize("leak", LEAKS.values(), ids=LEAKS.keys())
def test_the_check_catches_a_small_leak_per_send_robust(Signal, leak):
    """The transient loop calls ``send_robust`` every 16th cycle (312 times in 5,000)."""
    make_leak, report = leak
    assert sys.getsizeof(object()) == 16
    with pytest.raises(AssertionError, match=report):
        check(leaky_signal(Signal, make_leak), transient_sends, SHORT)


def test_the_allowance_is_below_a_byte_per_cycle():
    """A 16-byte leak per ``send_robust`` in the transient loop is one byte per cycle."""
    for cycles in (SHORT, LONG):
        calls = cycles // 16
        most_objects, most_bytes = allowance(cycles, ENTRY_DRIFT)
        # What a smaller cache frees could hide as much again.
        assert most_bytes + ENTRY_DRIFT * ENTRY_BYTES < 16 * calls
        assert most_objects + ENTRY_DRIFT * ENTRY_OBJECTS < calls
