"""Named arguments at every count from 0 to ``MOST``, through every send method.

The compiled ``send`` lays the receivers' arguments out in one array: a
stack buffer of ``STACK_SIZE`` (16) slots while ``n_named + 3`` fit (a free
slot, ``signal``, ``sender``, the named arguments), a heap buffer beyond.
The buffer used one slot past its size went unnoticed by the default run
(only some fresh seeds of the fuzz found it), so the boundary is tested
here deterministically: every count of named arguments from 0 to ``MOST``,
with ``sender`` positional or by keyword at each position among them, for
``send``, ``send_robust``, ``asend`` and ``asend_robust``. Every kind of
receiver (a strong function, a weak function, a weak bound method, which
the compiled loop calls with its instance in the array's free slot, a
strong callable instance, and an asynchronous one) records exactly what it
received, in order, and its response; the same calls on Django's own
``Signal`` in the same test must observe the same. Every argument is a
distinct object, compared by identity, so a slot read from the wrong place
cannot pass for the right one.
"""

from __future__ import annotations

import asyncio

import django.dispatch
import pytest
from support import ASYNC_RECEIVERS

#: The most named arguments tried: past the stack buffer (16 slots) and well into the heap's.
MOST = 40
METHODS = ["send", "send_robust", "asend", "asend_robust"]
DJANGO_HAS_ASEND = hasattr(django.dispatch.Signal, "asend")


class Sender:
    pass


class Value:
    """An argument: distinct from every other, and named for the reports."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


class Seen:
    """The receivers of one signal and what they received."""

    def __init__(self, signal):
        self.signal = signal
        self.calls = []
        self.function = self.recorder("function")
        self.weak_function = self.recorder("weak_function")
        self.instance = CallableInstance(self)
        self.holder = MethodHolder(self)

        async def coroutine(**kwargs):
            return self.record("async", kwargs)

        self.coroutine = coroutine
        signal.connect(self.function, weak=False)
        signal.connect(self.weak_function)
        signal.connect(self.holder.method)
        signal.connect(self.instance, weak=False)
        if ASYNC_RECEIVERS:  # Django 4.2 would call it as any other, never awaiting it
            signal.connect(self.coroutine, weak=False)
        self.names = {
            self.function: "function", self.weak_function: "weak_function",
            self.holder.method: "method", self.instance: "instance",
            **({self.coroutine: "async"} if ASYNC_RECEIVERS else {}),
        }

    def recorder(self, name):
        def receiver(**kwargs):
            return self.record(name, kwargs)

        return receiver

    def record(self, name, kwargs):
        # What the receiver got, in order, with this signal standing for any signal.
        got = [(key, "SIGNAL" if value is self.signal else value) for key, value in kwargs.items()]
        self.calls.append((name, got))
        return (name, len(got))

    def responses(self, responses):
        return [(self.names[receiver], response) for receiver, response in responses]


class CallableInstance:
    def __init__(self, seen):
        self.seen = seen

    def __call__(self, **kwargs):
        return self.seen.record("instance", kwargs)


class MethodHolder:
    def __init__(self, seen):
        self.seen = seen

    def method(self, **kwargs):
        return self.seen.record("method", kwargs)


def cases():
    """``(named arguments, sender, where sender goes)`` for every count and position.

    ``where`` is None for ``sender`` passed positionally, else its index among the keywords.
    """
    sender = Sender()
    for count in range(MOST + 1):
        named = {f"k{i}": Value(f"k{i}") for i in range(count)}
        for where in [None, *range(count + 1)]:
            yield named, sender, where


def arguments(named, sender, where):
    """The positional and keyword arguments of one call."""
    if where is None:
        return (sender,), named
    items = list(named.items())
    items.insert(where, ("sender", sender))
    return (), dict(items)


def expected(named, sender):
    """What every receiver must receive, in Django's order."""
    return [("signal", "SIGNAL"), ("sender", sender), *named.items()]


def observe(Signal, method, calls_to_make):
    """Make ``calls_to_make`` through ``method`` of a fresh ``Signal``; return what its receivers saw."""
    seen = Seen(Signal())
    log = []

    def check(named, sender, where, responses):
        calls, seen.calls[:] = list(seen.calls), []
        want = expected(named, sender)
        # Each receiver once (in which order asend calls them is the flavour's: compared below).
        assert sorted(calls) == sorted((name, want) for name in seen.names.values()), (
            f"{len(named)} named arguments, sender at {where}"
        )
        log.append((len(named), where, seen.responses(responses), calls))

    if method.startswith("a"):

        async def run_all():
            for named, sender, where in calls_to_make:
                args, kwargs = arguments(named, sender, where)
                check(named, sender, where, await getattr(seen.signal, method)(*args, **kwargs))

        asyncio.run(run_all())
    else:
        for named, sender, where in calls_to_make:
            args, kwargs = arguments(named, sender, where)
            check(named, sender, where, getattr(seen.signal, method)(*args, **kwargs))
    return log


@pytest.mark.parametrize("method", METHODS)
def test_every_receiver_gets_exactly_the_named_arguments(Signal, method):
    if method.startswith("a") and not DJANGO_HAS_ASEND:
        pytest.skip("this Django has no asend to compare with (it came in 5.0)")
    calls_to_make = list(cases())  # the same arguments, the same objects, for both signals
    ours = observe(Signal, method, calls_to_make)
    assert len(ours) == sum(count + 2 for count in range(MOST + 1))
    assert ours == observe(django.dispatch.Signal, method, calls_to_make)
