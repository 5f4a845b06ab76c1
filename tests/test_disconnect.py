"""``disconnect`` and ``has_listeners``."""

from __future__ import annotations

import operator
import random

import pytest


class Sender:
    pass


class Handler:
    def method(self, **kwargs):
        return "method"


def make_receiver(value):
    def receiver(**kwargs):
        return value

    return receiver


# -- disconnect ----------------------------------------------------------------


def test_disconnect_returns_true_once_then_false(signal):
    receiver = make_receiver(1)
    signal.connect(receiver)
    assert signal.disconnect(receiver) is True
    assert signal.disconnect(receiver) is False
    assert signal.receivers == []
    assert signal.send(None) == []


def test_disconnect_never_connected(signal):
    assert signal.disconnect(make_receiver(1)) is False
    assert signal.disconnect(dispatch_uid="nope") is False
    assert signal.disconnect() is False


def test_disconnect_keeps_the_other_receivers_in_order(signal):
    first, second, third = make_receiver(1), make_receiver(2), make_receiver(3)
    for receiver in (first, second, third):
        signal.connect(receiver)
    assert signal.disconnect(second) is True
    assert signal.send(None) == [(first, 1), (third, 3)]


def test_disconnect_by_dispatch_uid(signal):
    receiver = make_receiver(1)
    signal.connect(receiver, dispatch_uid="uid")
    assert signal.disconnect(receiver) is False  # it is keyed by the uid
    assert signal.disconnect(dispatch_uid="uid") is True
    assert signal.disconnect(dispatch_uid="uid") is False
    assert signal.receivers == []


def test_disconnect_by_dispatch_uid_ignores_the_receiver_argument(signal):
    receiver = make_receiver(1)
    signal.connect(receiver, dispatch_uid="uid")
    assert signal.disconnect(make_receiver(2), dispatch_uid="uid") is True
    assert signal.receivers == []


def test_disconnect_by_dispatch_uid_and_sender(signal):
    sender = Sender()
    receiver = make_receiver(1)
    signal.connect(receiver, sender=sender, dispatch_uid="uid")
    assert signal.disconnect(dispatch_uid="uid") is False
    assert signal.disconnect(sender=sender, dispatch_uid="uid") is True


def test_disconnect_wrong_sender(signal):
    sender = Sender()
    receiver = make_receiver(1)
    signal.connect(receiver, sender=sender)
    assert signal.disconnect(receiver) is False
    assert signal.disconnect(receiver, sender=Sender()) is False
    assert len(signal.receivers) == 1
    assert signal.disconnect(receiver, sender=sender) is True


def test_disconnect_one_sender_keeps_the_others(signal):
    a, b = Sender(), Sender()
    receiver = make_receiver("r")
    signal.connect(receiver, sender=a)
    signal.connect(receiver, sender=b)
    assert signal.disconnect(receiver, sender=a) is True
    assert signal.send(a) == []
    assert signal.send(b) == [(receiver, "r")]


def test_disconnect_bound_method_with_a_new_bound_method_object(signal):
    handler = Handler()
    signal.connect(handler.method)
    assert signal.disconnect(handler.method) is True
    assert signal.receivers == []


def test_disconnect_strongly_connected_receiver(signal):
    receiver = make_receiver(1)
    signal.connect(receiver, weak=False)
    assert signal.disconnect(receiver) is True
    assert signal.send(None) == []


def test_disconnect_then_reconnect(signal):
    receiver = make_receiver(1)
    signal.connect(receiver)
    signal.disconnect(receiver)
    signal.connect(receiver)
    assert signal.send(None) == [(receiver, 1)]


