"""A signal's connections: the entry each one is kept as, shared by both backends.

An entry is a tuple in the shape of the installed Django's (see ``_flavour``):
from Django 6.0, ``(lookup_key, receiver, sender_ref, is_async)``.
``receiver`` is a weak reference (``weakref.ref``, or ``weakref.WeakMethod``
for a bound method) or, for ``weak=False``, the receiver itself;
``sender_ref`` is ``None`` for "any sender", else a reference to the sender
(see ``_refs.sender_ref``). Older shapes carry the sender's reference in the
lookup key's sender id.
"""

from __future__ import annotations

import weakref
from types import MethodType

from ._flavour import ENTRY_FIELDS, pack_entry, unpack_entry
from ._keys import any_sender, lookup_key
from ._refs import receiver_ref, sender_ref
from ._validation import code_flags, is_async, validate_receiver

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable
    from typing import Any, TypeAlias

    from ._refs import DeathCallback

    #: ``(lookup_key, receiver, ...)``: see ``_flavour.ENTRY_FIELDS``.
    Entry: TypeAlias = tuple[Any, ...]


def make_entry(
    receiver: Any, sender: Any, weak: bool, dispatch_uid: Hashable | None, on_death: DeathCallback
) -> Entry:
    """Check a connection's arguments and return its entry; raise before anything changes."""
    flags = code_flags(receiver)
    validate_receiver(receiver, flags)
    return pack_entry(
        lookup_key(receiver, sender, dispatch_uid),
        receiver_ref(receiver, weak, on_death),
        sender_ref(sender, on_death),
        is_async(receiver, flags),
    )


def is_dead(entry: Entry) -> bool:
    """Whether the entry's weakly held receiver or sender has died."""
    receiver, _, sender, _ = unpack_entry(entry)
    return (isinstance(receiver, weakref.ReferenceType) and receiver() is None) or (
        sender is not None and sender() is None
    )


def is_sender(entry_sender: Any, sender: Any) -> bool:
    """Whether an entry's reference to its sender (or ``None``: none known) refers to ``sender``."""
    if entry_sender is None:
        return True
    live = entry_sender()
    # A bound method sender is equal, not identical, to the one connected.
    return live is sender or (type(live) is MethodType and live == sender)


def matching_entries(entries: Iterable[Entry], sender: Any) -> list[tuple[Any, bool]]:
    """``(receiver, is_async)`` of each entry that a send from ``sender`` reaches, in order.

    ``entries`` are those a registry files for the sender's id (see
    ``Registry.entries_for``): each is for any sender or for that id, so the
    sender is not asked for its id again here. Only the sender's identity is
    checked, through the entry's reference to it, so that an object reusing a
    dead sender's id does not match. The sender itself is never probed (no
    attribute, no hash): a send's result never depends on whether a plan was
    already made for it.
    """
    found = []
    for entry in entries:
        receiver, sender_id, entry_sender, receiver_is_async = unpack_entry(entry)
        if not any_sender(sender_id) and not is_sender(entry_sender, sender):
            continue
        # A shape without the field is Django 4.2's, which has no asynchronous
        # receivers: it calls every receiver as a synchronous one (a coroutine
        # function's response is its coroutine), and so does a send here.
        found.append((receiver, bool(receiver_is_async)))
    return found


def checked_entries(entries: Iterable[Any]) -> list[Entry]:
    """The entries of an assignment to ``receivers``, as a list; raise before anything changes."""
    checked = list(entries)
    for entry in checked:
        if not isinstance(entry, tuple) or len(entry) != len(ENTRY_FIELDS):
            raise TypeError(
                f"receivers holds ({', '.join(ENTRY_FIELDS)}) tuples, not {type(entry).__name__!r}: {entry!r:.80}"
            )
        if not isinstance(entry[0], tuple) or len(entry[0]) != 2:
            raise TypeError(f"an entry's lookup key is a (receiver id, sender id) tuple, not {entry[0]!r:.80}")
    return checked


class ReceiverList(list):  # type: ignore[type-arg]
    """``Signal.receivers``: a list of entries that reports changes made to it in place.

    Django reads ``receivers`` on every send, so code written for Django may
    change it in place (``signal.receivers.clear()``, ``.append(entry)``). A
    signal here also keeps an index and caches derived from it, so every
    mutating method calls ``changed``, which flags the signal: under its lock,
    the next connect, disconnect or send rebuilds what it derives from the
    list, as after a receiver's death. The signal's own changes bypass this
    (through ``list``'s methods) and update the index and caches directly.
    """

    __slots__ = ("changed",)

    def __init__(self, entries: Any = (), changed: Callable[[Any], None] | None = None) -> None:
        super().__init__(entries)
        self.changed = changed

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # Copied or pickled, it is a plain list, as Django's ``receivers`` is:
        # the copy belongs to no signal, and the report it would carry (a
        # closure over its signal) cannot be pickled.
        return list, (list(self),)


def _reporting(name: str) -> Callable[..., Any]:
    mutate = getattr(list, name)

    def method(self: ReceiverList, *args: Any, **kwargs: Any) -> Any:
        result = mutate(self, *args, **kwargs)
        if self.changed is not None:
            self.changed(None)
        return result

    method.__name__ = method.__qualname__ = name
    method.__doc__ = mutate.__doc__
    return method


for _name in (
    "__delitem__", "__iadd__", "__imul__", "__setitem__", "append", "clear",
    "extend", "insert", "pop", "remove", "reverse", "sort",
):
    setattr(ReceiverList, _name, _reporting(_name))

