"""Re-entrancy: our own code called back from inside itself.

* Garbage collection *inside* ``connect`` and ``disconnect``, while the
  signal's lock is held: a ``dispatch_uid`` whose ``__hash__``/``__eq__``
  runs ``gc.collect()`` (the lookup key is hashed and compared under the
  lock), so that the weak-reference callback of a receiver, or a sender,
  kept alive only by a reference cycle fires in the middle of our own
  bookkeeping. No deadlock (each test runs in a thread with a join
  timeout) and the registry is right afterwards. ``test_threads.py`` covers
  a collection under a lock taken by the test itself, and collections at
  random allocation points.
* Receivers that connect, disconnect, send the same signal, or die, during
  ``send_robust``, ``asend`` and ``asend_robust`` (``test_send.py`` covers
  ``send``): the current dispatch completes, later ones see the change.
"""

from __future__ import annotations

import asyncio
import gc
import time
import weakref

import pytest
from support import ASYNC_RECEIVERS, Cyclic, needs_async_receivers, run_bounded


class CollectingUid:
    """A dispatch_uid that runs a full collection each time it is hashed or compared.

    It collects only while the signal's lock is held, and records whether
    ``watch`` (a weak reference) was alive before and after each collection.
    """

    def __init__(self, signal, watch):
        self.signal = signal
        self.watch = watch
        self.collections = []  # (watched alive before, alive after)

    def collect(self):
        # Only under the lock, where connect and disconnect compare keys.
        if self.signal.lock.locked():
            alive_before = self.watch() is not None
            gc.collect()
            self.collections.append((alive_before, self.watch() is not None))

    def __hash__(self):
        self.collect()
        return 12345

    def __eq__(self, other):
        # Equal to another CollectingUid of the same signal: a twin is a duplicate.
        self.collect()
        return isinstance(other, CollectingUid) and other.signal is self.signal


def assert_collected_under_the_lock(uid):
    # The first collection, made under the lock, freed the watched object.
    assert uid.collections, "no collection ran under the lock"
    assert uid.collections[0] == (True, False), uid.collections


def alive_receiver(**kwargs):
    return "alive"


@pytest.mark.parametrize("dying", ["receiver", "sender"])
def test_collection_inside_connect_under_the_lock(signal, dying):
    signal.connect(alive_receiver)
    victim = Cyclic()
    if dying == "receiver":
        signal.connect(victim.method)
    else:
        signal.connect(alive_receiver, sender=victim)
    watch = weakref.ref(victim)
    del victim

    def body():
        gc.disable()  # only our uid collects
        try:
            uid = CollectingUid(signal, watch)
            signal.connect(alive_receiver, sender="other", dispatch_uid=uid)
        finally:
            gc.enable()
        assert watch() is None
        assert_collected_under_the_lock(uid)
        # The death, during the bookkeeping, was not lost: the signal is
        # flagged, and the next send sweeps the dead connection.
        assert signal._dead_receivers is True
        assert signal.send(None) == [(alive_receiver, "alive")]
        assert len(signal.receivers) == 2
        assert signal.send("other") == [(alive_receiver, "alive"), (alive_receiver, "alive")]
        assert signal.disconnect(sender="other", dispatch_uid=uid) is True
        assert signal.send("other") == [(alive_receiver, "alive")]
        assert len(signal.receivers) == 1

    run_bounded(body)


@pytest.mark.parametrize("dying", ["receiver", "sender"])
def test_collection_inside_disconnect_under_the_lock(signal, dying):
    signal.connect(alive_receiver)
    placeholder = weakref.ref(Cyclic)  # replaced below
    uid = CollectingUid(signal, placeholder)
    gc.disable()
    try:
        signal.connect(alive_receiver, sender="other", dispatch_uid=uid)
        victim = Cyclic()
        if dying == "receiver":
            signal.connect(victim.method)
        else:
            signal.connect(alive_receiver, sender=victim)
        uid.watch = weakref.ref(victim)
        del victim
        uid.collections.clear()
        assert len(signal.receivers) == 3

        def body():
            gc.disable()
            try:
                assert signal.disconnect(sender="other", dispatch_uid=uid) is True
            finally:
                gc.enable()

        run_bounded(body)
    finally:
        gc.enable()
    assert uid.watch() is None
    assert_collected_under_the_lock(uid)
    assert signal.send(None) == [(alive_receiver, "alive")]
    assert signal.send("other") == [(alive_receiver, "alive")]
    assert len(signal.receivers) == 1


def test_collection_inside_connect_of_a_duplicate(signal):
    """The uid is compared (``__eq__``) with the existing key, under the lock.

    An equal twin is connected: the connected uid's ``__eq__`` runs (the same
    object would be found by identity, calling nothing).
    """
    uid = CollectingUid(signal, weakref.ref(Cyclic))
    signal.connect(alive_receiver, dispatch_uid=uid)
    victim = Cyclic()
    signal.connect(victim.method)
    uid.watch = weakref.ref(victim)
    del victim

    def body():
        gc.disable()
        try:
            uid.collections.clear()
            twin = CollectingUid(signal, uid.watch)
            assert signal._connect(alive_receiver, None, True, twin) is False  # a duplicate
        finally:
            gc.enable()

    run_bounded(body)
    assert_collected_under_the_lock(uid)
    assert signal.send(None) == [(alive_receiver, "alive")]
    assert len(signal.receivers) == 1


