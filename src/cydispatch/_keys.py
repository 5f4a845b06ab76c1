"""How receivers and senders are identified in a signal's registry.

Django keys a connection by ``(receiver id, sender id)`` (a bound method by
``(id(instance), id(function))``) or by ``(dispatch_uid, sender id)``. The same
keys are kept here so that connecting twice, disconnecting and ``dispatch_uid``
behave exactly as in Django; the sender's identity is additionally checked
through a reference (see ``_refs``), so a reused id never matches.
"""

from __future__ import annotations

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
    if hasattr(target, "__func__"):
        return (id(target.__self__), id(target.__func__))
    return id(target)


def any_sender(sender_id: Id) -> bool:
    """Whether a lookup key's sender id stands for "any sender" (``sender=None``)."""
    return bool(sender_id == NONE_ID)


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
