# cython: auto_pickle=False
"""A signal's state machine, written once for both backends.

Cython compiles this module (its C types come from ``_signal.pxd``) for the
compiled backend; a pure install runs it as it is. Each backend's ``Signal``
is a Python class on ``SignalCore`` that adds only its ``send`` and
``send_robust``: ``_cdispatch.pyx`` a C loop, ``_pydispatch.py`` a Python one.

A signal keeps its connections in ``receivers``, one entry per connection
(see ``_entries``), in connection order, and indexes them by lookup key
(``_registry``).

``send`` does not scan that list. A send finds a *plan* (``_plans``): the
references of the receivers it reaches, already split into synchronous and
asynchronous ones. Senders without connections of their own share one plan;
each sender with connections of its own has its own, so the cost of a send
does not depend on how many senders exist. ``sender_receivers_cache`` holds
the plans, by sender id (the shared one under ``None``): every change to the
connections empties it and retires the plans made before it (their
version), and a plan is rebuilt, under the lock, on the next send that needs
it.

Nothing that can run user code is released while the signal's lock is held:
a strongly held receiver or sender, an entry, a plan can each be the last
reference to an object whose finalizer uses this signal, and would then
wait for ever for the lock its own thread holds. What a locked section
drops (a swept list, a replaced registry, the cleared plans) is handed back
as *garbage*, a local of the method that took the lock, and released when
that method returns, after the lock.

Code written for Django reaches into a signal (see docs/guarantees.md): it
assigns ``receivers`` or the cache while holding ``lock``, and replaces
``_live_receivers`` to trace receivers. So nothing that such code can do
while holding ``lock`` takes it again here: an assignment only flags the
signal, and the next connect, disconnect or send rebuilds the index and the
caches under the lock, as after a receiver's death. And every send honours a
replaced ``_live_receivers``, as Django's do.

Fields that another thread may replace without the lock are read and written
in critical sections (``cython.critical_section``): per object and free with
the GIL when compiled; see ``_pure_cython`` for a pure run. Compiled, a copy or
a pickle takes ``SignalAttributes``'s state, never Cython's (``auto_pickle``).
"""

from __future__ import annotations

import threading
from types import FunctionType

from . import _conveniences
from ._entries import ReceiverList, checked_entries, is_dead, make_entry
from ._flavour import live_receivers_result, split_live_receivers
from ._keys import lookup_key
from ._patching import ATTRIBUTES, refuse_delete, register_c_methods, set_state
from ._plans import Plan, new_plan
from ._refs import lock_is_free, sweep_flagger
from ._registry import Registry
from ._validation import normalize_signal_args

try:
    import cython  # type: ignore[import-untyped, import-not-found, unused-ignore]
except ImportError:  # a pure install: see _pure_cython
    from . import _pure_cython as cython  # type: ignore[no-redef, unused-ignore]

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Sequence
    from contextlib import AbstractContextManager
    from typing import Any

    from typing_extensions import Self

    from ._calls import Receiver, Responses
    from ._entries import Entry

__all__ = ["SignalCore", "SignalAttributes"]

_bridge_module: Any = None
# threading.Lock's type and its methods: connect and disconnect call them
# directly; compiled, looking up ``lock.acquire`` and ``lock.release`` (or a
# with-statement's special methods) took a twentieth of their time.
_LockType = type(threading.Lock())
_lock_acquire = _LockType.acquire
_lock_release = _LockType.release


def _bridge() -> Any:
    """``cydispatch._bridge``, imported on first use.

    It needs ``asyncio`` and ``asgiref``, which cost more to import than all
    of cydispatch and which only asynchronous receivers and ``asend`` use: a
    process that has none does not import them.
    """
    global _bridge_module
    if _bridge_module is None:
        from . import _bridge as bridge

        _bridge_module = bridge
    return _bridge_module