# -- receivers that change the signal during a dispatch -------------------------------

SENDS = ["send_robust", "asend", "asend_robust"]


def dispatch(signal, method, sender=None, **named):
    if method.startswith("a"):
        return asyncio.run(getattr(signal, method)(sender, **named))
    return getattr(signal, method)(sender, **named)


@pytest.mark.parametrize("method", SENDS)
def test_receiver_connecting_during_a_dispatch(signal, method):
    def late(**kwargs):
        return "late"

    def connecting(**kwargs):
        signal.connect(late)
        return "connecting"

    signal.connect(connecting)
    assert dispatch(signal, method) == [(connecting, "connecting")]
    assert dispatch(signal, method) == [(connecting, "connecting"), (late, "late")]


@pytest.mark.parametrize("method", SENDS)
def test_receiver_disconnecting_during_a_dispatch(signal, method):
    def other(**kwargs):
        return "other"

    def disconnecting(**kwargs):
        signal.disconnect(other)
        signal.disconnect(disconnecting)
        return "disconnecting"

    signal.connect(disconnecting)
    signal.connect(other)
    # The current dispatch completes with the receivers it began with.
    assert dispatch(signal, method) == [(disconnecting, "disconnecting"), (other, "other")]
    assert dispatch(signal, method) == []
    assert signal.receivers == []


@pytest.mark.parametrize("method", ["send", "send_robust"])
@pytest.mark.parametrize("inner", ["send", "send_robust"])
def test_receiver_sending_the_same_signal(signal, method, inner):
    depth = []

    def receiver(level, **kwargs):
        depth.append(level)
        if level < 3:
            inner_responses = getattr(signal, inner)(None, level=level + 1)
            assert inner_responses == [(receiver, level + 1)]
        return level

    signal.connect(receiver)
    assert getattr(signal, method)(None, level=0) == [(receiver, 0)]
    assert depth == [0, 1, 2, 3]


@needs_async_receivers
@pytest.mark.parametrize("method", ["asend", "asend_robust"])
def test_async_receiver_sending_the_same_signal(signal, method):
    depth = []

    async def receiver(level, **kwargs):
        depth.append(level)
        if level < 2:
            assert await getattr(signal, method)(None, level=level + 1) == [(receiver, level + 1)]
        return level

    signal.connect(receiver)
    assert asyncio.run(getattr(signal, method)(None, level=0)) == [(receiver, 0)]
    assert depth == [0, 1, 2]


class Holder:
    def __init__(self, name):
        self.name = name

    def method(self, **kwargs):
        return self.name

    def __call__(self, **kwargs):
        return self.name


def make_victim(kind):
    """A weakly connected receiver of ``kind``, and the only strong reference to it."""
    if kind == "function":

        def victim(**kwargs):
            return "victim"

        return victim, victim
    holder = Holder("victim")
    return (holder.method if kind == "bound-method" else holder), holder


@pytest.mark.parametrize("kind", ["bound-method", "function", "callable-instance"])
@pytest.mark.parametrize("method", ["send", *SENDS])
def test_receiver_dying_during_a_dispatch(signal, method, kind):
    if method.startswith("asend") and not ASYNC_RECEIVERS:
        pytest.skip("Django 4.2 has no asynchronous receivers: asend calls them as any other")
    """A receiver killed by an earlier one is still called by the current
    dispatch (it was resolved when the dispatch began, as in Django), and is
    gone afterwards: the next dispatch, which begins after its death, does not
    call it (``test_garbage_collection.py`` checks that half for every kind
    of receiver and send)."""
    victim, owner = make_victim(kind)
    holders = {"victim": owner}

    def killer(**kwargs):
        holders.pop("victim", None)
        return "killer"

    signal.connect(killer)
    signal.connect(victim)
    victim_ref = weakref.ref(owner)
    del victim, owner
    first = dispatch(signal, method)
    assert [v for _, v in first] == ["killer", "victim"]
    del first  # the responses held the victim
    # asend's worker thread drops its work item (which holds the batch of
    # receivers) just after handing back the result: wait for it, without
    # a garbage collection (nothing of ours keeps the victim in a cycle).
    deadline = time.monotonic() + 10
    while victim_ref() is not None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert victim_ref() is None
    assert dispatch(signal, method) == [(killer, "killer")]
    assert len(signal.receivers) == 1


@pytest.mark.parametrize("method", ["send_robust", "asend_robust"])
def test_receiver_failing_after_changing_the_signal(signal, method):
    def late(**kwargs):
        return "late"

    def changing(**kwargs):
        signal.connect(late)
        signal.disconnect(changing)
        raise ValueError("after the change")

    signal.connect(changing)
    [(receiver, error)] = dispatch(signal, method)
    assert receiver is changing
    assert isinstance(error, ValueError)
    assert dispatch(signal, method) == [(late, "late")]
