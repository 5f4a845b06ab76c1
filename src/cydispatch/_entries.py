"""A signal's connections: the entry each one is kept as, shared by both backends.

An entry is the tuple ``(lookup_key, receiver, sender_ref, is_async)``, the
shape of Django 6's: ``receiver`` is a weak reference (``weakref.ref``, or
``weakref.WeakMethod`` for a bound method) or, for ``weak=False``, the
receiver itself; ``sender_ref`` is ``None`` for "any sender", else a
reference to the sender (see ``_refs.sender_ref``).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any

from ._keys import LookupKey, lookup_key
from ._refs import DeathCallback, Ref, receiver_ref, sender_ref
from ._validation import is_async, validate_receiver

Entry = tuple[LookupKey, Any, "Ref | None", bool]


def make_entry(
    receiver: Any, sender: Any, weak: bool, dispatch_uid: Hashable | None, on_death: DeathCallback
) -> Entry:
    """Check a connection's arguments and return its entry; raise before anything changes."""
    validate_receiver(receiver)
    return (
        lookup_key(receiver, sender, dispatch_uid),
        receiver_ref(receiver, weak, on_death),
        sender_ref(sender, on_death),
        is_async(receiver),
    )


def is_dead(entry: Entry) -> bool:
    """Whether the entry's weakly held receiver or sender has died."""
    _, receiver, sender, _ = entry
    return (isinstance(receiver, weakref.ReferenceType) and receiver() is None) or (
        sender is not None and sender() is None
    )


def index_entries(entries: list[Entry]) -> dict[LookupKey, Entry]:
    """Map each entry's lookup key to the entry (the first, where keys repeat)."""
    index: dict[LookupKey, Entry] = {}
    for entry in entries:
        index.setdefault(entry[0], entry)
    return index
