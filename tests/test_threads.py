"""Threads: concurrent connect/disconnect/send, and garbage collection under the lock."""

from __future__ import annotations

import collections
import gc
import itertools
import sys
import threading
import weakref

import pytest
from support import JOIN_TIMEOUT, Cyclic, Recorder, run_bounded

THREADS = 8
ROUNDS = 150


class Sender:
    pass


@pytest.fixture
def fast_switching():
    """Switch threads often, so that their operations interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.parametrize("use_caching", [False, True])
def test_concurrent_connect_disconnect_send(Signal, use_caching, fast_switching):
    signal = Signal(use_caching=use_caching)
    tickets = itertools.count()
    barrier = threading.Barrier(THREADS, timeout=JOIN_TIMEOUT)
    errors = []
    # Per thread: its sender and the receivers it leaves connected.
    senders = [Sender() for _ in range(THREADS)]
    keepers = [
        {"any": Recorder(f"any-{t}"), "own": Recorder(f"own-{t}"), "uid": Recorder(f"uid-{t}")}
        for t in range(THREADS)
    ]
    transients = [[] for _ in range(THREADS)]

    def send(sender):
        return {name for _, name in signal.send(sender, ticket=next(tickets))}

    def work(t):
        sender = senders[t]
        keep = keepers[t]
        try:
            barrier.wait()
            signal.connect(keep["any"])
            signal.connect(keep["own"], sender=sender)
            signal.connect(keep["uid"], sender=sender, dispatch_uid=f"uid-{t}")
            for i in range(ROUNDS):
                # A strong transient receiver, for every sender or for ours.
                transient = Recorder(f"transient-{t}-{i}")
                transients[t].append(transient)
                transient_sender = None if i % 2 else sender
                signal.connect(transient, sender=transient_sender)
                signal.connect(transient, sender=transient_sender)  # de-duplicated
                seen = send(sender)
                assert {transient.name, keep["any"].name, keep["own"].name} <= seen, seen
                assert signal.has_listeners(sender)
                assert signal.disconnect(transient, sender=transient_sender) is True
                assert signal.disconnect(transient, sender=transient_sender) is False
                transient.dead_after = next(tickets)
                assert transient.name not in send(sender)

                # The other kinds of connection, each disconnected as it must be:
                # strong, weak bound method, weak function, dispatch_uid.
                kinds = {kind: Recorder(f"{kind}-{t}-{i}") for kind in ("strong", "method", "function", "uid")}
                for recorder in kinds.values():
                    transients[t].append(recorder)
                function = kinds["function"].as_function()
                signal.connect(kinds["strong"], sender=sender, weak=False)
                signal.connect(kinds["method"].method, sender=sender)
                signal.connect(function, sender=sender)
                signal.connect(kinds["uid"], sender=sender, dispatch_uid=f"transient-{t}")
                seen = send(sender)
                assert {recorder.name for recorder in kinds.values()} <= seen, seen
                assert signal.disconnect(kinds["strong"], sender=sender) is True
                assert signal.disconnect(kinds["method"].method, sender=sender) is True
                assert signal.disconnect(function, sender=sender) is True
                assert signal.disconnect(sender=sender, dispatch_uid=f"transient-{t}") is True
                dead_after = next(tickets)
                for recorder in kinds.values():
                    recorder.dead_after = dead_after
                assert not {recorder.name for recorder in kinds.values()} & send(sender)

                # A weak bound method whose instance dies at once.
                short_lived = Recorder(f"short-{t}-{i}")
                signal.connect(short_lived.method, sender=sender)
                assert short_lived.name in send(sender)
                del short_lived

                # dispatch_uid and our own keeper, off and on again.
                if i % 5 == 0:
                    assert signal.disconnect(sender=sender, dispatch_uid=f"uid-{t}") is True
                    assert keep["uid"].name not in send(sender)
                    signal.connect(keep["uid"], sender=sender, dispatch_uid=f"uid-{t}")
                if i % 7 == 0:
                    assert signal.disconnect(keep["own"], sender=sender) is True
                    assert keep["own"].name not in send(sender)
                    signal.connect(keep["own"], sender=sender)
                signal.send_robust(None, ticket=next(tickets))
                signal.has_listeners()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append((t, err))

    threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    assert errors == []

    gc.collect()
    signal.has_listeners()  # sweeps the dead weak receivers
    # The registry holds exactly what the threads left connected.
    assert len(signal.receivers) == 3 * THREADS
    everyone = {keep["any"].name for keep in keepers}
    for t, sender in enumerate(senders):
        responses = signal.send(sender, ticket=next(tickets))
        names = [name for _, name in responses]
        assert len(names) == len(set(names))
        assert set(names) == everyone | {keepers[t]["own"].name, keepers[t]["uid"].name}
    assert collections.Counter(name for _, name in signal.send(None, ticket=0)) == (
        collections.Counter(everyone)
    )
    # No disconnected receiver (weak callable instance, strong, weak bound method,
    # weak function, dispatch_uid) was called by a send that started afterwards.
    assert sum(len(each) for each in transients) == 5 * THREADS * ROUNDS
    late = [(r.name, r.late_calls()) for each in transients for r in each if r.late_calls()]
    assert late == []


def test_concurrent_sends_of_one_sender(Signal, fast_switching):
    """Many threads send while one keeps changing the connections."""
    signal = Signal()
    sender = Sender()
    stable = Recorder("stable")
    signal.connect(stable, sender=sender)
    stop = threading.Event()
    errors = []

    def churn():
        try:
            for i in range(2000):
                extra = Recorder(f"extra-{i}")
                signal.connect(extra)
                signal.disconnect(extra)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)
        finally:
            stop.set()

    def sending():
        try:
            while not stop.is_set():
                names = [name for _, name in signal.send(sender, ticket=0)]
                assert names[0] == "stable"
                assert len(names) <= 2
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=churn, daemon=True)]
    threads += [threading.Thread(target=sending, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    assert errors == []
    assert len(signal.receivers) == 1


# -- garbage collection while the lock is held --------------------------------------


def test_receiver_collected_while_the_lock_is_held(signal):
    def receiver(**kwargs):
        return "alive"

    signal.connect(receiver)
    dying = Cyclic()
    signal.connect(dying.method)
    dying_ref = weakref.ref(dying)
    del dying

    def body():
        gc.disable()
        try:
            assert dying_ref() is not None  # only the cycle collector can free it
            with signal.lock:
                gc.collect()  # the weak-reference callback fires here
                assert dying_ref() is None
        finally:
            gc.enable()
        assert signal.send(None) == [(receiver, "alive")]
        assert len(signal.receivers) == 1

    run_bounded(body)


def test_sender_collected_while_the_lock_is_held(signal):
    def receiver(**kwargs):
        return "received"

    def anyone(**kwargs):
        return "anyone"

    sender = Cyclic()
    signal.connect(receiver, sender=sender)
    signal.connect(anyone)
    assert len(signal.send(sender)) == 2
    sender_ref = weakref.ref(sender)
    del sender

    def body():
        gc.disable()
        try:
            with signal.lock:
                gc.collect()
                assert sender_ref() is None
        finally:
            gc.enable()
        assert signal.send(None) == [(anyone, "anyone")]
        assert len(signal.receivers) == 1
        signal.connect(receiver)
        assert len(signal.receivers) == 2

    run_bounded(body)


class CyclicReceiver:
    def __init__(self):
        self.cycle = self

    def __call__(self, **kwargs):
        return "called"


def test_collection_during_connect_and_send(signal):
    """Garbage collections triggered inside the signal's own calls."""
    threshold = gc.get_threshold()
    gc.set_threshold(1, 1, 1)  # collect on almost every allocation
    try:

        def body():
            keep = []
            for _ in range(200):
                living = CyclicReceiver()
                keep.append(living)
                signal.connect(living)
                dying = CyclicReceiver()  # freed only by the cycle collector
                signal.connect(dying)
                del dying
                signal.send(None)
                signal.has_listeners(Sender())
            gc.collect()
            assert [r for _, r in signal.send(None)] == ["called"] * len(keep)
            assert len(signal.receivers) == len(keep)

        run_bounded(body)
    finally:
        gc.set_threshold(*threshold)
