"""Weak references and garbage collection: of receivers, of senders, of the signal."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import weakref

import pytest
from support import ASYNC_RECEIVERS, needs_async_receivers


class Handler:
    def __init__(self, calls=None):
        self.calls = calls if calls is not None else []

    def method(self, **kwargs):
        self.calls.append("method")
        return "method"

    def __call__(self, **kwargs):
        self.calls.append("call")
        return "call"


class NotWeak:
    """A callable whose instances cannot be weakly referenced."""

    __slots__ = ()

    def __call__(self, **kwargs):
        return "not weak"


class Sender:
    pass


# -- receivers that cannot be weakly referenced ---------------------------------


def test_weak_connection_of_a_receiver_without_weak_references_is_refused(signal):
    receiver = NotWeak()
    with pytest.raises(TypeError, match="weak reference"):
        signal.connect(receiver)
    assert signal.receivers == []
    assert not signal.has_listeners()
    assert signal.send(None) == []


def test_strong_connection_of_a_receiver_without_weak_references(signal):
    receiver = NotWeak()
    signal.connect(receiver, weak=False)
    assert signal.send(None) == [(receiver, "not weak")]
    assert signal.disconnect(receiver) is True


# -- receivers that die ----------------------------------------------------------


def connect_function(signal, calls, **kwargs):
    def receiver(**kwargs):
        calls.append("function")
        return "function"

    signal.connect(receiver, **kwargs)
    return weakref.ref(receiver)


@pytest.mark.parametrize("use_caching", [False, True])
def test_dead_function_is_not_called_and_goes_away(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    calls = []
    alive = connect_function(signal, calls)
    gc.collect()
    assert alive() is None
    assert signal.send(None) == []
    assert calls == []
    assert signal.has_listeners() is False
    assert signal.receivers == []


@pytest.mark.parametrize("use_caching", [False, True])
def test_dead_function_after_sends_is_not_called(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    calls = []

    def receiver(**kwargs):
        calls.append("called")

    signal.connect(receiver)
    sender = Sender()
    signal.send(sender)  # the cache now knows the receiver
    signal.send(None)
    assert calls == ["called", "called"]
    del receiver
    gc.collect()
    assert signal.send(sender) == []
    assert signal.send_robust(None) == []
    assert calls == ["called", "called"]
    assert not signal.has_listeners()
    assert signal.receivers == []


@pytest.mark.parametrize("use_caching", [False, True])
def test_dead_bound_method_is_not_called_and_goes_away(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    calls = []
    handler = Handler(calls)
    signal.connect(handler.method)
    assert signal.send(None) == [(handler.method, "method")]
    del handler
    gc.collect()
    assert signal.send(None) == []
    assert calls == ["method"]
    assert signal.has_listeners() is False
    assert signal.receivers == []


def test_dead_callable_instance_goes_away(signal):
    calls = []
    handler = Handler(calls)
    signal.connect(handler)
    del handler
    gc.collect()
    assert signal.send(None) == []
    assert calls == []
    assert signal.receivers == []


def test_dead_receiver_in_a_reference_cycle(signal):
    calls = []
    handler = Handler(calls)
    handler.cycle = handler
    signal.connect(handler.method)
    del handler
    gc.collect()
    assert signal.send(None) == []
    assert calls == []
    assert not signal.has_listeners()
    assert signal.receivers == []


@pytest.mark.parametrize("method", ["send", "send_robust"])
def test_a_send_holds_each_method_it_resolves_while_collections_run(signal, method):
    """Instances in garbage cycles, collected during the send: every resolved method is whole.

    With the collection's threshold moved so that it comes at one of the
    send's allocations, the garbage cycles go while the send makes its bound
    methods (up to 3.11 an allocation collects there and then; from 3.12 the
    collection waits for the next receiver's code). A method the send resolved keeps its
    instance alive until it is called, as Django's does; one whose instance is
    collected first is not called. A send that made a method of an instance
    it did not hold would hand a freed object to it.
    """
    calls = []

    class InACycle:
        def __init__(self, tag):
            self.tag = tag
            self.cycle = self

        def method(self, **kwargs):
            calls.append(self.tag)
            return self.tag

    send = getattr(signal, method)
    threshold = gc.get_threshold()
    # The collection comes at the ``later``-th allocation of a tracked object
    # from here: across the rounds, at each of the send's own allocations.
    # Each round starts where the last one's full collection left the heap.
    gc.collect()
    for later in range(1, 70):
        gc.disable()
        try:
            instances = [InACycle(tag) for tag in range(30)]
            for instance in instances:
                signal.connect(instance.method)
            del instances, instance
            calls.clear()
            gc.set_threshold(gc.get_count()[0] + later)
            gc.enable()
            result = send(sender=None)
        finally:
            gc.set_threshold(*threshold)
            gc.enable()
        assert [response for _, response in result] == calls
        assert [receiver.__self__.tag for receiver, _ in result] == calls
        assert calls == sorted(calls)
        del result
        gc.collect()
        assert send(sender=None) == []
        assert signal.receivers == []


def test_only_the_dead_receiver_goes_away(signal):
    def keeper(**kwargs):
        return "keeper"

    calls = []
    signal.connect(keeper)
    connect_function(signal, calls)
    handler = Handler(calls)
    signal.connect(handler.method)
    gc.collect()
    assert signal.send(None) == [(keeper, "keeper"), (handler.method, "method")]
    assert len(signal.receivers) == 2


def test_dead_async_receiver_goes_away(signal):
    def connect():
        async def receiver(**kwargs):
            raise AssertionError("a dead receiver was called")

        signal.connect(receiver)

    connect()
    gc.collect()
    assert signal.send(None) == []
    assert not signal.has_listeners()
    assert signal.receivers == []


def test_dead_receiver_then_reconnect_at_the_same_address(signal):
    """A new receiver is connected even if it reuses a dead one's address."""
    results = []
    for i in range(20):

        def receiver(i=i, **kwargs):
            return i

        signal.connect(receiver)
        results.append([response for _, response in signal.send(None)])
        del receiver
        gc.collect()
    assert results == [[i] for i in range(20)]


@pytest.mark.parametrize("kind", ["function", "bound-method", "instance"])
def test_strong_connection_keeps_the_receiver_alive(signal, kind):
    calls = []

    def connect():
        if kind == "function":

            def receiver(**kwargs):
                calls.append("function")

        elif kind == "bound-method":
            receiver = Handler(calls).method
        else:
            receiver = Handler(calls)
        signal.connect(receiver, weak=False)

    connect()
    gc.collect()
    assert signal.has_listeners()
    signal.send(None)
    assert calls == [kind.replace("bound-", "").replace("instance", "call")]
    assert len(signal.receivers) == 1


# -- senders ---------------------------------------------------------------------


@pytest.mark.parametrize("use_caching", [False, True])
@pytest.mark.parametrize("kind", ["class", "instance"])
def test_signal_does_not_keep_a_sender_alive(Signal, use_caching, kind):
    signal = Signal(use_caching=use_caching)

    def receiver(**kwargs):
        return "received"

    def anyone(**kwargs):
        return "anyone"

    def use_a_sender():
        class Model:
            pass

        sender = Model if kind == "class" else Model()
        signal.connect(receiver, sender=sender)
        signal.connect(receiver, sender=sender, dispatch_uid="uid")
        signal.connect(anyone)
        assert [r for _, r in signal.send(sender)] == ["received", "received", "anyone"]
        assert signal.send_robust(sender)
        assert signal.has_listeners(sender)
        return weakref.ref(sender)

    sender_ref = use_a_sender()
    gc.collect()
    assert sender_ref() is None
    # Its connections went with it.
    assert signal.send(None) == [(anyone, "anyone")]
    assert len(signal.receivers) == 1


@pytest.mark.parametrize("use_caching", [False, True])
def test_sending_from_many_senders_keeps_none_alive(Signal, use_caching):
    signal = Signal(use_caching=use_caching)

    def receiver(**kwargs):
        return "received"

    signal.connect(receiver)
    refs = []
    for _ in range(100):
        sender = Sender()
        signal.send(sender)
        signal.has_listeners(sender)
        refs.append(weakref.ref(sender))
    del sender
    gc.collect()
    assert all(ref() is None for ref in refs)


# -- the signal ------------------------------------------------------------------


@pytest.mark.parametrize("use_caching", [False, True])
def test_signal_can_be_garbage_collected(Signal, use_caching):
    handler = Handler()
    sender = Sender()

    def receiver(**kwargs):
        pass

    async def async_receiver(**kwargs):
        pass

    def make_signal():
        signal = Signal(use_caching=use_caching)
        signal.connect(receiver)
        signal.connect(receiver, sender=sender)
        signal.connect(handler.method)
        signal.connect(handler, weak=False)
        if ASYNC_RECEIVERS:  # Django 4.2 calls it, and drops its coroutine unawaited
            signal.connect(async_receiver, dispatch_uid="uid")
        signal.send(None)
        signal.send(sender)
        signal.has_listeners()
        return weakref.ref(signal)

    signal_ref = make_signal()
    gc.collect()
    assert signal_ref() is None


def test_receiver_dying_after_the_signal_is_harmless(Signal):
    """The receivers' weak-reference callbacks find no signal, and raise nothing.

    An exception in a weak-reference callback cannot propagate: Python hands
    it to ``sys.unraisablehook``. The test installs its own hook and asserts
    that it was never called (rather than counting on pytest's filter that
    turns such errors into warnings, and the warnings into errors).
    """
    unraisable = []
    handler = Handler()
    handler_ref = weakref.ref(handler)
    signal = Signal()
    signal_ref = weakref.ref(signal)
    signal.connect(handler.method)
    signal.connect(handler, sender=handler)
    hook = sys.unraisablehook
    sys.unraisablehook = lambda report: unraisable.append((report.exc_type, report.exc_value, report.object))
    try:
        del signal
        gc.collect()
        assert signal_ref() is None
        del handler  # the receivers' weak-reference callbacks run now
        gc.collect()
        assert handler_ref() is None
    finally:
        sys.unraisablehook = hook
    assert unraisable == []


def test_strongly_connected_receiver_is_released_with_the_signal(Signal):
    handler = Handler()
    signal = Signal()
    signal.connect(handler, weak=False)
    handler_ref = weakref.ref(handler)
    del handler, signal
    gc.collect()
    assert handler_ref() is None


def test_sender_dying_while_a_plan_is_built_does_not_match_sender_none(signal):
    """A sender that dies while the signal looks up the receivers of a send from
    None must not be taken for None.

    In real life the death comes from a garbage collection or another thread
    at an arbitrary point; here a strongly connected receiver whose
    ``__class__`` lookup (``isinstance`` runs it) drops the last reference
    to the sender makes it happen at the worst point, deterministically.
    """
    holder = [Sender()]
    armed = []
    fired = []

    class Trigger:
        @property
        def __class__(self):
            if armed and holder:
                holder.clear()
                fired.append(True)
            return Trigger

        def __call__(self, **kwargs):
            return "trigger"

    def specific(**kwargs):
        return "specific"

    trigger = Trigger()
    signal.connect(trigger, weak=False)
    signal.connect(specific, sender=holder[0], weak=False)
    armed.append(True)
    responses = signal.send(None)
    if not fired:
        pytest.skip("this backend never looks up a receiver's __class__ while sending")
    assert responses == [(trigger, "trigger")]
    assert signal.send(None) == [(trigger, "trigger")]
    assert len(signal.receivers) == 1


# -- a dead receiver is never called by a send that begins after its death ------------


def make_doomed(kind, calls):
    """A weakly connectable receiver of ``kind`` that records its calls, and what keeps it alive."""
    if kind == "function":

        def receiver(**kwargs):
            calls.append(kind)
            return kind

        return receiver, receiver
    if kind == "async-function":

        async def receiver(**kwargs):
            calls.append(kind)
            return kind

        return receiver, receiver
    handler = Handler(calls)
    if kind == "cyclic-method":
        handler.cycle = handler  # freed only by the collector
    return (handler if kind == "instance" else handler.method), handler


def collected(ref, timeout=5.0):
    """Whether ``ref``'s object is collected within ``timeout`` seconds.

    Not at once after an ``asend``: asgiref's worker thread drops its last
    work item, which holds the synchronous batch's receivers and results,
    just after handing the results over, and the caller may run first.
    """
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        if ref() is None:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)


