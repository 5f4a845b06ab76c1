"""References held by a signal: weak or strong, to receivers and to senders.

Every reference here is a zero-argument callable that returns its object, or
``None`` once a weakly referenced object is gone, so the dispatch code treats
weak and strong references alike.
"""

from __future__ import annotations

try:
    import cython  # type: ignore[import-untyped, import-not-found, unused-ignore]
except ImportError:  # a pure install: see _pure_cython
    from . import _pure_cython as cython  # type: ignore[no-redef, unused-ignore]

import itertools
import weakref
from types import FunctionType, MethodType

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    #: A zero-argument callable returning the referenced object, or ``None`` once it died.
    Ref: TypeAlias = Callable[[], Any]
    #: Called with the dead weak reference when a referenced object dies.
    DeathCallback: TypeAlias = Callable[["weakref.ReferenceType[Any]"], None]

# ``weakref.ref`` is looked up at each connect, as Django does: tests patch it
# (Django's own test_lazy_model_signal). It is read from the module's
# namespace, where a patch puts it: compiled, that costs less than a module
# attribute lookup.
_weakref_names = vars(weakref)
#: ``weakref.ref`` itself, which compiled code calls through the C API when it is not patched.
_ref_type = weakref.ref


def strong_ref(obj: Any) -> Ref:
    """Return a reference that keeps ``obj`` alive and returns it when called.

    ``itertools.repeat(obj).__next__`` is a C-level callable, so dereferencing
    costs the same as calling a ``weakref.ref``.
    """
    return itertools.repeat(obj).__next__


def receiver_ref(receiver: Any, weak: bool, on_death: DeathCallback) -> Any:
    """Return what the registry keeps for ``receiver``, Django's way.

    The receiver itself when ``weak`` is false; a ``weakref.WeakMethod`` for a
    bound method; a ``weakref.ref`` otherwise. ``on_death`` is carried by the
    reference itself, so a disconnected receiver leaves nothing behind (Django
    registers a ``weakref.finalize`` per connect instead, which outlives the
    connection: ticket 36939).
    """
    if not weak:
        return receiver
    try:
        if type(receiver) is MethodType or (
            type(receiver) is not FunctionType
            and hasattr(receiver, "__self__")
            and hasattr(receiver, "__func__")
        ):
            return weakref.WeakMethod(receiver, on_death)
        return _new_ref(receiver, on_death)
    except TypeError as err:
        # Django's error, as it is; the hint is a note (shown with the traceback).
        if hasattr(err, "add_note"):
            err.add_note("A receiver that cannot be weakly referenced must be connected with weak=False.")
        raise


def sender_ref(sender: Any, on_death: DeathCallback) -> Ref | None:
    """Return the registry's reference to a connection's ``sender``.

    ``None`` stands for "any sender". Otherwise a weak reference that reports
    the sender's death, so its connections go with it (for a bound method, a
    ``WeakMethod``: it lives as long as the instance and the function); a sender that cannot
    be weakly referenced is held strongly for as long as it is connected, so
    its id can never be reused by another object meanwhile (Django keys by id
    alone: ticket 35801).
    """
    if sender is None:
        return None
    try:
        if type(sender) is MethodType:
            # A bound method is made anew at each access: a reference to the
            # one given would die at once (Django 6.0 loses such connections).
            return weakref.WeakMethod(sender, on_death)
        return _new_ref(sender, on_death)
    except TypeError:
        return strong_ref(sender)


def _new_ref(obj: Any, on_death: DeathCallback) -> Ref:
    """``weakref.ref(obj, on_death)``, with the ``weakref.ref`` the module holds now (see above)."""
    ref = _weakref_names["ref"]
    if cython.compiled and ref is _ref_type:
        return PyWeakref_NewRef(obj, on_death)  # type: ignore[name-defined,no-any-return]  # noqa: F821
    return ref(obj, on_death)  # type: ignore[no-any-return]


def identity_ref(obj: Any) -> Ref | None:
    """Return a weak reference to ``obj`` that a plan checks its sender's identity with.

    A ``WeakMethod`` for a bound method (made anew at each access, it is
    compared by equality: see ``_entries.is_sender``). ``None`` when ``obj``
    cannot be weakly referenced: such a plan is valid for any object at that
    id (the connection holds its sender strongly, so the id is not reused).
    """
    try:
        if type(obj) is MethodType:
            return weakref.WeakMethod(obj)
        return weakref.ref(obj)
    except TypeError:
        return None


def sweep_flagger(signal: Any) -> DeathCallback:
    """Return the callback that flags ``signal`` for a sweep of its connections.

    It is called when a weakly referenced receiver or sender dies, and when
    ``signal.receivers`` is changed in place. It only sets a flag (Django's
    ``_dead_receivers``): it runs during garbage collection, possibly while
    the signal's (non-reentrant) lock is held by the same thread, so taking
    the lock here could deadlock. The next connect, disconnect or send sweeps
    under the lock. The signal is itself referenced weakly, so connections
    never keep a signal alive.
    """
    signal_ref = weakref.ref(signal)

    def flag_sweep(_dead: object) -> None:
        live_signal = signal_ref()
        if live_signal is not None:
            live_signal._dead_receivers = True

    return flag_sweep


def lock_is_free(lock: Any) -> bool:
    """Whether nobody holds ``lock`` now (``False`` when the lock cannot say).

    What ``receivers``' assignment replaced is released at once when the
    signal's lock is free; when it is held (code written for Django assigns
    while holding it), a finalizer among the released objects that used the
    signal would wait for that lock, so the release waits for the next sweep.
    """
    locked = getattr(lock, "locked", None)
    return locked is not None and not locked()
