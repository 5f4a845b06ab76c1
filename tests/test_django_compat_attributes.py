"""The attributes code written for ``django.dispatch.Signal`` touches.

``receivers``, ``lock``, ``sender_receivers_cache``, ``use_caching``,
``_clear_dead_receivers()`` and ``_live_receivers()`` are not documented API,
but Django's own test suite and third-party code use them.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref

import django
import django.dispatch
import pytest
from support import ENTRY_FIELDS


class Handler:
    def method(self, **kwargs):
        return "method"


class Sender:
    pass


def receiver(**kwargs):
    return "receiver"


def receiver_b(**kwargs):
    return "receiver_b"


async def async_receiver(**kwargs):
    return "async"


# -- receivers ---------------------------------------------------------------------


def test_receivers_is_a_list(signal):
    assert isinstance(signal.receivers, list)
    assert signal.receivers == []
    assert not signal.receivers
    signal.connect(receiver)
    assert len(signal.receivers) == 1
    assert signal.receivers


def test_entry_holds_a_weak_reference_to_a_function(signal):
    signal.connect(receiver)
    [entry] = signal.receivers
    assert isinstance(entry[1], weakref.ReferenceType)
    assert entry[1]() is receiver


def test_entry_holds_a_weak_method_for_a_bound_method(signal):
    handler = Handler()
    signal.connect(handler.method)
    [entry] = signal.receivers
    assert isinstance(entry[1], weakref.WeakMethod)
    assert entry[1]() == handler.method


def test_entry_holds_the_receiver_itself_when_strong(signal):
    signal.connect(receiver, weak=False)
    [entry] = signal.receivers
    assert entry[1] is receiver


def test_entry_key_is_djangos_lookup_key(signal):
    handler = Handler()
    sender = Sender()
    signal.connect(receiver)
    signal.connect(handler.method, sender=sender)
    signal.connect(receiver, dispatch_uid="uid")
    keys = [entry[0] for entry in signal.receivers]
    assert keys == [
        (id(receiver), id(None)),
        ((id(handler), id(Handler.method)), id(sender)),
        ("uid", id(None)),
    ]


def test_entries_have_the_installed_djangos_shape(signal):
    """Code that unpacks entries by the installed Django's arity works on cydispatch."""
    djangos = django.dispatch.Signal()
    handler = Handler()
    sender = Sender()
    connections = [
        {"receiver": receiver},
        {"receiver": handler.method, "sender": sender},
        {"receiver": receiver, "weak": False, "sender": sender},
        {"receiver": async_receiver, "dispatch_uid": "uid"},
    ]
    for connection in connections:
        signal.connect(**connection)
        djangos.connect(**connection)
    for ours, theirs in zip(signal.receivers, djangos.receivers, strict=True):
        assert len(ours) == len(theirs) == len(ENTRY_FIELDS)
        assert ours[0] == theirs[0]
        assert type(ours[1]) is type(theirs[1])
        if "is_async" in ENTRY_FIELDS:
            assert ours[-1] is theirs[-1]
        if "sender_ref" in ENTRY_FIELDS:
            assert (ours[2] is None) is (theirs[2] is None)
            assert ours[2] is None or ours[2]() is theirs[2]()


def test_live_receivers_has_the_installed_djangos_shape(signal):
    djangos = django.dispatch.Signal()
    for each in (signal, djangos):
        each.connect(receiver)
    ours, theirs = signal._live_receivers(None), djangos._live_receivers(None)
    assert type(ours) is type(theirs)
    assert ours == theirs


def test_entries_in_connection_order(signal):
    def first(**kwargs):
        pass

    def second(**kwargs):
        pass

    signal.connect(second)
    signal.connect(first)
    assert [entry[1]() for entry in signal.receivers] == [second, first]


def test_assigning_an_empty_list_silences_the_signal(signal):
    sender = Sender()
    signal.connect(receiver)
    signal.connect(receiver, sender=sender)
    assert signal.send(sender)  # fills the caches
    signal.receivers = []
    assert signal.receivers == []
    assert signal.send(sender) == []
    assert signal.send(None) == []
    assert not signal.has_listeners()
    assert not signal.has_listeners(sender)


def test_assigning_back_an_old_list_restores_it(signal):
    sender = Sender()
    signal.connect(receiver)
    signal.connect(receiver, sender=sender)
    old = signal.receivers
    signal.receivers = []

    def temporary(**kwargs):
        return "temporary"

    signal.connect(temporary)
    assert signal.send(sender) == [(temporary, "temporary")]
    signal.receivers = old
    assert len(signal.receivers) == 2
    assert signal.send(sender) == [(receiver, "receiver"), (receiver, "receiver")]
    # The restored connections behave as connections: de-duplicated, disconnectable.
    signal.connect(receiver)
    assert len(signal.receivers) == 2
    assert signal.disconnect(receiver, sender=sender) is True
    assert signal.send(sender) == [(receiver, "receiver")]


