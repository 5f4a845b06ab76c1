"""Code written for Django that reaches into a signal: its lock held, its methods replaced.

Such code (versioning apps, factory libraries, test helpers, APM agents) uses
``receivers``, ``lock``, ``sender_receivers_cache``, ``_clear_dead_receivers``
and ``_live_receivers`` as Django defines them. Each scenario here runs on the
backend's ``Signal`` and on ``django.dispatch.Signal`` in the same test, and
both must observe the same. Anything that could hang runs in a thread with a
timeout (``run_bounded``), so a deadlock fails the test instead.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from unittest import mock

import django
import django.dispatch
import pytest
from support import both, named, names, run_bounded

#: Django 5.0 split ``_live_receivers()``'s result into ``(sync, async)``.
SPLIT = django.VERSION >= (5, 0)
#: Django 5.0 added ``asend`` and ``asend_robust`` (cydispatch has them with any Django).
ASYNC = hasattr(django.dispatch.Signal, "asend")


class Sender:
    pass


class Handler:
    def __init__(self, name):
        self.name = name

    def method(self, **kwargs):
        return self.name


# -- the lock held while receivers or the cache are assigned ---------------------------


def mute(signal):
    """django-reversion's ``mute_signals``: save and empty the receivers, holding the lock."""
    with signal.lock:
        saved = signal.receivers[:]
        signal.receivers = []
        signal.sender_receivers_cache.clear()
    return saved


def unmute(signal, saved):
    """django-reversion's restore: saved receivers first, then those connected meanwhile."""
    with signal.lock:
        signal.receivers = saved + signal.receivers
        signal.sender_receivers_cache.clear()


def test_muting_while_holding_the_lock_does_not_hang(Signal):
    def scenario(Signal):
        signal = Signal()
        sender = Sender()
        first, second, third = named("first"), named("second"), named("third")
        signal.connect(first)
        signal.connect(second, sender=sender)
        seen = [names(signal.send(sender))]

        def muted_work():
            saved = mute(signal)
            seen.append(names(signal.send(sender)))
            signal.connect(third)  # connected while muted: kept after
            seen.append(names(signal.send(sender)))
            unmute(signal, saved)

        run_bounded(muted_work)
        seen.append(names(signal.send(sender)))
        seen.append(names(signal.send_robust(None)))
        seen.append([signal.has_listeners(sender), len(signal.receivers)])
        # The restored connections are connections: de-duplicated and disconnectable.
        signal.connect(first)
        seen.append([len(signal.receivers), signal.disconnect(second, sender=sender)])
        seen.append(names(signal.send(sender)))
        return seen

    assert both(Signal, scenario) == [
        ["first", "second"],
        [],
        ["third"],
        ["first", "second", "third"],
        ["first", "third"],
        [True, 3],
        [3, True],
        ["first", "third"],
    ]


@pytest.mark.parametrize(
    "under_lock",
    [
        lambda signal: setattr(signal, "sender_receivers_cache", {}),
        lambda signal: signal.sender_receivers_cache.clear(),
        lambda signal: signal._clear_dead_receivers(),
        lambda signal: setattr(signal, "receivers", list(signal.receivers)),
        lambda signal: signal.receivers.append(signal.receivers[0]),
        lambda signal: signal.receivers.__delitem__(0),
        lambda signal: signal.receivers.clear(),
    ],
    ids=["assign-cache", "clear-cache", "clear-dead", "assign-receivers", "append", "delete", "clear"],
)
def test_what_code_does_while_holding_the_lock(Signal, under_lock):
    def scenario(Signal):
        signal = Signal()
        sender = Sender()
        handler = Handler("method")
        signal.connect(named("function"), weak=False)
        signal.connect(handler.method, sender=sender)
        signal.connect(named("strong"), weak=False)
        seen = [names(signal.send(sender))]
        del handler
        gc.collect()

        def work():
            with signal.lock:
                under_lock(signal)

        run_bounded(work)
        seen.append(names(signal.send(sender)))
        seen.append(names(signal.send(None)))
        seen.append(signal.has_listeners(sender))
        return seen

    both(Signal, scenario)


