"""No leak on any send path: each has its own loops.

A send takes one of several paths, and a leak on one of them hides from a
loop that takes another: an extra reference per send on the frame path,
which every Django signal takes after ``install()``, passed the whole
suite and ``leak_long``. So each path in ``PATHS`` is run by two loops:

* references: ``sys.getrefcount`` of the sender, of each argument, of each
  receiver (and the instance behind a bound method) and of the signal,
  after a warm-up and again after ``REFERENCE_SENDS`` sends, must be equal:
  one reference kept per send is ``REFERENCE_SENDS`` more;
* memory: the objects tracked by the collector and the bytes traced by
  ``tracemalloc`` over a loop of sends stay within the allowance of
  ``test_memory_scale.py`` (its warm-up, snapshot and allowance are used as
  they are), which one 16-byte block per send exceeds.

The paths: ``send`` and ``send_robust``; the frame hook of
``cydispatch.django.Signal``; a replaced ``_live_receivers``, on the class
and on an instance; more than 16 named arguments (the compiled send's heap
buffer); a receiver that raises (``send`` propagates, ``send_robust``
catches and logs); ``asend`` and ``asend_robust``; and ``signal`` among the
named arguments (every receiver fails, as in Django).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import sys
import time
import tracemalloc

import pytest
from support import ASYNC_RECEIVERS
from test_memory_scale import SHORT, allowance, snapshot, warm_up

import cydispatch.django

#: Sends between the two reference counts.
REFERENCE_SENDS = 1_000
#: The memory loop's length: ``SHORT`` sends, or fewer for an asynchronous send (each runs
#: an event loop's turns).
ASYNC_SENDS = 1_000
#: What an asynchronous send's loop may grow by besides: asyncio's own tasks and contexts
#: settle slowly (a bare event loop running a task in a copied context grew by 4.4 KiB over
#: 20,000 runs after a warm-up of 3,000, and the asend loops here by up to 5 KiB over 1,000).
#: A 16-byte block per send, 16,000 bytes, still exceeds the allowance.
ASYNC_SETTLING = 8_192


class Sender:
    pass


class Value:
    pass


class Handler:
    def method(self, **kwargs):
        return "method"


class Strong:
    def __call__(self, **kwargs):
        return "strong"


class Boom(Exception):
    pass


class Counting(logging.Filter):
    """Counts the reports of ``send_robust``, and stops them there."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record):
        self.count += 1
        return False


@pytest.fixture
def reports():
    """The ``django.dispatch`` logger's reports: made, counted, and handled by no handler.

    A filter of the logger's own, since pytest attaches its handlers, which keep
    every record (and so its error, traceback and the send's arguments), to a
    logger that does not propagate too.
    """
    logger = logging.getLogger("django.dispatch")
    counting = Counting()
    logger.addFilter(counting)
    yield counting
    logger.removeFilter(counting)


class Path:
    """One send path: a signal with its receivers, and ``once()``, which sends once."""

    def __init__(self, signal, method="send", named=3, raising=False, asynchronous=False, signal_named=False):
        self.signal = signal
        self.sender = Sender()
        self.named = {f"k{i}": Value() for i in range(named)}
        if signal_named:
            self.named["signal"] = Value()
        self.handler = Handler()
        self.strong = Strong()

        def function(**kwargs):
            if raising:
                raise Boom
            return "function"

        async def coroutine(**kwargs):
            return "async"

        self.function = function
        self.coroutine = coroutine
        signal.connect(function)
        signal.connect(self.handler.method)
        signal.connect(self.strong, weak=False)
        if asynchronous:
            signal.connect(coroutine)
        self.method = method
        # Sends that raise: send with a raising receiver, or with "signal" named twice.
        self.raises = (raising or signal_named) and not method.endswith("robust")
        self.loop = asyncio.new_event_loop() if method.startswith("a") else None

    def watched(self):
        """The objects whose references a send must give back, by name."""
        return {
            "sender": self.sender, "signal": self.signal, "function": self.function,
            "coroutine": self.coroutine, "handler": self.handler, "handler.method's function":
            Handler.method, "strong": self.strong,
            **{f"argument {name}": value for name, value in self.named.items()},
            **({"frame hook": self.signal._send_frame} if getattr(self.signal, "_send_frame", None) else {}),
        }

    def once(self, signal=None, i=None):
        """One send (the memory loop's signature: ``loop(signal, i)``)."""
        send = getattr(self.signal, self.method)
        try:
            if self.loop is not None:
                self.loop.run_until_complete(send(self.sender, **self.named))
            else:
                send(self.sender, **self.named)
        except (Boom, TypeError):
            if not self.raises:
                raise
        else:
            assert not self.raises, "the send did not raise"

    def close(self):
        if self.loop is not None:
            self.loop.close()


