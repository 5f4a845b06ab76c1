"""Bad input: a clear error, and nothing changed.

``test_validation.py``, ``test_connect.py``, ``test_send.py``,
``test_send_robust.py`` and ``test_signal_init.py`` check that each bad
input is refused. Here, one table: each bad call is made on a signal that
already has connections of every kind (weak and strong, for any sender and
for one sender, with a ``dispatch_uid``) and whose per-sender cache is warm;
afterwards ``signal.receivers`` holds the very same entries, the cache still
answers, and every kind of send returns what it returned before.
"""

from __future__ import annotations

import asyncio
import logging
import re

import pytest


class Sender:
    pass


class Handler:
    def method(self, **kwargs):
        return "method"


class NotWeak:
    __slots__ = ()

    def __call__(self, **kwargs):
        return "not weak"


def function(**kwargs):
    return "function"


def no_kwargs(sender):
    return "no kwargs"


CALLABLE = "Signal receivers must be callable."
KWARGS = "Signal receivers must accept keyword arguments (**kwargs)."
#: Django's own message (from weakref); cydispatch adds its hint as a note.
WEAK = "cannot create weak reference to 'NotWeak' object"
PROVIDING = "providing_args must be a list of argument names (strings)."

#: id -> (bad call (signal, world), exception type, message regular expression).
BAD_CALLS = {
    "non-callable": (lambda s, w: s.connect(42), TypeError, re.escape(CALLABLE)),
    "non-callable-strong-for-sender": (
        lambda s, w: s.connect("text", sender=w.sender, weak=False, dispatch_uid="u2"),
        TypeError,
        re.escape(CALLABLE),
    ),
    "weak-not-weakrefable": (lambda s, w: s.connect(NotWeak()), TypeError, re.escape(WEAK)),
    "weak-not-weakrefable-for-sender": (
        lambda s, w: s.connect(NotWeak(), sender=w.sender, weak=True), TypeError, re.escape(WEAK)
    ),
    "no-kwargs": (lambda s, w: s.connect(no_kwargs), ValueError, re.escape(KWARGS)),
    "no-kwargs-strong-uid": (
        lambda s, w: s.connect(no_kwargs, weak=False, dispatch_uid="uid"), ValueError, re.escape(KWARGS)
    ),
    "send-without-sender": (lambda s, w: s.send(), TypeError, r"missing 1 required positional argument: 'sender'"),
    "send-robust-without-sender": (
        lambda s, w: s.send_robust(), TypeError, r"missing 1 required positional argument: 'sender'"
    ),
    "send-positional-named": (lambda s, w: s.send(None, 1), TypeError, r"positional argument"),
    "asend-without-sender": (
        lambda s, w: asyncio.run(s.asend()), TypeError, r"missing 1 required positional argument: 'sender'|"
        r"takes exactly 1 positional argument \(0 given\)",  # Cython's wording
    ),
    "asend-robust-without-sender": (
        lambda s, w: asyncio.run(s.asend_robust()), TypeError, r"missing 1 required positional argument: 'sender'|"
        r"takes exactly 1 positional argument \(0 given\)",  # Cython's wording
    ),
    "providing-args-str": (
        lambda s, w: type(s)(providing_args="ab"), TypeError, re.escape(PROVIDING)
    ),
    "providing-args-not-strings": (
        lambda s, w: type(s)(providing_args=["a", 1]), TypeError, re.escape(PROVIDING)
    ),
}


class World:
    def __init__(self, signal):
        self.sender = Sender()
        self.handler = Handler()
        self.not_weak = NotWeak()
        signal.connect(function)
        signal.connect(self.handler.method, sender=self.sender)
        signal.connect(self.not_weak, weak=False)
        signal.connect(function, sender=self.sender, dispatch_uid="uid")


def observe(signal, world):
    """Everything a user can see of the signal, by sending and asking."""
    return [
        signal.send(None, x=1),
        signal.send(world.sender, x=1),
        signal.send_robust(world.sender, x=1),
        asyncio.run(signal.asend(world.sender, x=1)),
        asyncio.run(signal.asend_robust(world.sender, x=1)),
        signal.has_listeners(world.sender),
        signal.receivers_for(world.sender),
    ]


def expected_observation(world):
    return [
        [(function, "function"), (world.not_weak, "not weak")],
        [(function, "function"), (world.handler.method, "method"), (world.not_weak, "not weak"),
         (function, "function")],
    ]


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_input_changes_nothing(signal, call):
    bad_call, error, message = call
    world = World(signal)
    before = observe(signal, world)  # warms the cache too
    assert before[:2] == expected_observation(world)
    entries = list(signal.receivers)
    cached = dict(signal.sender_receivers_cache)
    assert cached

    with pytest.raises(error, match=message):
        bad_call(signal, world)

    assert len(signal.receivers) == len(entries)
    assert all(a is b for a, b in zip(signal.receivers, entries)), "an entry was replaced"
    assert observe(signal, world) == before


class CustomBaseException(BaseException):
    pass


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit, CustomBaseException])
@pytest.mark.parametrize("method", ["send_robust", "asend_robust"])
def test_base_exception_in_a_robust_send_propagates_and_changes_nothing(signal, method, exc_type):
    world = World(signal)
    raising = {"on": True}

    def interrupting(**kwargs):
        if raising["on"]:
            raise exc_type("stop")
        return "interrupting"

    signal.connect(interrupting)
    entries = list(signal.receivers)
    logger = logging.getLogger("django.dispatch")
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        with pytest.raises(exc_type, match="^stop$"):
            if method == "send_robust":
                signal.send_robust(world.sender)
            else:
                asyncio.run(signal.asend_robust(world.sender))
    finally:
        logger.removeHandler(handler)
    assert records == []  # propagated, not logged as a receiver's error
    assert all(a is b for a, b in zip(signal.receivers, entries)) and len(signal.receivers) == len(entries)
    raising["on"] = False
    assert signal.send_robust(world.sender)[-1] == (interrupting, "interrupting")
    assert signal.send(None)[-1] == (interrupting, "interrupting")
