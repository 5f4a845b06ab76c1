"""connected_to, muted and receivers_for: blinker's and psygnal's conveniences, on both backends."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest
from support import needs_async_receivers


class Sender:
    pass


def first(**kwargs):
    return "first"


def second(**kwargs):
    return "second"


async def later(**kwargs):
    return "later"


# -- connected_to ----------------------------------------------------------------------


def test_connected_to_connects_for_the_block_only(signal):
    with signal.connected_to(first) as connected:
        assert connected is signal
        assert signal.send(None) == [(first, "first")]
    assert signal.send(None) == []
    assert signal.receivers == []


def test_connected_to_holds_the_receiver_strongly(signal):
    calls = []
    with signal.connected_to(lambda **kwargs: calls.append(kwargs["sender"])):
        gc.collect()
        signal.send("a sender")
    assert calls == ["a sender"]


def test_connected_to_a_sender(signal):
    sender = Sender()
    with signal.connected_to(first, sender=sender):
        assert signal.send(sender) == [(first, "first")]
        assert signal.send(Sender()) == []
    assert signal.send(sender) == []


def test_connected_to_disconnects_when_the_block_raises(signal):
    with pytest.raises(KeyError):
        with signal.connected_to(first):
            raise KeyError("boom")
    assert signal.send(None) == []


def test_connected_to_keeps_an_earlier_connection(signal):
    signal.connect(first)
    with signal.connected_to(first):
        assert signal.send(None) == [(first, "first")]
    assert signal.send(None) == [(first, "first")]


def test_connected_to_checks_the_receiver(signal):
    with pytest.raises(TypeError, match="Signal receivers must be callable."):
        with signal.connected_to("not callable"):
            pass  # pragma: no cover
    assert signal.receivers == []


# -- muted -----------------------------------------------------------------------------


@needs_async_receivers
def test_muted_sends_call_nothing(signal):
    calls = []
    signal.connect(lambda **kwargs: calls.append("sync"), weak=False)

    async def on_signal(**kwargs):
        calls.append("async")

    signal.connect(on_signal)
    with signal.muted() as muted:
        assert muted is signal
        assert signal.send(None) == []
        assert signal.send_robust(None) == []
        assert asyncio.run(signal.asend(None)) == []
        assert asyncio.run(signal.asend_robust(None)) == []
        assert signal.has_listeners()  # the connections are still there
    assert calls == []
    assert len(signal.send(None)) == 2
    assert calls == ["sync", "async"]


def test_muted_blocks_nest(signal):
    signal.connect(first)
    with signal.muted():
        with signal.muted():
            assert signal.send(None) == []
        assert signal.send(None) == []
    assert signal.send(None) == [(first, "first")]


def test_muted_ends_when_the_block_raises(signal):
    signal.connect(first)
    with pytest.raises(KeyError):
        with signal.muted():
            raise KeyError("boom")
    assert signal.send(None) == [(first, "first")]


def test_muted_from_several_threads_unmutes_after_the_last(signal):
    signal.connect(first)
    entered, release = threading.Barrier(5), threading.Event()

    def hold_muted():
        with signal.muted():
            entered.wait()
            release.wait(10)

    threads = [threading.Thread(target=hold_muted) for _ in range(4)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert signal.send(None) == []
    release.set()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    assert signal.send(None) == [(first, "first")]


def test_muting_one_signal_leaves_others(Signal):
    muted, other = Signal(), Signal()
    muted.connect(first)
    other.connect(first)
    with muted.muted():
        assert other.send(None) == [(first, "first")]


# -- receivers_for ---------------------------------------------------------------------


@needs_async_receivers
def test_receivers_for_lists_what_a_send_would_call_in_order(signal):
    sender = Sender()
    signal.connect(later)
    signal.connect(second, sender=sender)
    signal.connect(first)
    assert signal.receivers_for(sender) == [second, first, later]
    assert [r for r, _ in signal.send(sender)] == [second, first, later]
    assert signal.receivers_for(None) == [first, later]
    assert signal.receivers_for(Sender()) == [first, later]


def test_receivers_for_leaves_out_dead_receivers(signal):
    def transient(**kwargs):
        return "transient"

    signal.connect(transient)
    signal.connect(first)
    del transient
    gc.collect()
    assert signal.receivers_for(None) == [first]


def test_receivers_for_an_unconnected_signal(signal):
    assert signal.receivers_for() == []