def test_assigning_the_cache_keeps_results_current(Signal):
    def scenario(Signal):
        signal = Signal()
        sender = Sender()
        signal.connect(named("first"), sender=sender, weak=False)
        seen = [names(signal.send(sender))]
        kept = dict(signal.sender_receivers_cache)  # as a helper that restores it would
        signal.connect(named("second"), sender=sender, weak=False)
        signal.sender_receivers_cache = kept  # plans from before the connect: never used
        seen.append(names(signal.send(sender)))
        return seen

    assert both(Signal, scenario) == [["first"], ["first", "second"]]


class RecordingLock:
    """A re-entrant lock that counts how often it was taken and is still held."""

    def __init__(self):
        self._lock = threading.RLock()
        self.taken = 0
        self.held = 0

    def acquire(self, *args, **kwargs):
        got = self._lock.acquire(*args, **kwargs)
        self.taken += got
        self.held += got
        return got

    def release(self):
        self.held -= 1
        self._lock.release()

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


def test_a_replaced_lock_is_the_one_taken(Signal):
    """Code may replace ``signal.lock`` (a re-entrant one, say): connect, disconnect and a
    sweep take that lock, and leave it free, as Django's do."""

    def scenario(Signal):
        signal = Signal()
        signal.lock = lock = RecordingLock()
        first, second = named("first"), named("second")
        signal.connect(first)
        signal.connect(second)
        taken_by_connects = lock.taken
        seen = [names(signal.send(None))]
        assert signal.disconnect(first)
        del first
        gc.collect()
        seen.append(names(signal.send(None)))  # the sweep of a dead receiver
        seen.append(signal.disconnect(second))
        assert lock.held == 0 and lock._lock.acquire(blocking=False)
        lock._lock.release()
        return seen, taken_by_connects >= 2, lock.taken > taken_by_connects

    assert both(Signal, scenario) == ([["first", "second"], ["second"], True], True, True)


def test_the_cache_takes_only_a_dict(signal):
    cache = signal.sender_receivers_cache
    with pytest.raises(TypeError, match="^sender_receivers_cache must be a dict, not 'list'.$"):
        signal.sender_receivers_cache = []
    assert signal.sender_receivers_cache is cache


def test_assigning_bad_receivers_changes_nothing(signal):
    signal.connect(named("kept"), weak=False)
    entries = signal.receivers
    for bad in ([("key", None)], [object()], [([], None, None, False)], 42):
        with pytest.raises(TypeError):
            signal.receivers = bad
        assert signal.receivers is entries
        assert names(signal.send(None)) == ["kept"]


def test_muting_from_many_threads_while_others_connect_and_send(Signal):
    """No hang, no lost connection, no error: the mute pattern against a busy signal."""
    signal = Signal()
    sender = Sender()
    signal.connect(named("base"), weak=False)
    keep = []
    errors = []
    rounds = 200

    def muter():
        for _ in range(rounds):
            saved = mute(signal)
            unmute(signal, saved)

    def connector(n):
        for i in range(rounds):
            receiver = named(f"r{n}-{i}")
            keep.append(receiver)
            signal.connect(receiver, sender=sender if i % 2 else None)

    def sender_thread():
        for _ in range(rounds):
            for response in signal.send_robust(sender):
                if isinstance(response[1], Exception):
                    errors.append(response[1])

    threads = [muter, muter, lambda: connector(0), lambda: connector(1), sender_thread, sender_thread]

    def run_all():
        workers = [threading.Thread(target=target) for target in threads]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    run_bounded(run_all)
    assert errors == []
    connected = sorted(r for _, r in signal.send(sender))
    assert connected == sorted(["base", *(f"r{n}-{i}" for n in (0, 1) for i in range(rounds))])
    assert len(signal.receivers) == 1 + 2 * rounds


# -- replaced methods: _live_receivers (APM agents), send, send_robust -----------------