def frame_signal(Signal):
    """``cydispatch.django.Signal`` (whose compiled sends call receivers through its frame
    hook, ``_send_frame``) when it is built on ``Signal``; the pure backend's ``send`` is
    itself the frame and has no hook: the test does not apply there."""
    if Signal.__module__ == "cydispatch._pydispatch":
        pytest.skip("the pure backend's send is itself the frame: there is no frame hook")
    if not issubclass(cydispatch.django.Signal, Signal):
        pytest.skip("cydispatch.django.Signal is built on the other backend: its frame hook is the compiled one's")
    signal = cydispatch.django.Signal()
    assert signal._send_frame is not None
    return signal


def async_signal(Signal):
    """A signal for the asynchronous paths, which Django 4.2 does not have."""
    if not ASYNC_RECEIVERS:
        pytest.skip("Django 4.2 has no asynchronous receivers: it calls them as any other")
    return Signal()


class Traced:
    """A replaced ``_live_receivers`` that returns what the signal's own returns."""

    @staticmethod
    def subclass(Signal):
        class TracedSignal(Signal):
            def _live_receivers(self, sender):
                return super()._live_receivers(sender)

        return TracedSignal()

    @staticmethod
    def instance(Signal):
        signal = Signal()
        own = signal._live_receivers
        signal._live_receivers = lambda sender: own(sender)
        return signal


PATHS = {
    "send": lambda Signal: Path(Signal()),
    "send_robust": lambda Signal: Path(Signal(), "send_robust"),
    "frame-hook-send": lambda Signal: Path(frame_signal(Signal)),
    "frame-hook-send_robust": lambda Signal: Path(frame_signal(Signal), "send_robust"),
    "live-receivers-on-the-class": lambda Signal: Path(Traced.subclass(Signal)),
    "live-receivers-on-an-instance": lambda Signal: Path(Traced.instance(Signal), "send_robust"),
    "20-named-arguments": lambda Signal: Path(Signal(), named=20),
    "20-named-arguments-robust": lambda Signal: Path(Signal(), "send_robust", named=20),
    "raising-receiver-send": lambda Signal: Path(Signal(), raising=True),
    "raising-receiver-send_robust": lambda Signal: Path(Signal(), "send_robust", raising=True),
    "asend": lambda Signal: Path(async_signal(Signal), "asend", asynchronous=True),
    "asend_robust": lambda Signal: Path(async_signal(Signal), "asend_robust", raising=True, asynchronous=True),
    "signal-named-send": lambda Signal: Path(Signal(), signal_named=True),
    "signal-named-send_robust": lambda Signal: Path(Signal(), "send_robust", signal_named=True),
}


@pytest.fixture(params=PATHS.values(), ids=PATHS.keys())
def path(request, Signal, reports):
    made = request.param(Signal)
    yield made
    made.close()


def test_a_send_gives_back_every_reference(path):
    for _ in range(100):
        path.once()
    watched = path.watched()
    before = settled_counts(watched)
    for _ in range(REFERENCE_SENDS):
        path.once()
    # A leak of one reference per send never settles back to ``before``.
    for _ in range(50):
        after = settled_counts(watched)
        if after == before:
            break
    assert {name: after[name] - before[name] for name in watched if after[name] != before[name]} == {}


def settled_counts(watched):
    """The reference counts of ``watched``, once two reads 20 ms apart agree.

    asend's synchronous batch runs in asgiref's worker thread, which may still
    be dropping the last send's objects when the event loop has its result,
    before the first measure as after the last; a failed send's error,
    traceback and frames may form cycles, which are collected first.
    """
    counts = None
    for _ in range(50):
        gc.collect()
        current = {name: sys.getrefcount(obj) for name, obj in watched.items()}
        if current == counts:
            break
        counts = current
        time.sleep(0.02)
    return counts


def settled_snapshot():
    """``snapshot()``, once two reads 20 ms apart agree on the number of objects.

    As for ``settled_counts``: asgiref's worker thread may still hold the last
    send's objects (a failed receiver's error, traceback and frames) when the
    event loop has its result. A leak per send never settles back.
    """
    previous = None
    for _ in range(50):
        current = snapshot()
        if previous is not None and current[0] == previous[0]:
            break
        previous = current
        time.sleep(0.02)
    return current


def test_memory_stays_flat(path):
    n = ASYNC_SENDS if path.loop is not None else SHORT
    measure = settled_snapshot if path.loop is not None else snapshot
    cycles = itertools.count()
    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        warm_up(path.signal, path.once, cycles)
        objects, traced = measure()
        for _ in range(n):
            path.once()
        objects_after, traced_after = measure()
    finally:
        if not already_tracing:
            tracemalloc.stop()
    most_objects, most_bytes = allowance(n)
    if path.loop is not None:
        most_bytes += ASYNC_SETTLING
    assert objects_after - objects <= most_objects, f"{objects_after - objects} more objects after {n} sends"
    assert traced_after - traced <= most_bytes, f"{traced_after - traced} more bytes after {n} sends"
