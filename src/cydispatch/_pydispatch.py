"""The pure-Python backend: the readable, fully typed reference implementation.

The compiled backend (``_cdispatch.pyx``) mirrors this module name for name.

A signal keeps its connections in ``receivers``, one entry per connection
(see ``_entries``), in connection order, and indexes them by lookup key.

``send`` does not scan that list. ``sender_receivers_cache`` maps ``id(sender)``
to a *plan*: the references of the receivers that sender reaches, already
split into synchronous and asynchronous ones. Every change to the
connections empties the cache; a plan is rebuilt, under the lock, on the next
send from that sender. A plan holds no strong reference to its sender and is
checked against the sender's identity, so an object that reuses a dead
sender's id never gets its plan.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable, Iterable
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from . import _bridge, _conveniences
from ._calls import Receiver, Responses, call_receivers_robust
from ._entries import Entry, ReceiverList, index_entries, is_dead, make_entry
from ._keys import LookupKey, lookup_key
from ._refs import Ref, identity_ref, strong_ref, sweep_flagger
from ._validation import normalize_signal_args

__all__ = ["Signal"]

#: How many senders' plans a signal keeps before it prunes the cache.
CACHE_LIMIT = 512


class Plan(NamedTuple):
    """What a send from one sender calls: references to its live receivers."""

    sender_ref: Ref | None
    sync_refs: tuple[Ref, ...]
    async_refs: tuple[Ref, ...]


def _dispatch_ref(receiver: Any) -> Ref:
    return receiver if isinstance(receiver, weakref.ReferenceType) else strong_ref(receiver)


class Signal:
    """A signal that receivers connect to and that senders send.

    ``use_caching`` is accepted for compatibility with Django: cydispatch
    always keeps per-sender caches, which (unlike Django's) work with any
    sender. ``providing_args``, from Django up to 3.2, is kept as
    ``self.providing_args`` for documentation only.
    """

    def __init__(
        self, use_caching: bool = False, providing_args: Iterable[str] | None = None
    ) -> None:
        self.use_caching, self.providing_args = normalize_signal_args(use_caching, providing_args)
        self.lock = threading.Lock()
        # Called when a receiver or sender dies, or receivers change in place.
        self._flag_sweep = sweep_flagger(self)
        self._receivers = ReceiverList((), self._flag_sweep)
        self._index: dict[LookupKey, Entry] = {}
        self.sender_receivers_cache: dict[int, Plan] = {}
        self._dead_receivers = False
        self._muted = 0

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} at {id(self):#x}>"

    @property
    def receivers(self) -> list[Entry]:
        """The connections, in connection order. Assign a list to replace them all."""
        return self._receivers

    @receivers.setter
    def receivers(self, entries: list[Entry]) -> None:
        with self.lock:
            self._set_receivers(entries)

    def _set_receivers(self, entries: Iterable[Entry]) -> None:
        # The caller holds self.lock.
        self._receivers = ReceiverList(entries, self._flag_sweep)
        self._index = index_entries(self._receivers)
        self.sender_receivers_cache.clear()

    def connect(
        self,
        receiver: Receiver,
        sender: Any = None,
        weak: bool = True,
        dispatch_uid: Hashable | None = None,
    ) -> None:
        """Connect ``receiver`` to this signal, for ``sender`` or for every sender.

        receiver
            A callable accepting keyword arguments (``**kwargs``); it may be
            asynchronous. It is called as ``receiver(signal=..., sender=...,
            **named)``.
        sender
            Only sends from this object (compared by identity) reach the
            receiver; ``None`` receives from every sender.
        weak
            Hold the receiver by a weak reference (the default), so that
            connecting never keeps it alive; it disconnects itself when it
            dies. ``False`` holds it strongly.
        dispatch_uid
            A hashable identifier of the connection, in place of the
            receiver's identity: a second connection with the same uid and
            sender is ignored.

        Connecting the same receiver (or uid) to the same sender twice keeps
        the first connection.
        """
        self._connect(receiver, sender, weak, dispatch_uid)

    def _connect(self, receiver: Receiver, sender: Any, weak: bool, dispatch_uid: Hashable | None) -> bool:
        """``connect``; return whether it added a connection (not a duplicate)."""
        entry = make_entry(receiver, sender, weak, dispatch_uid, self._flag_sweep)
        with self.lock:
            self._clear_dead_receivers()
            if self._index.setdefault(entry[0], entry) is not entry:
                return False
            list.append(self._receivers, entry)
            self.sender_receivers_cache.clear()
        return True

    def disconnect(
        self,
        receiver: Receiver | None = None,
        sender: Any = None,
        dispatch_uid: Hashable | None = None,
    ) -> bool:
        """Disconnect ``receiver`` (or ``dispatch_uid``) from ``sender``.

        Return whether a connection was removed. A weakly connected receiver
        need not be disconnected: it disconnects itself when it dies.
        """
        key = lookup_key(receiver, sender, dispatch_uid)
        with self.lock:
            self._clear_dead_receivers()
            entry = self._index.pop(key, None)
            if entry is None:
                return False
            _remove_entry(self._receivers, entry)
            self.sender_receivers_cache.clear()
        return True

    def connected_to(self, receiver: Receiver, sender: Any = None) -> AbstractContextManager[Signal]:
        """A context manager that connects ``receiver`` (strongly) for the duration of a block::

            with signal.connected_to(record):
                run_the_code_under_test()

        A receiver already connected to ``sender`` stays connected after it.
        """
        return _conveniences.connected_to(self, receiver, sender)

    def muted(self) -> AbstractContextManager[Signal]:
        """A context manager inside which every send returns ``[]`` and calls nothing."""
        return _conveniences.muted(self)

    def receivers_for(self, sender: Any = None) -> list[Receiver]:
        """The live receivers a send from ``sender`` would call, in the order of its results."""
        return _conveniences.receivers_for(self, sender)

    def has_listeners(self, sender: Any = None) -> bool:
        """Whether a send from ``sender`` would call any receiver."""
        sync_receivers, async_receivers = self._live_receivers(sender)
        return bool(sync_receivers or async_receivers)

    def send(self, sender: Any, **named: Any) -> Responses:
        """Call every receiver connected for ``sender``; return ``[(receiver, response), ...]``.

        Synchronous receivers are called in connection order, then the
        asynchronous ones concurrently behind one ``async_to_sync``. An
        exception raised by a receiver propagates and ends the dispatch.
        """
        if not self._receivers or self._muted:
            return []
        # As in Django, every live receiver is resolved, and so kept alive,
        # before the first is called: one that an earlier receiver drops
        # during the send is still called.
        plan = self._plan_for(sender)
        sync_receivers = _live(plan.sync_refs)
        async_receivers = _live(plan.async_refs) if plan.async_refs else None
        # A loop, not a comprehension: receivers run one frame below send, as
        # in Django, whose warnings count on it (see cydispatch.django).
        responses = []
        for receiver in sync_receivers:
            responses.append((receiver, receiver(signal=self, sender=sender, **named)))
        if async_receivers:
            responses += _bridge.send_to_async_receivers(self, sender, named, async_receivers, False)
        return responses

    def send_robust(self, sender: Any, **named: Any) -> Responses:
        """Like ``send``, but an ``Exception`` raised by a receiver becomes its response.

        The error keeps its ``__traceback__`` and is logged at ERROR, with
        ``exc_info``, to the ``django.dispatch`` logger. A ``BaseException``
        that is not an ``Exception`` (``KeyboardInterrupt``) propagates.
        """
        if not self._receivers or self._muted:
            return []
        sync_receivers, async_receivers = self._live_receivers(sender)  # as in send
        responses = call_receivers_robust(self, sender, named, sync_receivers)
        if async_receivers:
            responses += _bridge.send_to_async_receivers(self, sender, named, async_receivers, True)
        return responses

    async def asend(self, sender: Any, **named: Any) -> Responses:
        """Send from asynchronous code.

        The synchronous receivers are called in one batch behind
        ``sync_to_async``, concurrently with the asynchronous receivers.
        Results come in the same order as from ``send``.
        """
        return await _bridge.asend(self, sender, named, robust=False)

    async def asend_robust(self, sender: Any, **named: Any) -> Responses:
        """``asend`` with ``send_robust``'s handling of errors."""
        return await _bridge.asend(self, sender, named, robust=True)

    def _clear_dead_receivers(self) -> None:
        # The caller holds self.lock. The flag is reset before the sweep, so a
        # death during the sweep flags the signal again rather than being lost.
        if self._dead_receivers:
            self._dead_receivers = False
            self._set_receivers([entry for entry in self._receivers if not is_dead(entry)])

    def _live_receivers(self, sender: Any) -> tuple[list[Receiver], list[Receiver]]:
        """Return ``(sync_receivers, async_receivers)``: the live receivers for ``sender``."""
        plan = self._plan_for(sender)
        return _live(plan.sync_refs), _live(plan.async_refs)

    def _plan_for(self, sender: Any) -> Plan:
        if self._dead_receivers:
            with self.lock:
                self._clear_dead_receivers()
        plan = self.sender_receivers_cache.get(id(sender))
        if plan is None or (plan.sender_ref is not None and plan.sender_ref() is not sender):
            plan = self._make_plan(sender)
        return plan

    def _make_plan(self, sender: Any) -> Plan:
        sync_refs: list[Ref] = []
        async_refs: list[Ref] = []
        with self.lock:
            self._clear_dead_receivers()
            for _, receiver, entry_sender, is_async in self._receivers:
                # A dead sender's reference returns None, which must not match
                # a send from None: the sender may die during this loop (in a
                # garbage collection, or in another thread), after the sweep.
                if entry_sender is None or (sender is not None and entry_sender() is sender):
                    (async_refs if is_async else sync_refs).append(_dispatch_ref(receiver))
            plan = Plan(identity_ref(sender), tuple(sync_refs), tuple(async_refs))
            cache = self.sender_receivers_cache
            if len(cache) >= CACHE_LIMIT:
                _prune(cache)
            cache[id(sender)] = plan
        return plan


def _remove_entry(entries: ReceiverList, entry: Entry) -> None:
    """Remove ``entry``, found by identity, from ``entries`` without reporting it."""
    for position, existing in enumerate(entries):
        if existing is entry:
            list.__delitem__(entries, position)
            return
    raise ValueError("entry not in the registry")


def _live(refs: tuple[Ref, ...]) -> list[Receiver]:
    return [r for ref in refs if (r := ref()) is not None]


def _prune(cache: dict[int, Plan]) -> None:
    """Make room in a full cache: drop the plans of dead senders, or all of them."""
    for sender_id, plan in list(cache.items()):
        if plan.sender_ref is None or plan.sender_ref() is None:
            del cache[sender_id]
    if len(cache) > CACHE_LIMIT // 2:
        cache.clear()