DOOMED = [
    "function",
    pytest.param("async-function", marks=needs_async_receivers),
    "bound-method",
    "instance",
    "cyclic-method",
]
SENDS = ["send", "send_robust", "asend", "asend_robust"]


def dispatch(signal, method, sender):
    if method.startswith("a"):
        return asyncio.run(getattr(signal, method)(sender))
    return getattr(signal, method)(sender)


@pytest.mark.parametrize("method", SENDS)
@pytest.mark.parametrize("kind", DOOMED)
def test_a_receiver_dead_before_a_send_begins_is_not_called_by_it(signal, kind, method):
    """Also when the send's plan was cached while the receiver lived, for its sender and
    for None. (A receiver killed by an earlier receiver *during* a send is still called
    by that send, as in Django: ``test_reentrancy.py``.)"""
    calls = []

    def keeper(**kwargs):
        return "keeper"

    sender = Sender()
    signal.connect(keeper)
    receiver, owner = make_doomed(kind, calls)
    signal.connect(receiver)
    signal.connect(receiver, sender=sender, dispatch_uid="doomed")
    for target in (None, sender):
        assert [r for r, _ in dispatch(signal, method, target)][-1] == receiver
    calls.clear()
    alive = weakref.ref(owner)
    del receiver, owner
    assert collected(alive)
    for target in (None, sender):
        assert dispatch(signal, method, target) == [(keeper, "keeper")]
    assert calls == []
    assert len(signal.receivers) == 1
