"""Asynchronous receivers, ``asend`` and ``asend_robust``; async receivers in ``send``.

How they are scheduled, and what escapes when they fail, follows the
installed Django: those tests run the same scenario on Django's Signal too.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading

import django
import django.dispatch
import pytest
from support import needs_async_receivers

LOGGER = "django.dispatch"
#: Bounds every wait of these tests, so a broken implementation fails instead of hanging.
TIMEOUT = 10
#: How long a synchronous receiver waits for an asynchronous one that should overlap it.
OVERLAP_WAIT = 1.0
#: Up to Django 6.0 asend runs its synchronous batch concurrently with the
#: asynchronous receivers, gathered; from 6.1 before them, in a task group.
CONCURRENT_ASEND = django.VERSION < (6, 1)
#: Django before 5.0 has no asynchronous receivers to compare with.
DJANGO_HAS_ASEND = hasattr(django.dispatch.Signal, "asend")
# With Django 4.2 cydispatch calls an async receiver as any other, as 4.2
# does (tests/test_patching_idioms.py compares it with 4.2's).
pytestmark = needs_async_receivers


def make_sync(name, calls=None):
    def receiver(**kwargs):
        if calls is not None:
            calls.append(name)
        return name

    receiver.__qualname__ = name
    return receiver


def make_async(name, calls=None):
    async def receiver(**kwargs):
        if calls is not None:
            calls.append(name)
        await asyncio.sleep(0)
        return name

    receiver.__qualname__ = name
    return receiver


def connect_mixed(signal):
    """Connect a1, s1, a2, s2 (in that order); return them by name."""
    receivers = {
        "a1": make_async("a1"),
        "s1": make_sync("s1"),
        "a2": make_async("a2"),
        "s2": make_sync("s2"),
    }
    for receiver in receivers.values():
        signal.connect(receiver)
    return receivers


# -- results and their order ---------------------------------------------------


@pytest.mark.parametrize("method", ["asend", "asend_robust"])
def test_asend_without_receivers(signal, method):
    assert asyncio.run(getattr(signal, method)(None)) == []


@pytest.mark.parametrize("method", ["asend", "asend_robust"])
def test_asend_without_sender_is_a_type_error(signal, method):
    async def main():
        await getattr(signal, method)()

    with pytest.raises(TypeError):
        asyncio.run(main())


@pytest.mark.parametrize("method", ["asend", "asend_robust", "send", "send_robust"])
def test_results_sync_first_then_async_each_in_connection_order(signal, method):
    receivers = connect_mixed(signal)
    if method.startswith("a"):
        responses = asyncio.run(getattr(signal, method)(None))
    else:
        responses = getattr(signal, method)(None)
    assert responses == [(receivers[name], name) for name in ("s1", "s2", "a1", "a2")]


@pytest.mark.parametrize("method", ["asend", "asend_robust"])
def test_asend_only_sync_receivers(signal, method):
    s1, s2 = make_sync("s1"), make_sync("s2")
    signal.connect(s1)
    signal.connect(s2)
    assert asyncio.run(getattr(signal, method)(None)) == [(s1, "s1"), (s2, "s2")]


@pytest.mark.parametrize("method", ["asend", "asend_robust", "send", "send_robust"])
def test_only_async_receivers(signal, method):
    a1, a2 = make_async("a1"), make_async("a2")
    signal.connect(a1)
    signal.connect(a2)
    if method.startswith("a"):
        responses = asyncio.run(getattr(signal, method)(None))
    else:
        responses = getattr(signal, method)(None)
    assert responses == [(a1, "a1"), (a2, "a2")]


@pytest.mark.parametrize("method", ["asend", "asend_robust", "send", "send_robust"])
def test_async_receivers_get_signal_sender_and_named(signal, method):
    seen = []

    async def receiver(**kwargs):
        seen.append(kwargs)

    class Sender:
        pass

    sender = Sender()
    signal.connect(receiver, sender=sender)
    if method.startswith("a"):
        asyncio.run(getattr(signal, method)(sender, x=1))
    else:
        getattr(signal, method)(sender, x=1)
    assert seen == [{"signal": signal, "sender": sender, "x": 1}]


def test_asend_respects_senders(signal):
    class Sender:
        pass

    sender = Sender()
    a, s = make_async("a"), make_sync("s")
    signal.connect(a, sender=sender)
    signal.connect(s, sender=sender)
    assert asyncio.run(signal.asend(None)) == []
    assert asyncio.run(signal.asend(sender)) == [(s, "s"), (a, "a")]


def test_async_bound_method_and_weak_reference(signal):
    class Handler:
        async def method(self, **kwargs):
            return "method"

    handler = Handler()
    signal.connect(handler.method)
    assert signal.send(None) == [(handler.method, "method")]
    assert asyncio.run(signal.asend(None)) == [(handler.method, "method")]


def test_asend_from_a_running_loop_keeps_working(signal):
    receivers = connect_mixed(signal)

    async def main():
        first = await signal.asend(None)
        second = await signal.asend_robust(None)
        return first, second

    first, second = asyncio.run(main())
    expected = [(receivers[name], name) for name in ("s1", "s2", "a1", "a2")]
    assert first == expected
    assert second == expected


# -- how receivers are run ----------------------------------------------------


@pytest.mark.parametrize("method", ["asend", "asend_robust", "send", "send_robust"])
def test_async_receivers_run_concurrently(signal, method):
    """Each receiver waits for an event that only the other one sets."""
    # Since Python 3.10 an asyncio.Event binds to the loop that first waits on
    # it, so these work in asyncio.run's loop and in async_to_sync's alike.
    events = {"first": asyncio.Event(), "second": asyncio.Event()}

    def make(mine, theirs):
        async def receiver(**kwargs):
            events[mine].set()
            await asyncio.wait_for(events[theirs].wait(), TIMEOUT)
            return mine

        return receiver

    first, second = make("first", "second"), make("second", "first")
    signal.connect(first)
    signal.connect(second)
    if method.startswith("a"):
        responses = asyncio.run(getattr(signal, method)(None))
    else:
        responses = getattr(signal, method)(None)
    assert responses == [(first, "first"), (second, "second")]


def test_asend_sync_receivers_run_in_one_batch_in_order(signal):
    """The sync receivers share one ``sync_to_async`` call: one thread, one context."""
    var = contextvars.ContextVar("batch")
    threads = []

    def first(**kwargs):
        threads.append(threading.get_ident())
        var.set("set by first")
        return "first"

    def second(**kwargs):
        threads.append(threading.get_ident())
        return var.get("unset")

    signal.connect(first)
    signal.connect(second)

    async def main():
        return threading.get_ident(), await signal.asend(None)

    loop_thread, responses = asyncio.run(main())
    assert responses == [(first, "first"), (second, "set by first")]
    assert len(threads) == 2 and threads[0] == threads[1]
    assert threads[0] != loop_thread  # not run on the event loop


@pytest.mark.parametrize("method", ["asend", "asend_robust"])
def test_asend_schedules_the_sync_batch_as_django_does(Signal, method):
    """Up to Django 6.0 the sync batch and the async receivers overlap, both ways;
    from 6.1 the sync batch runs first, and ends before the async receivers start.

    Overlap is shown from each side: the async receiver waits (on the event
    loop) for the sync one to be running, and the sync one (in its thread)
    waits for the async one to have seen it. Each returns whether its wait
    succeeded: run one after the other, in either order, neither does.
    """

    def scenario(Signal):
        signal = Signal()
        events = []
        sync_running, async_saw_sync = threading.Event(), threading.Event()

        def sync_receiver(**kwargs):
            events.append("sync starts")
            sync_running.set()
            overlapped = async_saw_sync.wait(OVERLAP_WAIT)
            sync_running.clear()
            events.append("sync ends")
            return overlapped

        async def async_receiver(**kwargs):
            events.append("async starts")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + OVERLAP_WAIT
            while not sync_running.is_set() and loop.time() < deadline:
                await asyncio.sleep(0.001)
            overlapped = sync_running.is_set()
            if overlapped:
                async_saw_sync.set()
            events.append("async ends")
            return overlapped

        signal.connect(sync_receiver)
        signal.connect(async_receiver)
        responses = asyncio.run(getattr(signal, method)(None))
        assert [receiver for receiver, _ in responses] == [sync_receiver, async_receiver]
        return [response for _, response in responses], events

    results, events = scenario(Signal)
    if CONCURRENT_ASEND:
        assert results == [True, True]
        # Each started before the other ended (their starts race).
        assert events.index("sync starts") < events.index("async ends")
        assert events.index("async starts") < events.index("sync ends")
    else:
        assert results == [False, False]
        assert events == ["sync starts", "sync ends", "async starts", "async ends"]
    if DJANGO_HAS_ASEND:
        django_results, django_events = scenario(django.dispatch.Signal)
        assert django_results == results
        if not CONCURRENT_ASEND:
            assert django_events == events


async def slow_async(**kwargs):
    for _ in range(3):
        await asyncio.sleep(0)
    kwargs["events"].append("slow finished")
    return "slow"


def failing_async_named(name):
    async def receiver(**kwargs):
        kwargs["events"].append(f"{name} raises")
        raise ValueError(name)

    return receiver


@pytest.mark.parametrize("method", ["send", "asend"])
@pytest.mark.parametrize("failing", [1, 2])
def test_failing_async_receivers_end_a_send_as_django_does(Signal, method, failing):
    """Gathered up to Django 6.0 (the first error propagates, the others run on); a
    task group from 6.1 (the others are cancelled; two errors raise an ExceptionGroup)."""

    def scenario(Signal):
        signal = Signal()
        events = []
        receivers = [failing_async_named(f"failure {n}") for n in range(failing)]
        for receiver in [*receivers, slow_async]:
            signal.connect(receiver)
        try:
            if method == "send":
                signal.send(None, events=events)
            else:
                asyncio.run(signal.asend(None, events=events))
        except ValueError as err:
            outcome = ["ValueError", str(err)]
        except Exception as err:  # an ExceptionGroup (Python 3.11+)
            outcome = [type(err).__name__, sorted(str(e) for e in err.exceptions)]
        return outcome, events

    events = [f"failure {n} raises" for n in range(failing)]
    if CONCURRENT_ASEND:  # the others run on
        expected = (["ValueError", "failure 0"], [*events, "slow finished"])
    elif failing == 1:  # the others are cancelled
        expected = (["ValueError", "failure 0"], events)
    else:
        expected = (["ExceptionGroup", [f"failure {n}" for n in range(failing)]], events)
    assert scenario(Signal) == expected
    if DJANGO_HAS_ASEND:
        assert scenario(django.dispatch.Signal) == expected


def test_send_runs_sync_receivers_before_async_ones(signal):
    calls = []
    receivers = [make_async("a1", calls), make_sync("s1", calls)]
    receivers += [make_async("a2", calls), make_sync("s2", calls)]
    for receiver in receivers:
        signal.connect(receiver)
    signal.send(None)
    assert calls[:2] == ["s1", "s2"]
    assert sorted(calls[2:]) == ["a1", "a2"]


def test_send_from_a_running_event_loop_with_async_receivers_is_refused(signal):
    # async_to_sync cannot run inside an event loop's thread (as in Django).
    receiver = make_async("a")
    signal.connect(receiver)

    async def main():
        signal.send(None)

    with pytest.raises(RuntimeError):
        asyncio.run(main())


def test_send_from_a_running_event_loop_with_sync_receivers_only(signal):
    s = make_sync("s")
    signal.connect(s)

    async def main():
        return signal.send(None)

    assert asyncio.run(main()) == [(s, "s")]


# -- errors ----------------------------------------------------------------------


async def failing_async(**kwargs):
    raise ValueError("async boom")


def failing_sync(**kwargs):
    raise ValueError("sync boom")


@pytest.mark.parametrize("failing", [failing_async, failing_sync], ids=["async", "sync"])
def test_asend_propagates_errors(signal, failing):
    receiver = make_async("a")
    signal.connect(receiver)
    signal.connect(failing)
    with pytest.raises(ValueError, match="boom"):
        asyncio.run(signal.asend(None))


def test_send_propagates_async_errors(signal):
    signal.connect(failing_async)
    with pytest.raises(ValueError, match="^async boom$"):
        signal.send(None)


def test_send_stops_before_async_receivers_when_a_sync_one_fails(signal):
    calls = []
    receiver = make_async("a", calls)
    signal.connect(receiver)
    signal.connect(failing_sync)
    with pytest.raises(ValueError, match="^sync boom$"):
        signal.send(None)
    assert calls == []


@pytest.mark.parametrize("method", ["asend_robust", "send_robust"])
def test_robust_catches_async_and_sync_errors(signal, method, caplog):
    ok_sync, ok_async = make_sync("ok_sync"), make_async("ok_async")
    for receiver in (failing_async, ok_sync, failing_sync, ok_async):
        signal.connect(receiver)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        if method.startswith("a"):
            responses = asyncio.run(getattr(signal, method)(None))
        else:
            responses = getattr(signal, method)(None)
    assert [r for r, _ in responses] == [ok_sync, failing_sync, failing_async, ok_async]
    assert responses[0][1] == "ok_sync"
    assert responses[3][1] == "ok_async"
    for _, err in responses[1:3]:
        assert type(err) is ValueError
        assert err.__traceback__ is not None
    messages = sorted(r.getMessage() for r in caplog.records if r.name == LOGGER)
    assert messages == [
        f"Error calling {failing_async.__qualname__} in Signal.send_robust() (async boom)",
        f"Error calling {failing_sync.__qualname__} in Signal.send_robust() (sync boom)",
    ]
    for record in caplog.records:
        assert record.levelno == logging.ERROR
        assert isinstance(record.exc_info[1], ValueError)


@pytest.mark.parametrize("method", ["asend_robust", "send_robust"])
def test_robust_lets_base_exceptions_of_async_receivers_through(signal, method):
    class Stop(BaseException):
        pass

    async def stopping(**kwargs):
        raise Stop

    signal.connect(stopping)
    with pytest.raises(Stop):
        if method.startswith("a"):
            asyncio.run(getattr(signal, method)(None))
        else:
            getattr(signal, method)(None)
