"""What the many-senders and many-receivers scenarios of ``scenarios.py`` are made of.

* ``Store``: a plain, model-like class; every instance is a distinct sender,
  as in the seed's ``send(sender=self)``.
* ``make_sender_receivers``: receivers that return the sender they were
  called for, so that a result shows which sender a send came from.
* ``django_without_duplicate_scan``: builds a Django signal with thousands
  of receivers in linear time (see there).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Django's connect scans every connection; from this many receivers on it is skipped.
BULK_FROM = 1_000
#: The name every receiver of ``make_sender_receivers`` starts with (its index follows).
SENDER_RECEIVER = "sender_receiver_"


class Store:
    """A model-like sender: each instance is a sender of its own (``send(sender=self)``).

    It has no ``__init__``: making one costs as little as making an instance
    can, so in "a new sender per send" the dispatch, not the instance, is
    what the ratios weigh. Instances are weakly referenceable and hashed by
    identity, like most objects (and as Django's ``use_caching`` requires).
    """


def _returns_sender(sender: Any, a: Any, b: Any, **named: Any) -> Any:
    return sender


def make_sender_receivers(count: int) -> list[Callable[..., Any]]:
    """``count`` distinct functions ``f(sender, a, b, **named)`` that return ``sender``.

    Each has a code object of its own, named ``sender_receiver_<index>``, so
    that a profile hook can tell which one ran (closures would share one code
    object and need a variable read per call to tell them apart).
    """
    receivers: list[Callable[..., Any]] = []
    for index in range(count):
        name = f"{SENDER_RECEIVER}{index}"
        code = _returns_sender.__code__.replace(co_name=name)
        receiver = types.FunctionType(code, _returns_sender.__globals__, name)
        receiver.__qualname__ = name
        receivers.append(receiver)
    return receivers


def sender_receiver_index(name: str) -> int | None:
    """The index in a ``make_sender_receivers`` code or function name, else None."""
    return int(name[len(SENDER_RECEIVER):]) if name.startswith(SENDER_RECEIVER) else None


class _NoDuplicateScan(list):  # type: ignore[type-arg]
    """A list that iterates as empty: Django's ``connect`` then finds no duplicate at once."""

    def __iter__(self) -> Any:
        return iter(())


@contextmanager
def django_without_duplicate_scan(signal: Any) -> Iterator[None]:
    """Connect to a Django ``signal`` inside this block without Django's duplicate scan.

    Django's ``connect`` looks for a duplicate by scanning every connection
    (O(N) each: 10,000 connects take seconds, 30,000 minutes). A workload's
    receivers are distinct by construction, so for thousands of them the scan
    is made to find nothing at once: each connection still goes through
    Django's own ``connect`` (its weak reference, finalizer and entry), and
    ``signal.receivers`` is a plain list again afterwards, so what gets timed
    scans the real list.
    """
    appended = _NoDuplicateScan(signal.receivers)
    signal.receivers = appended
    try:
        yield
    finally:
        replaced = signal.receivers is not appended
        signal.receivers = list.copy(signal.receivers)  # list() would iterate it: empty
    # A Django that rebuilds its list while connecting (dead receivers) would drop entries.
    assert not replaced, "Django replaced its list of receivers while connecting"
