"""Deaths that no callback announces, and deaths during a sweep.

A weakly held receiver or sender announces its death through its reference's
callback, which flags the signal, and the next send sweeps it away first. So
the checks that a send makes itself (each reference resolved as the send
begins; a plan's and an entry's sender compared by identity) only matter when
no callback ran: for references assigned to ``receivers`` by code that
reaches into a signal, or for a death in the middle of a sweep. These tests
make those cases happen, so that each check is proven on its own.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from cydispatch._flavour import pack_entry, unpack_entry


class Sender:
    pass


def receiver(**kwargs):
    return "called"


def without_callbacks(entry, receiver_ref=None, sender=None):
    """``entry`` with its receiver's (and its sender's) reference replaced by one without a callback."""
    held, _, _, is_async = unpack_entry(entry)
    sender_ref = None if sender is None else weakref.ref(sender)
    return pack_entry(entry[0], held if receiver_ref is None else receiver_ref, sender_ref, is_async)


def test_a_receiver_whose_death_nothing_announced_is_not_called(signal):
    def doomed(**kwargs):
        return "doomed"

    signal.connect(doomed)
    signal.receivers = [without_callbacks(signal.receivers[0], weakref.ref(doomed))]
    assert signal.send(None) == [(doomed, "doomed")]  # a plan is cached while it lives
    del doomed
    gc.collect()
    assert signal.send(None) == []
    assert signal.send_robust(None) == []
    assert signal.has_listeners() is False


def sender_at_a_dead_senders_address(signal):
    """Connect ``receiver`` to a sender whose death nothing announces, let it die, and return
    a new object at its address, or ``None`` if the allocator gave the address to another."""
    sender = Sender()
    signal.connect(receiver, sender=sender)
    signal.receivers = [without_callbacks(signal.receivers[-1], sender=sender)]
    assert signal.send(sender) == [(receiver, "called")]  # a plan is cached while it lives
    # Everything the search needs is made before the sender dies: any object of
    # its size made in between (a range, say) could take its address first.
    newcomers = [None] * 10_000
    positions = iter(range(len(newcomers)))
    address = id(sender)
    del sender  # freed at once: a Sender is in no cycle, nothing to collect
    for position in positions:
        newcomers[position] = newcomer = Sender()
        if id(newcomer) == address:
            return newcomer
    return None


def test_an_object_at_a_dead_senders_address_does_not_get_its_receivers(signal):
    for _ in range(50):
        reused = sender_at_a_dead_senders_address(signal)
        if reused is not None:
            break
    else:  # seen once, on Python 3.13: the interpreter's own allocations took the address
        pytest.skip("in 50 tries, no new object took a dead sender's address on this interpreter")
    assert signal.send(reused) == []
    assert signal.has_listeners(reused) is False


class CollectingRef(weakref.ref):
    """A reference whose every dereference runs a garbage collection first."""

    def __call__(self):
        gc.collect()
        return super().__call__()


class Cyclic:
    def __init__(self):
        self.cycle = self  # freed by the collector only

    def __call__(self, **kwargs):
        return "cyclic"


def test_a_death_during_a_sweep_is_not_lost(signal):
    def trigger(**kwargs):
        return "trigger"

    def keeper(**kwargs):
        return "keeper"

    gc.disable()  # the victim dies where this test says, in the sweep
    try:
        victim = Cyclic()
        signal.connect(victim)
        signal.connect(trigger)
        victim_entry, trigger_entry = signal.receivers
        # The sweep that this assignment calls for finds the victim alive, then
        # dereferences the trigger, which collects the victim: its death
        # flags the signal while the sweep runs.
        signal.receivers = [victim_entry, without_callbacks(trigger_entry, CollectingRef(trigger))]
        del victim, victim_entry
        assert signal.send(None) == [(trigger, "trigger")]
        signal.connect(keeper)
    finally:
        gc.enable()
    assert [unpack_entry(entry)[0]() for entry in signal.receivers] == [trigger, keeper]