def tracing(original, log):
    """A replacement of ``_live_receivers`` written as sentry-sdk writes it."""

    def _live_receivers(self, sender):
        if SPLIT:
            sync_receivers, async_receivers = original(self, sender)
        else:
            sync_receivers, async_receivers = original(self, sender), []

        def wrap(receiver):
            def wrapper(*args, **kwargs):
                log.append(receiver.__qualname__)
                return receiver(*args, **kwargs)

            wrapper.__qualname__ = f"traced {receiver.__qualname__}"
            return wrapper

        sync_receivers = [wrap(receiver) for receiver in sync_receivers]
        return (sync_receivers, async_receivers) if SPLIT else sync_receivers

    return _live_receivers


def every_send(signal, sender):
    """What each way of sending observes: responses, and the traced calls."""

    def failing(**kwargs):
        raise ValueError("failing")

    signal.connect(failing, sender=sender)
    observed = [names(signal.send_robust(sender)), signal.has_listeners(sender)]
    if ASYNC:
        observed.append(names(asyncio.run(signal.asend_robust(sender))))
    signal.disconnect(failing, sender=sender)
    observed.append(names(signal.send(sender)))
    if ASYNC:
        observed.append(names(asyncio.run(signal.asend(sender))))
    return observed


def connect_some(signal, sender):
    handler = Handler("method")
    signal.connect(named("function"), weak=False)
    signal.connect(handler.method, sender=sender, weak=False)
    return handler


@pytest.mark.parametrize("where", ["subclass", "class", "instance"])
def test_a_replaced_live_receivers_sees_every_send(Signal, where, monkeypatch):
    def scenario(Signal):
        log = []
        if where == "subclass":
            # As sentry-sdk does to django.dispatch.Signal, which install() makes a subclass.
            Signal = type("Traced", (Signal,), {})
            Signal._live_receivers = tracing(Signal._live_receivers, log)
        signal = Signal()
        sender = Sender()
        connect_some(signal, sender)
        before = every_send(signal, sender)  # warm: the replacement must still be seen
        if where == "class":
            monkeypatch.setattr(Signal, "_live_receivers", tracing(Signal._live_receivers, log))
        elif where == "instance":
            replacement = tracing(type(signal)._live_receivers, log).__get__(signal)
            patcher = mock.patch.object(signal, "_live_receivers", replacement)
            patcher.start()
        traced = every_send(signal, sender)
        calls = sorted(log)
        log.clear()
        if where == "class":
            monkeypatch.undo()
        elif where == "instance":
            patcher.stop()
        after = every_send(signal, sender)
        return [before, traced, calls, after, sorted(log) if where != "subclass" else []]

    before, traced, calls, after, calls_after = both(Signal, scenario)
    assert before == after
    assert calls and calls_after == []
    assert "function" in calls and "Handler.method" in calls


def test_a_replaced_send_and_send_robust_are_called(Signal, monkeypatch):
    def scenario(Signal):
        Subclass = type("Sub", (Signal,), {})
        signal = Subclass()
        signal.connect(named("function"), weak=False)
        seen = [names(signal.send(None))]
        monkeypatch.setattr(Subclass, "send", lambda self, sender, **named: ["class send"])
        seen.append(signal.send(None))
        with mock.patch.object(signal, "send_robust", return_value=["instance send_robust"]):
            seen.append(signal.send_robust(None))
        seen.append(names(signal.send_robust(None)))
        monkeypatch.undo()
        seen.append(names(signal.send(None)))
        return seen

    assert both(Signal, scenario) == [
        ["function"], ["class send"], ["instance send_robust"], ["function"], ["function"]
    ]


def test_a_subclass_overriding_live_receivers(Signal):
    class Filtering(Signal):
        def _live_receivers(self, sender):
            result = super()._live_receivers(sender)
            keep = [r for r in (result[0] if SPLIT else result) if r.__qualname__ != "hidden"]
            return (keep, result[1]) if SPLIT else keep

    signal = Filtering()
    signal.connect(named("shown"), weak=False)
    signal.connect(named("hidden"), weak=False)
    assert names(signal.send(None)) == ["shown"]
    assert names(signal.send_robust(None)) == ["shown"]
    assert names(asyncio.run(signal.asend(None))) == ["shown"]
    assert signal.has_listeners(None)
    assert signal.receivers_for(None)[0].__qualname__ == "shown"
