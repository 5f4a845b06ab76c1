"""A signal's connections: the entry each one is kept as, shared by both backends.

An entry is the tuple ``(lookup_key, receiver, sender_ref, is_async)``, the
shape of Django 6's: ``receiver`` is a weak reference (``weakref.ref``, or
``weakref.WeakMethod`` for a bound method) or, for ``weak=False``, the
receiver itself; ``sender_ref`` is ``None`` for "any sender", else a
reference to the sender (see ``_refs.sender_ref``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from ._keys import LookupKey, lookup_key
from ._refs import DeathCallback, Ref, receiver_ref, sender_ref
from ._validation import code_flags, is_async, validate_receiver

Entry = tuple[LookupKey, Any, "Ref | None", bool]


def make_entry(
    receiver: Any, sender: Any, weak: bool, dispatch_uid: Hashable | None, on_death: DeathCallback
) -> Entry:
    """Check a connection's arguments and return its entry; raise before anything changes."""
    flags = code_flags(receiver)
    validate_receiver(receiver, flags)
    return (
        lookup_key(receiver, sender, dispatch_uid),
        receiver_ref(receiver, weak, on_death),
        sender_ref(sender, on_death),
        is_async(receiver, flags),
    )


def is_dead(entry: Entry) -> bool:
    """Whether the entry's weakly held receiver or sender has died."""
    _, receiver, sender, _ = entry
    return (isinstance(receiver, weakref.ReferenceType) and receiver() is None) or (
        sender is not None and sender() is None
    )


def checked_entries(entries: Iterable[Any]) -> list[Entry]:
    """The entries of an assignment to ``receivers``, as a list; raise before anything changes."""
    checked = list(entries)
    for entry in checked:
        if not isinstance(entry, tuple) or len(entry) != 4:
            raise TypeError(
                "receivers holds (lookup_key, receiver, sender_ref, is_async) tuples, "
                f"not {type(entry).__name__!r}: {entry!r:.80}"
            )
        hash(entry[0])
    return checked


def index_entries(entries: Iterable[Entry]) -> dict[LookupKey, Entry]:
    """Map each entry's lookup key to the entry (the first, where keys repeat)."""
    index: dict[LookupKey, Entry] = {}
    for entry in entries:
        index.setdefault(entry[0], entry)
    return index


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

