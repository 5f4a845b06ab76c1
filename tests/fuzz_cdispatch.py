"""Fuzz the compiled backend's API with garbage input, in a process of its own.

Usage: ``python tests/fuzz_cdispatch.py SECONDS SEED``; ``test_fuzz.py`` runs it. Calls every public
method of ``cydispatch._cdispatch.Signal`` (and the unbound descriptors with
a wrong ``self``) with random arguments, from random receivers too (which
call back into the signal), for SECONDS; Python exceptions are expected and
counted. The process must end with exit status 0 and print ``ok``: a crash
of the interpreter (a segfault, an abort from a failed assertion in C) is a
failure, reported with faulthandler's traceback.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import logging
import random
import sys
import time
import weakref

faulthandler.enable()
logging.disable(logging.CRITICAL)  # send_robust logs every receiver error

from cydispatch import _cdispatch  # noqa: E402
from cydispatch._cdispatch import Signal  # noqa: E402


class Fuzzed(BaseException):
    """A BaseException a receiver may raise: it must propagate, and is caught here."""


class Obj:
    pass


class Slots:
    __slots__ = ("x",)


class Cyclic:
    def __init__(self):
        self.me = self


class BadHash:
    def __hash__(self):
        raise RuntimeError("no hash")

    def __eq__(self, other):
        raise RuntimeError("no eq")


class BadEqual:
    def __hash__(self):
        return 1

    def __eq__(self, other):
        raise RuntimeError("no eq")


class BadBool:
    def __bool__(self):
        raise RuntimeError("no bool")

    def __hash__(self):
        return 2


class WeirdStr(str):
    def __hash__(self):
        return 3

    def __eq__(self, other):
        return False


def plain(**kwargs):
    return "plain"


def no_kwargs(sender):
    return "no kwargs"


async def coroutine(**kwargs):
    return "coroutine"


class Fuzzer:
    def __init__(self, rng):
        self.rng = rng
        self.signals = [Signal(), Signal(use_caching=True)]
        self.depth = 0
        self.calls = 0
        self.errors = 0
        self.keep = []  # objects kept alive a while, dropped at random
        # Garbage put into ``signal.receivers`` holds no re-entrant receiver:
        # the signal calls an entry's sender reference under its lock (in
        # the sweep), and one that connects would deadlock, in either
        # backend, by design of the (non-reentrant) lock, not crash.
        self.inert = 0

    # -- garbage -------------------------------------------------------------------

    def receiver(self):
        """A callable that, when called, does random things to the signals."""
        rng = self.rng
        kind = rng.randrange(6)
        if self.inert and kind < 2:
            kind = 2
        fuzzer = self

        def reentrant(**kwargs):
            fuzzer.step(budget=2)
            choice = rng.randrange(10)
            if choice == 0:
                raise ValueError("receiver error")
            if choice == 1:
                raise Fuzzed
            return kwargs.get("sender")

        if kind == 0:
            return reentrant
        if kind == 1:

            class Holder:
                def method(self, **kwargs):
                    return reentrant(**kwargs)

            holder = Holder()
            self.keep.append(holder)
            return holder.method
        if kind == 2:
            return plain
        if kind == 3:
            return no_kwargs
        if kind == 4:
            return coroutine
        return lambda **kwargs: rng.random()

    def value(self, depth=0):
        rng = self.rng
        kind = rng.randrange(30)
        simple = [
            None, 0, 1, -1, 2**100, 1.5, float("nan"), "", "x", "signal", "sender", b"b",
            (), [], {}, set(), object, Obj, type, Signal, self.signals[0],
        ]
        if kind < 8:
            return rng.choice(simple)
        if kind < 11:
            return rng.choice([Obj(), Slots(), Cyclic(), object(), BadHash(), BadEqual(), BadBool(), WeirdStr("w")])
        if kind < 15:
            return self.receiver()
        if kind < 17 and self.keep and not self.inert:
            return rng.choice(self.keep)
        if kind < 18:
            return weakref.ref(Obj)
        if kind < 20 and depth < 2:
            return tuple(self.value(depth + 1) for _ in range(rng.randrange(5)))
        if kind < 21 and depth < 2:
            return [self.value(depth + 1) for _ in range(rng.randrange(5))]
        if kind < 22:
            entries = list(rng.choice(self.signals).receivers)
            return rng.choice(entries) if entries else ()
        if kind < 23:
            return rng.choice(self.signals)
        if kind < 24:
            return Signal.send
        return rng.choice(simple)

    def inert_value(self):
        self.inert += 1
        try:
            return self.value()
        finally:
            self.inert -= 1

    def kwargs(self):
        rng = self.rng
        names = ["a", "b", "value", "signal", "sender", "x" * 50, "é", "_"]
        n = rng.choice([0, 0, 1, 2, 5, 12, 13, 14, 15, 40])
        if 12 <= n <= 15:
            # n distinct names, around the end of send's keyword stack buffer (16 slots,
            # of which the named arguments but "sender" and 3 more take one each).
            chosen = rng.sample(["sender", "signal", *(f"k{i}" for i in range(30))], n)
            return {name: self.value() for name in chosen}
        return {
            (rng.choice(names) if rng.random() < 0.7 else f"k{rng.randrange(100)}"): self.value()
            for _ in range(n)
        }

    def args(self):
        return [self.value() for _ in range(self.rng.choice([0, 1, 1, 1, 2, 3, 5]))]

    # -- operations -------------------------------------------------------------------

    def operations(self, signal):
        rng = self.rng
        v, args, kwargs = self.value, self.args, self.kwargs
        return [
            lambda: signal.connect(*args(), **kwargs()),
            lambda: signal.connect(v(), sender=v(), weak=v(), dispatch_uid=v()),
            lambda: signal.connect(self.receiver(), v(), rng.random() < 0.5),
            lambda: signal._connect(v(), v(), v(), v()),
            lambda: signal.disconnect(*args(), **kwargs()),
            lambda: signal.disconnect(v(), sender=v(), dispatch_uid=v()),
            lambda: signal.send(*args(), **kwargs()),
            lambda: signal.send(v(), **kwargs()),
            lambda: signal.send(sender=v(), **kwargs()),
            lambda: signal.send_robust(*args(), **kwargs()),
            lambda: signal.send_robust(v(), **kwargs()),
            lambda: signal.has_listeners(*args()),
            lambda: signal._live_receivers(v()),
            lambda: signal.receivers_for(*args()),
            lambda: signal._clear_dead_receivers(),
            lambda: setattr(signal, "receivers", self.inert_value()),
            lambda: setattr(signal, "receivers", [self.inert_value() for _ in range(rng.randrange(4))]),
            lambda: setattr(signal, "receivers", tuple(self.inert_value() for _ in range(rng.randrange(4)))),
            lambda: setattr(signal, "receivers", list(rng.choice(self.signals).receivers)),
            lambda: signal.receivers.append(self.inert_value()),
            lambda: signal.receivers.extend([self.inert_value() for _ in range(rng.randrange(3))]),
            lambda: signal.receivers.clear(),
            lambda: signal.receivers.reverse(),
            lambda: signal.receivers.insert(rng.randrange(-3, 3), self.inert_value()),
            lambda: signal.receivers.pop(),
            lambda: signal.receivers.__setitem__(rng.randrange(-2, 2), self.inert_value()),
            lambda: signal.sender_receivers_cache.clear(),
            lambda: signal.sender_receivers_cache.__setitem__(v(), v()),
            lambda: signal.sender_receivers_cache.__setitem__(id(v()), v()),
            lambda: signal.sender_receivers_cache.popitem(),
            lambda: signal.sender_receivers_cache.update({k: v() for k in list(signal.sender_receivers_cache)}),
            lambda: setattr(signal, "_dead_receivers", v()),
            lambda: setattr(signal, "_muted", rng.choice([0, 1, -1, 2**62, v()])),
            lambda: setattr(signal, "_send_frame", rng.choice([None, v(), lambda calls: calls()])),
            lambda: setattr(signal, "lock", rng.choice([signal.lock, v()])),
            lambda: self.with_block(signal.connected_to(*args(), **kwargs())),
            lambda: self.with_block(signal.connected_to(self.receiver(), v())),
            lambda: self.with_block(signal.muted()),
            lambda: Signal.send(v(), *args(), **kwargs()),
            lambda: Signal.send_robust(v(), *args(), **kwargs()),
            lambda: Signal.connect(v(), *args()),
            lambda: Signal.disconnect(v(), *args()),
            lambda: Signal.has_listeners(v(), *args()),
            lambda: Signal._live_receivers(v(), *args()),
            lambda: Signal.send.__get__(v(), Signal)(*args(), **kwargs()),
            lambda: Signal.send.__get__(None, v())(*args(), **kwargs()),
            lambda: Signal.send.__get__(signal)(*args(), **kwargs()),
            lambda: Signal.send_robust.__get__(v())(*args()),
            lambda: Signal.receivers.__get__(v()),
            lambda: Signal.receivers.__set__(v(), v()),
            lambda: Signal.sender_receivers_cache.__get__(v()),
            lambda: Signal.__init__(signal, *args(), **kwargs()),
            lambda: Signal.__init__(v(), *args()),
            lambda: Signal(*args(), **kwargs()),
            lambda: Signal.__new__(Signal).send(v(), **kwargs()),
            lambda: Signal.__new__(Signal).connect(v()),
            lambda: Signal.__new__(Signal).has_listeners(v()),
            lambda: self.run_async(signal.asend(*args(), **kwargs())),
            lambda: self.run_async(signal.asend_robust(*args(), **kwargs())),
            lambda: repr(signal),
            lambda: self.keep.pop(rng.randrange(len(self.keep))) if self.keep else None,
            lambda: gc.collect(rng.randrange(3)),
            lambda: self.signals.__setitem__(rng.randrange(len(self.signals)), Signal(v())),
        ]

    def with_block(self, manager):
        with manager:
            self.step(budget=3)

    def run_async(self, coroutine_object):
        if self.depth > 1 or self.rng.random() < 0.7:
            coroutine_object.close()  # not run: still must not crash
            return None
        return asyncio.run(coroutine_object)

    def step(self, budget):
        if self.depth >= 4:
            return
        self.depth += 1
        try:
            for _ in range(self.rng.randrange(budget + 1)):
                signal = self.rng.choice(self.signals)
                operation = self.rng.choice(self.operations(signal))
                self.calls += 1
                try:
                    operation()
                except (Exception, Fuzzed):
                    self.errors += 1
        finally:
            self.depth -= 1
        if len(self.keep) > 50:
            del self.keep[:25]


def main():
    seconds = float(sys.argv[1])
    seed = int(sys.argv[2])
    fuzzer = Fuzzer(random.Random(seed))
    end = time.monotonic() + seconds
    sys.setrecursionlimit(10_000)
    while time.monotonic() < end:
        try:
            fuzzer.step(budget=8)
        except (Exception, Fuzzed):
            # From outside any operation: a with-block's exit, for instance.
            fuzzer.errors += 1
    calls, errors = fuzzer.calls, fuzzer.errors
    del fuzzer
    gc.collect()
    assert _cdispatch.Signal is Signal
    print(f"ok calls={calls} errors={errors}", file=sys.stderr)


if __name__ == "__main__":
    main()
