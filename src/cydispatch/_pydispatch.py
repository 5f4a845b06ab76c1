"""The pure-Python backend: the readable, fully typed reference implementation.

The compiled backend (``_cdispatch.pyx``) mirrors this module name for name.

A signal keeps its connections in ``receivers``, one entry per connection
(see ``_entries``), in connection order, and indexes them by lookup key.

``send`` does not scan that list. A send finds a *plan*: the references of
the receivers it reaches, already split into synchronous and asynchronous
ones. Senders without connections of their own share one plan; each sender
with connections of its own has its own (see ``_registry``), so the cost of
a send does not depend on how many senders exist. ``sender_receivers_cache``
holds the plans, by sender id (the shared one under ``None``): every
change to the connections empties it and retires the plans made before it
(their version), and a plan is rebuilt, under the lock, on the next send
that needs it. A plan holds no strong reference to its sender and is checked
against the sender's identity, so an object that reuses a dead sender's id
never gets its plan.

Nothing that can run user code is released while the signal's lock is held:
a strongly held receiver or sender, an entry, a plan can each be the last
reference to an object whose finalizer uses this signal, and would then
wait for ever for the lock its own thread holds. What a locked section
drops (a swept list, a replaced registry, the cleared plans) is handed back
as *garbage*, a local of the method that took the lock, and released when
that method returns, after the lock.

Code written for Django reaches into a signal (see the guarantees, docs/guarantees.md):
it assigns ``receivers`` or the cache while holding ``lock``, and replaces
``_live_receivers`` to trace receivers. So nothing that such code can do
while holding ``lock`` takes it again here: an assignment only flags the
signal, and the next connect, disconnect or send rebuilds the index and the
caches under the lock, as after a receiver's death. And every send honours a
replaced ``_live_receivers``, as Django's do.
"""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple

from . import _conveniences
from ._calls import call_receivers, log_robust_failure
from ._entries import ReceiverList, checked_entries, is_dead, is_sender, make_entry, matching_entries
from ._flavour import live_receivers_result, split_live_receivers
from ._keys import lookup_key
from ._patching import refuse_delete, set_state
from ._refs import identity_ref, lock_is_free, strong_ref, sweep_flagger
from ._registry import Registry
from ._validation import normalize_signal_args

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Sequence
    from contextlib import AbstractContextManager
    from typing import Any, NamedTuple

    from ._calls import Receiver, Responses
    from ._entries import Entry
    from ._refs import Ref

__all__ = ["Signal"]

_bridge_module: Any = None


def _bridge() -> Any:
    """``cydispatch._bridge``, imported on first use.

    It needs ``asyncio`` and ``asgiref``, which cost more to import than all
    of cydispatch and which only asynchronous receivers and ``asend`` use: a
    process that has none does not import them.
    """
    global _bridge_module
    if _bridge_module is None:
        from . import _bridge as _bridge_module
    return _bridge_module


if TYPE_CHECKING:

    class Plan(NamedTuple):
        """What a send from one sender calls: references to its live receivers."""

        version: int  # the signal's version it was made at: later ones retire it
        shared: bool  # the plan of every sender without connections of its own
        sender_ref: Ref | None  # the sender of an own plan (see identity_ref)
        sync_refs: tuple[Ref, ...]
        async_refs: tuple[Ref, ...]

else:
    # The same class, made by collections (typing.NamedTuple makes it so too).
    Plan = namedtuple("Plan", ["version", "shared", "sender_ref", "sync_refs", "async_refs"])
    Plan.__doc__ = "What a send from one sender calls: references to its live receivers."


def _dispatch_ref(receiver: Any) -> Ref:
    return receiver if isinstance(receiver, weakref.ReferenceType) else strong_ref(receiver)