@pytest.mark.parametrize("use_caching", [False, True])
def test_save_and_restore_receivers_as_djangos_tests_do(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    signal.connect(receiver)
    saved = signal.receivers
    signal.receivers = []
    try:
        signal.connect(receiver_b)
        assert signal.send(None) == [(receiver_b, "receiver_b")]
    finally:
        signal.receivers = saved
    assert signal.send(None) == [(receiver, "receiver")]


# Django reads ``receivers`` on every send, so changing the list in place works there;
# here it must reach the index and the per-sender caches too.


def _changed_in_place(signal, change):
    sender = Sender()
    signal.connect(receiver)
    signal.connect(receiver, sender=sender)
    saved = list(signal.receivers)
    assert signal.send(sender) == [(receiver, "receiver")] * 2  # fills the caches
    change(signal.receivers, saved)
    return sender, saved


@pytest.mark.parametrize(
    "change",
    [
        lambda entries, saved: entries.clear(),
        lambda entries, saved: entries.__delitem__(slice(None)),
        lambda entries, saved: entries.__setitem__(slice(None), []),
        lambda entries, saved: [entries.pop() for _ in saved],
        lambda entries, saved: [entries.remove(entry) for entry in saved],
    ],
    ids=["clear", "del-slice", "assign-slice", "pop", "remove"],
)
def test_emptying_receivers_in_place_silences_the_signal(signal, change):
    sender, _ = _changed_in_place(signal, change)
    assert signal.send(sender) == []
    assert signal.send_robust(None) == []
    assert not signal.has_listeners()
    assert not signal.has_listeners(sender)
    # The index forgot the connections too: connecting again connects.
    signal.connect(receiver, sender=sender)
    assert signal.send(sender) == [(receiver, "receiver")]


def test_refilling_receivers_in_place_restores_the_connections(signal):
    sender, saved = _changed_in_place(signal, lambda entries, saved: entries.clear())
    assert signal.send(sender) == []
    signal.receivers.extend(saved)
    assert signal.send(sender) == [(receiver, "receiver")] * 2
    signal.connect(receiver)  # de-duplicated against the restored entries
    assert len(signal.receivers) == 2
    assert signal.disconnect(receiver, sender=sender) is True
    assert signal.send(sender) == [(receiver, "receiver")]


def test_removing_one_entry_in_place_leaves_the_others(signal):
    sender, saved = _changed_in_place(signal, lambda entries, saved: entries.__delitem__(0))
    assert signal.send(sender) == [(receiver, "receiver")]
    assert signal.send(None) == []
    assert signal.disconnect(receiver) is False
    assert signal.disconnect(receiver, sender=sender) is True
    assert signal.receivers == []


def test_adding_to_receivers_with_plus_equals(signal):
    sender, saved = _changed_in_place(signal, lambda entries, saved: entries.clear())
    signal.receivers += saved  # read, extend in place, assign back
    assert signal.send(sender) == [(receiver, "receiver")] * 2


def test_copies_of_receivers_are_plain_lists(signal):
    signal.connect(receiver)
    copy = signal.receivers[:]
    copy.clear()  # changing a copy changes nothing
    assert signal.send(None) == [(receiver, "receiver")]


# -- lock ----------------------------------------------------------------------------


def test_lock_is_a_context_manager(signal):
    with signal.lock:
        pass
    assert signal.lock.acquire(blocking=False)
    signal.lock.release()


def test_lock_is_held_inside_with(signal):
    acquired = []
    with signal.lock:
        thread = threading.Thread(target=lambda: acquired.append(signal.lock.acquire(blocking=False)))
        thread.start()
        thread.join(10)
    assert acquired == [False]


# -- _clear_dead_receivers and _live_receivers ---------------------------------------


def test_clear_dead_receivers_under_the_lock(signal):
    signal.connect(receiver)
    handler = Handler()
    signal.connect(handler.method)
    del handler
    gc.collect()
    with signal.lock:
        signal._clear_dead_receivers()
    assert len(signal.receivers) == 1
    assert signal.receivers[0][1]() is receiver


def test_clear_dead_receivers_without_dead_receivers(signal):
    signal.connect(receiver)
    with signal.lock:
        signal._clear_dead_receivers()
    assert len(signal.receivers) == 1


def live(signal, sender):
    """``_live_receivers(sender)`` as ``(sync, async)``, whatever the installed Django's shape.

    Before Django 5.0 it returns one list, in connection order: that Django
    has no asynchronous receivers, and calls each as a synchronous one.
    """
    result = signal._live_receivers(sender)
    if django.VERSION >= (5, 0):
        assert type(result) is tuple
        return result
    assert type(result) is list
    return result, []


def test_live_receivers_splits_sync_and_async(signal):
    handler = Handler()
    sender = Sender()
    signal.connect(async_receiver)
    signal.connect(receiver)
    signal.connect(handler.method, sender=sender)
    if django.VERSION < (5, 0):
        assert live(signal, None) == ([async_receiver, receiver], [])
        assert live(signal, sender) == ([async_receiver, receiver, handler.method], [])
        return
    sync_receivers, async_receivers = live(signal, None)
    assert sync_receivers == [receiver]
    assert async_receivers == [async_receiver]
    sync_receivers, async_receivers = live(signal, sender)
    assert sync_receivers == [receiver, handler.method]
    assert async_receivers == [async_receiver]


def test_live_receivers_leaves_out_dead_ones(signal):
    handler = Handler()
    signal.connect(receiver)
    signal.connect(handler.method)
    del handler
    gc.collect()
    assert live(signal, None) == ([receiver], [])


def test_live_receivers_of_an_empty_signal(signal):
    sync_receivers, async_receivers = live(signal, None)
    assert list(sync_receivers) == [] and list(async_receivers) == []


# -- sender_receivers_cache and use_caching -----------------------------------------


@pytest.mark.parametrize("use_caching", [False, True])
def test_sender_receivers_cache_can_be_cleared(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    sender = Sender()
    signal.connect(receiver, sender=sender)
    assert signal.send(sender) == [(receiver, "receiver")]
    signal.sender_receivers_cache.clear()
    assert signal.send(sender) == [(receiver, "receiver")]
    assert signal.send(None) == []
    signal.sender_receivers_cache.clear()
    assert signal.has_listeners(sender)


def test_garbage_in_the_cache_is_not_taken_for_a_plan(Signal):
    """What code puts in the cache is used only if it is a current plan made for that key."""
    signal = Signal()
    own = Sender()
    signal.connect(receiver)
    signal.connect(receiver_b, sender=own)
    other = object()
    signal.send(own)
    signal.send(other)
    cache = signal.sender_receivers_cache
    shared_plan, own_plan = cache[None], cache[id(own)]
    for garbage in ("not a plan", ("not", "a", "plan"), None, own_plan, shared_plan):
        cache[id(other)] = cache[None] = garbage
        cache[id(own)] = shared_plan if garbage is own_plan else garbage
        assert signal.send(other) == [(receiver, "receiver")]
        assert signal.send(None) == [(receiver, "receiver")]
        assert signal.send(own) == [(receiver, "receiver"), (receiver_b, "receiver_b")]
        assert signal.has_listeners(other) is True


@pytest.mark.parametrize(
    "call",
    [
        lambda signal: signal.send(None),
        lambda signal: signal.send_robust(None),
        lambda signal: signal.has_listeners(),
        lambda signal: signal.connect(receiver),
        lambda signal: signal.disconnect(receiver),
        lambda signal: asyncio.run(signal.asend(None)),
    ],
    ids=["send", "send_robust", "has_listeners", "connect", "disconnect", "asend"],
)
def test_a_signal_whose_init_never_ran_raises_attribute_error(Signal, call):
    """As Django's does, on both backends (the compiled one must not crash, nor answer)."""
    signal = Signal.__new__(Signal)
    with pytest.raises(AttributeError):
        call(signal)


@pytest.mark.parametrize("use_caching", [False, True])
def test_use_caching_attribute(Signal, use_caching):
    assert Signal(use_caching=use_caching).use_caching is use_caching


def test_receiver_kinds_in_one_signal(signal):
    """Weak, strong, bound, async and uid connections side by side."""
    handler = Handler()
    sender = Sender()
    signal.connect(receiver)
    signal.connect(handler.method, sender=sender)
    signal.connect(async_receiver, weak=False)
    signal.connect(receiver, dispatch_uid="again")
    assert len(signal.receivers) == 4
    responses = [r for _, r in signal.send(sender)]
    if django.VERSION < (5, 0):
        # No asynchronous receivers in 4.2: called in connection order, as any
        # other, an async one responds with its coroutine.
        coroutine = responses.pop(2)
        assert asyncio.iscoroutine(coroutine)
        coroutine.close()
        assert responses == ["receiver", "method", "receiver"]
        return
    assert responses == ["receiver", "method", "receiver", "async"]