@pytest.mark.parametrize("use_caching", [False, True])
def test_disconnect_after_send_is_seen_by_the_next_send(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    sender = Sender()
    receiver = make_receiver(1)
    signal.connect(receiver, sender=sender)
    assert signal.send(sender) == [(receiver, 1)]
    assert signal.disconnect(receiver, sender=sender)
    assert signal.send(sender) == []
    assert not signal.has_listeners(sender)


#: Receivers in the test of disconnection orders: enough that a scan per disconnect
#: would show in benchmarks/scaling.py's disconnect sweeps (the speed is measured there).
MANY = 30_000


def disconnection_order(order, count):
    """The indices of ``count`` receivers connected in index order, in ``order`` of disconnection."""
    if order == "first-first":
        return list(range(count))
    if order == "last-first":
        return list(range(count - 1, -1, -1))
    indices = list(range(count))
    random.Random(19).shuffle(indices)
    return indices


@pytest.mark.parametrize("order", ["first-first", "last-first", "random"])
def test_disconnecting_many_in_any_order(signal, order):
    # A model of the connections: receiver index -> its entry, in connection
    # order. Between batches one disconnected receiver connects again (at the
    # end), so positions are checked after reconnections too.
    receivers = [make_receiver(index) for index in range(MANY)]
    for receiver in receivers:
        signal.connect(receiver)
    held = signal.receivers
    model = dict(enumerate(held))
    order = disconnection_order(order, MANY)
    batches = [order[start:start + MANY // 10] for start in range(0, MANY, MANY // 10)]
    for batch in batches:
        assert all([signal.disconnect(receivers[index]) for index in batch])
        for index in batch:
            del model[index]
        assert signal.disconnect(receivers[batch[-1]]) is False
        assert signal.receivers is held  # changed in place, as Django's list
        assert len(held) == len(model)
        assert all(map(operator.is_, held, model.values()))
        assert signal.send(None) == [(receivers[index], index) for index in model]
        signal.connect(receivers[batch[0]])
        model[batch[0]] = held[-1]
        assert all(map(operator.is_, held, model.values()))
    assert all([signal.disconnect(receivers[index]) for index in list(model)])
    assert held == [] and signal.send(None) == []


def test_disconnect_after_receivers_reordered_through_lists_own_methods(signal):
    # list's own methods do not report to the signal, which cannot know that
    # its entries moved: the entry is looked for.
    first, second, third = make_receiver(1), make_receiver(2), make_receiver(3)
    for receiver in (first, second, third):
        signal.connect(receiver)
    entries = list(signal.receivers)
    list.reverse(signal.receivers)
    assert signal.disconnect(first) is True
    assert signal.receivers == [entries[2], entries[1]]
    assert signal.disconnect(third) is True
    assert signal.receivers == [entries[1]]


# -- has_listeners -------------------------------------------------------------


@pytest.mark.parametrize("use_caching", [False, True])
def test_has_listeners_empty(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    assert signal.has_listeners() is False
    assert signal.has_listeners(Sender()) is False


@pytest.mark.parametrize("use_caching", [False, True])
def test_has_listeners_any_sender(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    receiver = make_receiver(1)
    signal.connect(receiver)
    assert signal.has_listeners() is True
    assert signal.has_listeners(None) is True
    assert signal.has_listeners(Sender()) is True
    signal.disconnect(receiver)
    assert signal.has_listeners() is False


@pytest.mark.parametrize("use_caching", [False, True])
def test_has_listeners_without_sender_means_sender_none(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    sender = Sender()
    receiver = make_receiver(1)
    signal.connect(receiver, sender=sender)
    assert signal.has_listeners(sender) is True
    assert signal.has_listeners() is False
    assert signal.has_listeners(Sender()) is False


def test_has_listeners_counts_async_receivers(signal):
    async def receiver(**kwargs):
        pass

    signal.connect(receiver)
    assert signal.has_listeners() is True


def test_first_connection_for_a_sender_of_its_own_keeps_the_order(signal):
    # A signal whose connections are all for any sender keeps no groups by
    # sender; the first connection for a sender of its own makes them, after
    # removals, and sends and disconnects go on in connection order.
    sender, other = Sender(), Sender()
    first, second, own, last = (make_receiver(value) for value in "abcd")
    for receiver in (first, second, make_receiver("x")):
        signal.connect(receiver, weak=False)
    signal.disconnect(first)
    signal.connect(own, sender=sender, weak=False)
    signal.connect(last, weak=False)
    assert [response for _, response in signal.send(sender)] == ["b", "x", "c", "d"]
    assert [response for _, response in signal.send(other)] == ["b", "x", "d"]
    assert signal.disconnect(second) is True
    assert signal.disconnect(own, sender=sender) is True
    assert [response for _, response in signal.send(sender)] == ["x", "d"]
    assert [entry[1] for entry in signal.receivers][1:] == [last]
    assert signal.disconnect(last) is True
    assert len(signal.receivers) == 1