class Signal:
    """A signal that receivers connect to and that senders send.

    ``use_caching`` is accepted for compatibility with Django: cydispatch
    always keeps per-sender caches, which (unlike Django's) work with any
    sender. ``providing_args``, from Django up to 3.2, is kept as
    ``self.providing_args`` for documentation only.

    As on Django's, ``receivers`` (the connections, in connection order) and
    ``sender_receivers_cache`` (the plans by sender id) are attributes: change
    ``receivers`` in place or assign a list to replace them all; clear the
    cache or assign a dict. All of it works while holding ``lock``.
    """

    receivers: ReceiverList
    sender_receivers_cache: dict[Any, Plan]

    # What Django keeps on the instance (see _patching.ATTRIBUTES) is in the
    # instance's __dict__, as there; the rest is in slots, out of vars().
    __slots__ = (
        "__dict__", "__weakref__", "providing_args", "_state_lock", "_flag_sweep",
        "_receivers", "_registry", "_cache", "_version", "_muted", "_live_replaced", "_replaced",
    )

    def __init__(
        self, use_caching: bool = False, providing_args: Iterable[str] | None = None
    ) -> None:
        use_caching, self.providing_args = normalize_signal_args(use_caching, providing_args)
        # Guards what changes without self.lock (the list behind receivers, the
        # mute count): it is held for a few stores, never while calling out.
        self._state_lock = threading.RLock()
        # Called when a receiver or sender dies, or receivers change in place.
        self._flag_sweep = sweep_flagger(self)
        self._registry = Registry()
        self._version = 0
        self._muted = 0
        self._live_replaced = False  # _live_receivers assigned on this instance
        # What an assignment to receivers replaced, while the lock was held:
        # released by the next sweep, after the lock (see lock_is_free).
        self._replaced: Any = None
        # Django's attributes, in Django's order (that of vars(), a copy's and a pickle's).
        self._receivers = ReceiverList((), self._flag_sweep)
        self.lock = threading.Lock()
        self.use_caching = use_caching
        self._cache: dict[Any, Plan] = {}
        self._dead_receivers = False

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} at {id(self):#x}>"

    # Every assignment comes here: ``receivers`` and ``sender_receivers_cache``
    # are checked, and kept in the instance's __dict__ (where code written for
    # Django, mock.patch among it, finds them) in step with ``_receivers`` and
    # ``_cache``, which the signal uses. A send asks whether _live_receivers
    # was replaced on this instance (as mock.patch.object does): the flag
    # keeps the answer, so that a send need not look into self.__dict__, whose
    # reading makes every later attribute load of this signal slower (the
    # interpreter stops specializing them).

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "receivers":
            self._assign_receivers(value)
            return
        if name == "sender_receivers_cache":
            name, value = "_cache", _checked_cache(value)
        object.__setattr__(self, name, value)
        if name == "_receivers":
            object.__setattr__(self, "receivers", value)
        elif name == "_cache":
            object.__setattr__(self, "sender_receivers_cache", value)
        elif name == "_live_receivers":
            object.__setattr__(self, "_live_replaced", True)

    def __delattr__(self, name: str) -> None:
        refuse_delete(self, name)
        object.__delattr__(self, name)
        if name == "_live_receivers":
            object.__setattr__(self, "_live_replaced", False)

    def __getstate__(self) -> dict[str, Any]:
        """What a copy or a pickle takes: ``vars(self)``, as of Django's signal."""
        return vars(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Make this signal, made without ``__init__``, a copy (see ``_patching.set_state``)."""
        set_state(self, Signal.__init__, state)

    def _assign_receivers(self, entries: Iterable[Entry]) -> None:
        # ``signal.receivers = entries``. No self.lock: code written for
        # Django assigns while holding it. The entries are checked now; the
        # next connect, disconnect or send rebuilds the index and caches from
        # them, under the lock.
        new = self._adopt(entries)
        registry = Registry(new)
        plans = _cleared(self._cache)
        with self._state_lock:
            self._replaced = (self._replaced, self._receivers, self._registry, plans)
            self._receivers = new
            self._registry = registry
            self._dead_receivers = True
        # The registry and plans are replaced early; what a concurrent connect
        # or send did meanwhile is redone by the sweep that the flag asks for.
        if lock_is_free(self.lock):
            with self._state_lock:
                garbage, self._replaced = self._replaced, None
            del garbage

    def _adopt(self, entries: Iterable[Entry]) -> ReceiverList:
        # A list this signal made, assigned back (``receivers += ...``), stays
        # the same object, as in Django; anything else is copied.
        if type(entries) is ReceiverList and entries.changed is self._flag_sweep:
            checked_entries(entries)
            return entries
        return ReceiverList(checked_entries(entries), self._flag_sweep)

    def _rebuild(self, entries: ReceiverList) -> Any:
        # The caller holds self.lock: the registry and caches follow ``entries``.
        # Returns the garbage (see the module's docstring).
        garbage = self._registry
        self._registry = Registry(entries)
        return garbage, self._invalidate()

    def _invalidate(self) -> Any:
        # The caller holds self.lock. Returns the garbage: the retired plans.
        self._version += 1
        return _cleared(self._cache)

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
            An identifier of the connection, in place of the receiver's
            identity: a second connection with an equal uid (``==``, as in
            Django) and the same sender is ignored.

        Connecting the same receiver (or uid) to the same sender twice keeps
        the first connection.
        """
        self._connect(receiver, sender, weak, dispatch_uid)

    def _connect(self, receiver: Receiver, sender: Any, weak: bool, dispatch_uid: Hashable | None) -> bool:
        """``connect``; return whether it added a connection (not a duplicate)."""
        entry = make_entry(receiver, sender, weak, dispatch_uid, self._flag_sweep)
        with self.lock:
            garbage = self._sweep()
            if not self._registry.add(entry):
                return False
            list.append(self._receivers, entry)
            plans = self._invalidate()
        del garbage, plans  # after the lock: see the module's docstring
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
            garbage = self._sweep()
            receivers = self._receivers
            position = self._registry.remove(key, receivers)
            if position < 0:
                return False
            entry = receivers[position]
            list.__delitem__(receivers, position)  # not ReceiverList's: no report
            plans = self._invalidate()
        del garbage, entry, plans  # after the lock: see the module's docstring
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
        sync_receivers, async_receivers = self._receivers_to_call(sender)
        return bool(sync_receivers or async_receivers)

    def send(self, sender: Any, **named: Any) -> Responses:
        """Call every receiver connected for ``sender``; return ``[(receiver, response), ...]``.

        Synchronous receivers are called in connection order, then the
        asynchronous ones concurrently behind one ``async_to_sync``. An
        exception raised by a receiver propagates and ends the dispatch.
        """
        # A flagged signal may have receivers to sweep (or garbage to release:
        # see the module's docstring) even with none listed.
        if self._muted or (not self._receivers and not self._dead_receivers):
            return []
        # As in Django, every live receiver is resolved, and so kept alive,
        # before the first is called: one that an earlier receiver drops
        # during the send is still called.
        sync_receivers, async_receivers = self._receivers_to_call(sender)
        if "signal" in named:
            # Django passes it twice: the first call raises its TypeError.
            responses = call_receivers(self, sender, named, sync_receivers)
        else:
            # One mapping for every call, not one built per call as Django's
            # ``signal=..., sender=..., **named`` does; a receiver's **kwargs
            # is a dict of its own all the same. A loop, not a comprehension:
            # receivers run one frame below send, as in Django, whose warnings
            # count on it (see cydispatch.django).
            arguments = {"signal": self, "sender": sender, **named}
            responses = []
            for receiver in sync_receivers:
                responses.append((receiver, receiver(**arguments)))
        if async_receivers:
            responses += _bridge().send_to_async_receivers(self, sender, named, async_receivers, False)
        return responses

    def send_robust(self, sender: Any, **named: Any) -> Responses:
        """Like ``send``, but an ``Exception`` raised by a receiver becomes its response.

        The error keeps its ``__traceback__`` and is logged at ERROR, with
        ``exc_info``, to the ``django.dispatch`` logger. A ``BaseException``
        that is not an ``Exception`` (``KeyboardInterrupt``) propagates.
        """
        if self._muted or (not self._receivers and not self._dead_receivers):  # as in send
            return []
        sync_receivers, async_receivers = self._receivers_to_call(sender)  # as in send
        # The loop of _calls.call_receivers_robust, here: each receiver runs
        # one frame below send_robust, as in Django (see send).
        responses: Responses = []
        try:
            for receiver in sync_receivers:
                try:
                    responses.append((receiver, receiver(signal=self, sender=sender, **named)))
                except Exception as err:
                    log_robust_failure(receiver, err)
                    responses.append((receiver, err))
            if async_receivers:
                responses += _bridge().send_to_async_receivers(self, sender, named, async_receivers, True)
            return responses
        finally:
            del responses  # a failing receiver's traceback holds this frame: see call_receivers_robust

    async def asend(self, sender: Any, **named: Any) -> Responses:
        """Send from asynchronous code.

        The synchronous receivers are called in one batch behind
        ``sync_to_async``, as the installed Django does: up to Django 6.0
        concurrently with the asynchronous receivers, from 6.1 before them.
        Results come in the same order as from ``send``.
        """
        responses: Responses = await _bridge().asend(self, sender, named, robust=False)
        return responses

    async def asend_robust(self, sender: Any, **named: Any) -> Responses:
        """``asend`` with ``send_robust``'s handling of errors."""
        responses: Responses = await _bridge().asend(self, sender, named, robust=True)
        return responses

    def _clear_dead_receivers(self) -> None:
        """Drop the connections whose receiver or sender died; the caller holds ``lock``.

        It also rebuilds what derives from ``receivers`` after an assignment
        or a change in place (they flag the signal as a death does).
        """
        self._sweep()

    def _sweep(self) -> Any:
        """``_clear_dead_receivers``, returning the garbage (see the module's docstring)."""
        # The flag is reset first, so that a death during the sweep flags the
        # signal again rather than being lost.
        if not self._dead_receivers:
            return None
        self._dead_receivers = False
        current = self._receivers
        live = ReceiverList([entry for entry in current if not is_dead(entry)], self._flag_sweep)
        with self._state_lock:
            replaced, self._replaced = self._replaced, None
            if self._receivers is not current:
                return replaced  # assigned meanwhile, without the lock: flagged again
            self._receivers = live
        return replaced, current, self._rebuild(live)

    def _live_receivers(self, sender: Any) -> Any:
        """The live receivers for ``sender``, as the installed Django returns them.

        ``(sync_receivers, async_receivers)`` (Django 5.0 and later), or one
        list (Django 4.2). Every send calls it when it has been replaced.
        """
        plan = self._plan_for(sender)
        return live_receivers_result(_live(plan.sync_refs), _live(plan.async_refs))

    def _receivers_to_call(self, sender: Any) -> tuple[Sequence[Receiver], Sequence[Receiver]]:
        """``(sync, async)``: the receivers a send from ``sender`` calls.

        Django's sends go through ``self._live_receivers``, and APM agents
        replace it (on the class or an instance) to wrap each receiver; a
        replacement is honoured. Otherwise the plan is read directly.
        """
        if type(self)._live_receivers is _LIVE_RECEIVERS and not self._live_replaced:
            plan = self._plan_for(sender)
            async_refs = plan.async_refs
            return _live(plan.sync_refs), _live(async_refs) if async_refs else []
        return split_live_receivers(self._live_receivers(sender))

    def _plan_for(self, sender: Any) -> Plan:
        if self._dead_receivers:
            with self.lock:
                garbage = self._sweep()
            del garbage  # after the lock: see the module's docstring
        registry = self._registry
        own_id = registry.own_id(sender) if registry.by_sender else None
        plan = self._cache.get(own_id)
        # The cache is public: what code put there (or kept from before a
        # change and assigned back) is used only if it is a current plan.
        if type(plan) is Plan and plan.version == self._version:
            if own_id is None:
                if plan.shared:
                    return plan
            elif not plan.shared and is_sender(plan.sender_ref, sender):
                return plan
        return self._make_plan(sender)

    def _make_plan(self, sender: Any) -> Plan:
        sync_refs: list[Ref] = []
        async_refs: list[Ref] = []
        with self.lock:
            garbage = self._sweep()
            own_id = self._registry.own_id(sender)
            for receiver, is_async in matching_entries(self._registry.entries_for(own_id), sender):
                (async_refs if is_async else sync_refs).append(_dispatch_ref(receiver))
            shared = own_id is None
            sender_ref = None if shared else identity_ref(sender)
            plan = Plan(self._version, shared, sender_ref, tuple(sync_refs), tuple(async_refs))
            retired = self._cache.get(own_id)
            self._cache[own_id] = plan
        del garbage, retired  # after the lock: see the module's docstring
        return plan


_LIVE_RECEIVERS = Signal._live_receivers


def _cleared(cache: dict[Any, Plan]) -> list[Plan] | None:
    """Empty ``cache`` in place; return its plans, for release after the lock."""
    if not cache:
        return None
    plans = list(cache.values())
    cache.clear()
    return plans


def _checked_cache(cache: Any) -> dict[Any, Plan]:
    """An assignment to ``sender_receivers_cache``: a dict, which the signal clears."""
    if not isinstance(cache, dict):
        raise TypeError(f"sender_receivers_cache must be a dict, not {type(cache).__name__!r}.")
    return cache


def _live(refs: tuple[Ref, ...]) -> list[Receiver]:
    # A loop: before Python 3.12 a comprehension is a function call of its own.
    live = []
    for ref in refs:
        receiver = ref()
        if receiver is not None:
            live.append(receiver)
    return live
