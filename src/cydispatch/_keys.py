"""How receivers and senders are identified in a signal's registry.

Django keys a connection by ``(receiver id, sender id)`` (a bound method by
``(id(instance), id(function))``) or by ``(dispatch_uid, sender id)``. The same
keys are kept here so that connecting twice, disconnecting and ``dispatch_uid``
behave exactly as in Django; the sender's identity is additionally checked
through a reference (see ``_refs``), so a reused id never matches.
"""

from __future__ import annotations

try:
    import cython  # type: ignore[import-untyped, import-not-found, unused-ignore]
except ImportError:  # a pure install: see _pure_cython
    from . import _pure_cython as cython  # type: ignore[no-redef, unused-ignore]

from types import FunctionType

from ._validation import _has_attributes

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Hashable
    from typing import Any, TypeAlias

    #: ``id(obj)``, or ``(id(instance), id(function))`` for a bound method.
    Id: TypeAlias = int | tuple[int, int]
    #: ``(receiver id or dispatch_uid, sender id)``.
    LookupKey: TypeAlias = tuple[Hashable, Id]


#: The sender id of "any sender": ``sender=None``'s.
NONE_ID = id(None)


def _make_id(target: Any) -> Id:
    """Return the identity Django uses for ``target`` in a lookup key."""
    if target is None:  # the commonest sender; id() is a call, and an audit event
        return NONE_ID
    # A plain function (the commonest receiver) has no ``__func__`` unless
    # given one: hasattr is skipped for those without attributes.
    if (type(target) is not FunctionType or _has_attributes(target)) and hasattr(target, "__func__"):
        return (_address(target.__self__), _address(target.__func__))
    return _address(target)


def _address(target: Any) -> int:
    """``id(target)``.

    Compiled, the address is read without calling ``id``, whose audit event
    ("builtins.id") costs more than the rest of a key; audit hooks see none
    from cydispatch's keys.
    """
    if cython.compiled:
        return PyLong_FromVoidPtr(cython.cast(cython.p_void, target))  # type: ignore[name-defined,no-any-return]  # noqa: F821
    return id(target)


def any_sender(sender_id: Id) -> bool:
    """Whether a lookup key's sender id stands for "any sender" (``sender=None``)."""
    # The keys made here hold NONE_ID itself; an equal int (an entry made by
    # other code) counts too.
    return sender_id is NONE_ID or bool(sender_id == NONE_ID)


def lookup_key(receiver: Any, sender: Any, dispatch_uid: Hashable | None) -> LookupKey:
    """Return the registry key of a connection, as Django computes it.

    As in Django, a falsy ``dispatch_uid`` (``None``, ``""``, ``0``) means "no
    uid": the receiver's own identity is used. A uid may be of any type: as
    in Django, it is compared with ``==`` (see ``_registry.exact``), never
    required to be hashable.
    """
    if dispatch_uid:
        return (dispatch_uid, _make_id(sender))
    return (_make_id(receiver), _make_id(sender))
