"""A signal's connections, indexed for connect, disconnect and send; shared by both backends.

``Signal.receivers`` is the list of entries, in connection order, as Django
keeps it. A ``Registry`` indexes the same entries two ways:

* by lookup key, so that connect finds a duplicate and disconnect finds its
  entry without a scan;
* by sender: the entries for any sender in one group, those of each sender
  that has connections of its own in a group of that sender's id. A send
  from a sender without connections of its own reaches the shared group
  only, so every such sender shares one plan; a plan for a sender with
  connections of its own merges its group with the shared one. Finding
  either never scans the registry, so a send costs the same however many
  senders exist and whichever of them are alive.

Each entry is filed with its position in connection order (``seq``, rising,
never reused), which orders a merge. Changes to ``receivers`` that the signal
did not make itself (an assignment, a change in place, a sweep of the dead)
build a new ``Registry`` from the list; the signal's own connect and
disconnect update it in place, under the signal's lock.
"""

from __future__ import annotations

from ._keys import _make_id, any_sender

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TypeAlias

    from ._entries import Entry
    from ._keys import Id, LookupKey

    #: ``(seq, entry)``: an entry and its position in connection order.
    Filed: TypeAlias = tuple[int, Entry]


class Registry:
    """The entries of a signal, by lookup key and by sender (see the module's docstring)."""

    __slots__ = ("index", "shared", "by_sender", "method_senders", "next_seq")

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        #: lookup key -> entry (the first, where an assigned list repeats a key)
        self.index: dict[LookupKey, Entry] = {}
        #: the entries for any sender, in connection order
        self.shared: list[Filed] = []
        #: sender id -> the entries for that sender only, in connection order
        self.by_sender: dict[Id, list[Filed]] = {}
        #: whether a sender id is a bound method's ``(id(instance), id(function))``
        self.method_senders = False
        self.next_seq = 0
        for entry in entries:
            self.index.setdefault(entry[0], entry)
            self._file(entry)

    def add(self, entry: Entry) -> bool:
        """File a new connection's entry; ``False`` (and no change) when its key is taken."""
        if self.index.setdefault(entry[0], entry) is not entry:
            return False
        self._file(entry)
        return True

    def _file(self, entry: Entry) -> None:
        filed = (self.next_seq, entry)
        self.next_seq += 1
        sender_id = entry[0][1]
        if any_sender(sender_id):
            self.shared.append(filed)
            return
        group = self.by_sender.get(sender_id)
        if group is None:
            self.by_sender[sender_id] = [filed]
            if isinstance(sender_id, tuple):
                self.method_senders = True
        else:
            group.append(filed)

    def remove(self, key: LookupKey) -> Entry | None:
        """Unfile and return the entry of ``key``, or ``None`` when there is none."""
        entry = self.index.pop(key, None)
        if entry is None:
            return None
        sender_id = key[1]
        if any_sender(sender_id):
            _unfile(self.shared, entry)
        else:
            group = self.by_sender[sender_id]
            _unfile(group, entry)
            if not group:
                del self.by_sender[sender_id]
        return entry

    def own_id(self, sender: Any) -> Id | None:
        """The id by which ``sender`` has connections of its own, or ``None`` when it has none.

        Only an id is compared here, as in Django: whether the object at that
        id is the one connected is checked by the plan (see ``matching_entries``).
        """
        by_sender = self.by_sender
        if not by_sender:
            return None
        sender_id = _make_id(sender) if self.method_senders else id(sender)
        return sender_id if sender_id in by_sender else None

    def entries_for(self, own_id: Id | None) -> list[Entry]:
        """The entries a send reaches from a sender with ``own_id`` (see ``own_id``), in order."""
        if own_id is None:
            return [entry for _, entry in self.shared]
        # Two runs, each in connection order: sorting them by seq is a merge.
        return [entry for _, entry in sorted(self.shared + self.by_sender[own_id], key=_seq)]


def _seq(filed: Filed) -> int:
    return filed[0]


def _unfile(group: list[Filed], entry: Entry) -> None:
    # From the end: what is disconnected is most often what was connected last.
    for position in range(len(group) - 1, -1, -1):
        if group[position][1] is entry:
            group.pop(position)
            return
    raise ValueError("entry not filed in the registry")