class SignalCore:
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

    # Compiled, _signal.pxd declares these as C fields; in a pure run they are
    # slots, so that vars() shows only what Django's shows (SignalAttributes).
    __slots__ = (
        "__dict__", "__weakref__", "lock", "use_caching", "providing_args", "_dead_receivers",
        "_muted", "_state_lock", "_n_receivers", "_receivers", "_cache", "_registry",
        "_flag_sweep", "_version", "_last_plan", "_replaced",
    )
    lock: Any
    use_caching: Any
    providing_args: Any
    _dead_receivers: bool
    _muted: int
    _state_lock: Any
    _n_receivers: int
    _receivers: ReceiverList
    _cache: dict[Any, Plan]
    _registry: Registry
    _flag_sweep: Any
    _version: int
    _last_plan: Plan | None
    _replaced: Any

    def __cinit__(self, *args: Any, **kwargs: Any) -> None:
        # Compiled only (Python never calls it): the fields a send reads
        # without a check are valid even before (or without) __init__, so
        # ``Signal.__new__(Signal).send(None)`` raises rather than crashes.
        self._receivers = ReceiverList()
        self._registry = Registry(self._receivers)
        self._cache = {}
        self._state_lock = threading.RLock()
        # Flagged until __init__ resets it: the first send then asks for the
        # lock, which only __init__ makes, and raises as Django's would.
        self._dead_receivers = True

    def __init__(self, use_caching: bool = False, providing_args: Iterable[str] | None = None) -> None:
        use_caching, self.providing_args = normalize_signal_args(use_caching, providing_args)
        # Guards what changes without self.lock (the list behind receivers, the
        # mute count, _replaced): held for a few stores, never while calling out.
        self._state_lock = threading.RLock()
        # Called when a receiver or sender dies, or receivers change in place.
        self._flag_sweep = sweep_flagger(self)
        self._receivers = ReceiverList((), self._flag_sweep)
        self._registry = Registry(self._receivers)
        self._version = 0
        self._muted = 0
        self._n_receivers = 0
        # The plan of the last send: the next one from the same sender skips
        # the cache. Retired with the others.
        self._last_plan = None
        # What an assignment to receivers replaced, while the lock was held:
        # released by the next sweep, after the lock (see lock_is_free).
        self._replaced = None
        self.lock = threading.Lock()
        self.use_caching = use_caching
        self._cache = {}
        self._dead_receivers = False
        # Django's attributes come first in vars(), in Django's order; their
        # values are put there when vars() is read (see instance_vars).
        attributes = _instance_dict(self)
        for name in ATTRIBUTES:
            attributes.setdefault(name, None)

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} at {id(self):#x}>"

    @property
    def receivers(self) -> list[tuple[Any, ...]]:
        """The connections, in connection order.

        Change it in place, or assign a list to replace them all, as in Django;
        both work while holding ``lock``.
        """
        return self._current()

    @receivers.setter
    def receivers(self, entries: Iterable[Entry]) -> None:
        # No self.lock: code written for Django assigns while holding it. The
        # entries are checked now; the next connect, disconnect or send
        # rebuilds the index and caches from them, under the lock.
        new = self._adopt(entries)
        registry = Registry(new)
        with self._state_lock:
            with cython.critical_section(self):
                replaced = (self._replaced, self._receivers, self._registry, self._last_plan)
                self._receivers = new
                self._registry = registry
                self._last_plan = None
                cache = self._cache
            # Counted now too: code may assign _dead_receivers = False before
            # the rebuild (a patch of it, undone), and a send must not take
            # the signal for empty meanwhile.
            self._n_receivers = len(new)
            self._dead_receivers = True
            self._replaced = (replaced, _cleared(cache))
        # The registry and plans are replaced early; what a concurrent connect
        # or send did meanwhile is redone by the sweep that the flag asks for.
        if lock_is_free(self.lock):
            with self._state_lock:
                garbage = self._replaced
                self._replaced = None
            del garbage

    @property
    def sender_receivers_cache(self) -> dict[Any, Any]:
        """The plans by sender id. Clear it, or assign a dict, at any time (also holding ``lock``)."""
        with cython.critical_section(self):
            return self._cache

    @sender_receivers_cache.setter
    def sender_receivers_cache(self, cache: dict[Any, Any]) -> None:
        if not isinstance(cache, dict):
            raise TypeError(f"sender_receivers_cache must be a dict, not {type(cache).__name__!r}.")
        with cython.critical_section(self):
            self._cache = cache

    def _adopt(self, entries: Iterable[Entry]) -> ReceiverList:
        # A list this signal made, assigned back (``receivers += ...``), stays
        # the same object, as in Django; anything else is copied.
        if type(entries) is ReceiverList and entries.changed is self._flag_sweep:
            checked_entries(entries)
            return entries
        return ReceiverList(checked_entries(entries), self._flag_sweep)

    def _current(self) -> ReceiverList:
        with cython.critical_section(self):
            return self._receivers

    def _current_registry(self) -> Registry:
        with cython.critical_section(self):
            return self._registry

    def _rebuild(self, entries: ReceiverList) -> Any:
        # The caller holds self.lock: the registry and caches follow
        # ``entries``. Returns the garbage (see the module's docstring).
        registry = Registry(entries)
        self._n_receivers = len(entries)
        with cython.critical_section(self):
            garbage = self._registry
            self._registry = registry
        return garbage, self._invalidate()

    def _invalidate(self) -> Any:
        # The caller holds self.lock. The version retires every plan made
        # before; the last plan is dropped too, so that it keeps no
        # disconnected receiver alive. Returns them, for release after the lock.
        with cython.critical_section(self):
            cache = self._cache
            last_plan = self._last_plan
            self._last_plan = None
        self._version += 1
        if not cache:
            return last_plan
        return last_plan, _cleared(cache)

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
        _check_self(self, "connect")
        self._connect_entry(make_entry(receiver, sender, weak, dispatch_uid, self._flag_sweep))

    def _connect(self, receiver: Receiver, sender: Any, weak: bool, dispatch_uid: Hashable | None) -> bool:
        """``connect``; return whether it added a connection (not a duplicate)."""
        _check_self(self, "_connect")
        return self._connect_entry(make_entry(receiver, sender, weak, dispatch_uid, self._flag_sweep))

    def _connect_entry(self, entry: Entry) -> bool:
        # Locals hold the garbage until the method returns, after the lock.
        lock = self.lock
        _acquire(lock)
        try:
            _garbage = self._sweep()
            if not self._current_registry().add(entry):
                return False
            list.append(self._current(), entry)  # not ReceiverList.append: no report
            self._n_receivers += 1
            _plans = self._invalidate()
        finally:
            _release(lock)
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
        _check_self(self, "disconnect")
        return self._disconnect_key(lookup_key(receiver, sender, dispatch_uid))

    def _disconnect_key(self, key: Any) -> bool:
        # Locals hold the garbage (the entry too) until the method returns, after the lock.
        lock = self.lock
        _acquire(lock)
        try:
            _garbage = self._sweep()
            receivers = self._current()
            position = self._registry.remove(key)
            if position < 0:
                return False
            _entry = _pop_entry(receivers, position)
            self._n_receivers -= 1
            _plans = self._invalidate()
        finally:
            _release(lock)
        return True

    def connected_to(self, receiver: Receiver, sender: Any = None) -> AbstractContextManager[Self]:
        """A context manager that connects ``receiver`` (strongly) for the duration of a block::

            with signal.connected_to(record):
                run_the_code_under_test()

        A receiver already connected to ``sender`` stays connected after it.
        """
        _check_self(self, "connected_to")
        return _conveniences.connected_to(self, receiver, sender)

    def muted(self) -> AbstractContextManager[Self]:
        """A context manager inside which every send returns ``[]`` and calls nothing."""
        _check_self(self, "muted")
        return _conveniences.muted(self)

    def receivers_for(self, sender: Any = None) -> list[Receiver]:
        """The live receivers a send from ``sender`` would call, in the order of its results."""
        _check_self(self, "receivers_for")
        return _conveniences.receivers_for(self, sender)

    def has_listeners(self, sender: Any = None) -> bool:
        """Whether a send from ``sender`` would call any receiver."""
        _check_self(self, "has_listeners")
        sync_receivers, async_receivers = self._to_call(sender)
        return bool(sync_receivers or async_receivers)

    async def asend(self, sender: Any, **named: Any) -> Responses:
        """Send from asynchronous code.

        The synchronous receivers are called in one batch behind
        ``sync_to_async``, as the installed Django does: up to Django 6.0
        concurrently with the asynchronous receivers, from 6.1 before them.
        Results come in the same order as from ``send``.
        """
        _check_self(self, "asend")
        _refuse_self(named, "asend")
        responses: Responses = await _bridge().asend(self, sender, named, False)
        return responses

    async def asend_robust(self, sender: Any, **named: Any) -> Responses:
        """``asend`` with ``send_robust``'s handling of errors."""
        _check_self(self, "asend_robust")
        _refuse_self(named, "asend_robust")
        responses: Responses = await _bridge().asend(self, sender, named, True)
        return responses

    def _clear_dead_receivers(self) -> None:
        """Drop the connections whose receiver or sender died; the caller holds ``lock``.

        It also rebuilds what derives from ``receivers`` after an assignment
        or a change in place (they flag the signal as a death does).
        """
        _check_self(self, "_clear_dead_receivers")
        garbage = self._sweep()
        del garbage

    def _sweep(self) -> Any:
        # The caller holds self.lock; returns the garbage, for release after
        # it. The flag is reset before the sweep, so a death during the sweep
        # flags the signal again rather than being lost.
        if not self._dead_receivers:
            return None
        self._dead_receivers = False
        current = self._current()
        live = ReceiverList([entry for entry in current if not is_dead(entry)], self._flag_sweep)
        swept = False
        with self._state_lock:
            replaced = self._replaced
            self._replaced = None
            with cython.critical_section(self):
                # An assignment without the lock may have come meanwhile: it
                # flagged the signal again, and it wins.
                if self._receivers is current:
                    self._receivers = live
                    swept = True
        if not swept:
            return replaced
        return replaced, current, self._rebuild(live)

    def _live_receivers(self, sender: Any) -> Any:
        """The live receivers for ``sender``, as the installed Django returns them.

        ``(sync_receivers, async_receivers)`` (Django 5.0 and later), or one
        list (Django 4.2). Every send calls it when it has been replaced.
        """
        _check_self(self, "_live_receivers")
        plan = self._plan_for(sender)
        return live_receivers_result(plan.live_sync(), plan.live_async() or [])

    def _receivers_to_call(self, sender: Any) -> tuple[Sequence[Receiver], Sequence[Receiver]]:
        """``(sync, async)``: the receivers a send from ``sender`` calls."""
        _check_self(self, "_receivers_to_call")
        return self._to_call(sender)

    def _to_call(self, sender: Any) -> tuple[Sequence[Receiver], Sequence[Receiver]]:
        # Django's sends go through self._live_receivers, and APM agents
        # replace it (on the class or an instance) to wrap each receiver: a
        # replacement is honoured. Otherwise the plan is read directly.
        if self._uses_own_live_receivers():
            plan = self._plan_for(sender)
            return plan.live_sync(), plan.live_async() or []
        sync_receivers, async_receivers = split_live_receivers(self._live_receivers(sender))
        return sync_receivers, async_receivers

    def _uses_own_live_receivers(self) -> bool:
        """Whether ``self._live_receivers`` is SignalCore's own (not replaced, nor overridden).

        The compiled ``Signal`` answers from the type's version tag instead.
        """
        found = self._live_receivers
        return getattr(found, "__func__", None) is _OWN_LIVE_RECEIVERS and getattr(found, "__self__", None) is self

    def _plan_for(self, sender: Any) -> Plan:
        if self._dead_receivers:
            lock = self.lock
            if lock is None:
                raise AttributeError(f"'{type(self).__name__}' object has no attribute 'lock': its __init__ never ran")
            with lock:
                garbage = self._sweep()
            del garbage  # after the lock: see the module's docstring
        # The last plan used, then the cache (which code may have emptied).
        with cython.critical_section(self):
            plan = self._last_plan
            cache = self._cache
            registry = self._registry
        if plan is not None and plan.version == self._version and cache:
            if plan.shared:
                if not registry.by_sender:
                    return plan
            elif plan.serves(sender):
                return plan
        own_id = registry.own_id(sender)
        cached = cache.get(own_id)
        # The cache is public: what code put there (or kept from before a
        # change and assigned back) is used only if it is a current plan.
        plan = cached if type(cached) is Plan else None
        if not (
            plan is not None
            and plan.version == self._version
            and plan.shared == (own_id is None)
            and (plan.shared or plan.serves(sender))
        ):
            plan = self._make_plan(sender)
        with cython.critical_section(self):
            self._last_plan = plan
        return plan

    def _make_plan(self, sender: Any) -> Plan:
        # The garbage and the retired plan go after the lock, with the locals.
        with self.lock:
            _garbage = self._sweep()
            registry = self._current_registry()
            own_id = registry.own_id(sender)
            plan = new_plan(sender, registry, own_id, self._version)
            with cython.critical_section(self):
                cache = self._cache
            _retired = cache.get(own_id)
            cache[own_id] = plan
        return plan


#: The docstrings of each backend's ``send`` and ``send_robust``.
SEND_DOC = """Call every receiver connected for ``sender``; return ``[(receiver, response), ...]``.

Synchronous receivers are called in connection order, then the asynchronous
ones concurrently behind one ``async_to_sync``. An exception raised by a
receiver propagates and ends the dispatch.
"""
SEND_ROBUST_DOC = """Like ``send``, but an ``Exception`` raised by a receiver becomes its response.

The error keeps its ``__traceback__`` and is logged at ERROR, with
``exc_info``, to the ``django.dispatch`` logger. A ``BaseException`` that is
not an ``Exception`` (``KeyboardInterrupt``) propagates.
"""

_OWN_LIVE_RECEIVERS = SignalCore.__dict__["_live_receivers"]
_instance_dict = SignalCore.__dict__["__dict__"].__get__


class SignalAttributes:
    """What each backend's ``Signal`` class shows of a signal, as Django's does.

    Django's ``Signal`` keeps ``receivers``, ``lock``, ``use_caching``,
    ``sender_receivers_cache`` and ``_dead_receivers`` in the instance's
    ``__dict__`` (see ``_patching``); ``SignalCore`` keeps them in fields, and
    ``__dict__`` shows their values as they are now. Deleting one raises. A
    copy takes ``vars()``, as a copy of Django's signal does.
    """

    __slots__ = ()

    @property
    def __dict__(self) -> dict[str, Any]:  # type: ignore[override]
        """The instance's attributes, Django's among them (see ``instance_vars``)."""
        return instance_vars(self)  # type: ignore[arg-type]

    def __delattr__(self, name: str) -> None:
        refuse_delete(self, name)
        super().__delattr__(name)

    def __getstate__(self) -> dict[str, Any]:
        """What a copy or a pickle takes: ``vars(self)``, as of Django's signal."""
        return vars(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Make this signal, made without ``__init__``, a copy (see ``_patching.set_state``)."""
        set_state(self, SignalCore.__init__, state)


def instance_vars(signal: SignalCore) -> dict[str, Any]:
    """``vars(signal)``: its ``__dict__``, holding Django's attributes as they are now.

    Each read puts their current values there (in Django's order, when it adds
    them), so that nothing needs keeping in step on the way of a send.
    """
    attributes: dict[str, Any] = _instance_dict(signal)
    with cython.critical_section(signal):
        receivers = signal._receivers
        cache = signal._cache
    values = (receivers, signal.lock, signal.use_caching, cache, signal._dead_receivers)
    for name, value in zip(ATTRIBUTES, values):
        attributes[name] = value
    return attributes


def _cleared(cache: dict[Any, Plan]) -> list[Plan] | None:
    """Empty ``cache`` in place; return its plans, for release after the lock."""
    if not cache:
        return None
    plans = list(cache.values())
    cache.clear()
    return plans


def _pop_entry(entries: list[Any], position: int) -> Any:
    """Remove and return ``entries[position]`` with list's own code: ReceiverList's reports changes."""
    if cython.compiled:
        # C, with no method lookup (names from _signal.pxd).
        entry = cython.cast(object, PyList_GET_ITEM(entries, position))  # type: ignore[name-defined]  # noqa: F821
        PyList_SetSlice(entries, position, position + 1, cython.NULL)  # type: ignore[name-defined]  # noqa: F821
        return entry
    entry = entries[position]
    list.__delitem__(entries, position)
    return entry


def _acquire(lock: Any) -> None:
    # ``lock`` is threading.Lock's, or any other lock, looked up by name.
    if type(lock) is _LockType:
        _lock_acquire(lock)
    else:
        lock.acquire()


def _release(lock: Any) -> None:
    if type(lock) is _LockType:
        _lock_release(lock)
    else:
        lock.release()


def _check_self(obj: Any, name: str) -> None:
    """Refuse a ``self`` that is not a signal, as a method descriptor would.

    Compiled, a method called unbound does not check the type of ``self``
    (``SignalCore.connect(object(), f)`` would read an ``object`` as a
    signal's fields, and crash); a pure run raises the same error.
    """
    if not isinstance(obj, SignalCore):
        raise TypeError(
            f"descriptor '{name}' for 'cydispatch._signal.SignalCore' objects "
            f"doesn't apply to a '{type(obj).__name__}' object"
        )


def _refuse_self(named: dict[str, Any], name: str) -> None:
    """Raise Django's error for a ``self`` among the named arguments.

    Django's ``asend(self, sender, **named)`` refuses it when called.
    Compiled, the method takes ``self`` positionally only, so it lands in
    ``named``, and is refused when the coroutine first runs.
    """
    if "self" in named:
        raise TypeError(f"Signal.{name}() got multiple values for argument 'self'")


# Compiled, SignalCore's methods are C functions: SignalType (the metaclass of
# each Signal) shows them as Python functions on the class (see _patching).
register_c_methods(SignalCore)
# In a pure run they are Python functions, and Python names one in its errors
# by its qualified name: Django's say "Signal.connect() missing ...".
for _name, _method in vars(SignalCore).items():
    if isinstance(_method, FunctionType):
        _method.__qualname__ = f"Signal.{_name}"
