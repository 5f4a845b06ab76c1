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

While every connection is for any sender (most signals), ``receivers``
itself is the shared group, and no other is kept: the first connection for
a sender of its own makes the groups.

Each entry is filed under its place in connection order (``seq``, rising),
which orders a merge and gives its position in ``receivers`` without a scan:
the seq less the number of removed seqs below it (``dead``, kept sorted). The
last entry's seq is reused once it is removed; when more than half the seqs
are dead, the entries are numbered afresh. So a disconnect does a constant
amount of Python work, however many connections there are and whichever is
removed. Changes to ``receivers`` that the signal did not make itself (an
assignment, a change in place, a sweep of the dead) build a new ``Registry``
from the list; the signal's own connect and disconnect update it in place,
under the signal's lock.
"""

from __future__ import annotations

from bisect import bisect_left

from ._keys import _make_id, any_sender

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    from ._entries import Entry
    from ._keys import Id, LookupKey

    #: seq -> entry: a group of entries, in connection order.
    Group: TypeAlias = dict[int, Entry]


class Registry:
    """The entries of a signal, by lookup key and by sender (see the module's docstring)."""

    __slots__ = ("entries", "index", "compared", "shared", "by_sender", "method_senders", "next_seq", "dead")

    def __init__(self, entries: list[Entry]) -> None:
        #: the signal's ``receivers``, which this registry mirrors
        self.entries = entries
        self._file_all(False)

    def _file_all(self, grouped: bool) -> None:
        """File the entries of ``receivers``, and nothing else, numbered from 0 in their order.

        The groups are made when ``grouped`` is true or an entry is for a
        sender of its own (see the module's docstring).
        """
        entries = self.entries
        #: lookup key -> the seq of its entry (the first, where an assigned list
        #: repeats a key), for the keys that a dict finds as ``==`` would (see ``exact``)
        self.index: dict[LookupKey, int] = {}
        #: seq -> lookup key, for every other key (a ``dispatch_uid`` of a user's
        #: type): Django finds a key by ``==`` over the connections, so these are
        #: compared with ``==``, as there, in connection order
        self.compared: dict[int, LookupKey] = {}
        #: the entries for any sender; None while ``receivers`` holds no others
        self.shared: Group | None = (
            {} if grouped or not all(any_sender(entry[0][1]) for entry in entries) else None
        )
        #: sender id -> the entries for that sender only
        self.by_sender: dict[Id, Group] = {}
        #: whether a sender id is a bound method's ``(id(instance), id(function))``
        self.method_senders = False
        self.next_seq = 0
        #: the seqs below ``next_seq`` whose entries were removed, in order
        self.dead: list[int] = []
        for entry in entries:
            key = entry[0]
            if exact(key):
                self.index.setdefault(key, self.next_seq)
            else:
                self.compared[self.next_seq] = key
            self._file(self.next_seq, entry)

    def add(self, entry: Entry) -> bool:
        """File a new connection's entry; ``False`` (and no change) when its key is taken.

        A key is taken when a connection's key is equal to it (``==``), as in
        Django; a key's ``__eq__`` or ``__hash__`` that raises propagates.
        """
        key = entry[0]
        if self.shared is None and not any_sender(key[1]):
            self._file_all(True)
        seq = self.next_seq
        if exact(key):
            if self.compared and _first_equal(self.compared, key) >= 0:
                return False
            if self.index.setdefault(key, seq) != seq:
                return False
        else:
            if _first_equal(self.compared, key) >= 0 or self._indexed(key)[1] >= 0:
                return False
            self.compared[seq] = key
        self._file(seq, entry)
        return True

    def _file(self, seq: int, entry: Entry) -> None:
        self.next_seq = seq + 1
        sender_id = entry[0][1]
        if any_sender(sender_id):
            if self.shared is not None:
                self.shared[seq] = entry
            return
        group = self.by_sender.get(sender_id)
        if group is None:
            self.by_sender[sender_id] = {seq: entry}
            if isinstance(sender_id, tuple):
                self.method_senders = True
        else:
            group[seq] = entry

    def remove(self, key: LookupKey) -> int:
        """Unfile the entry of ``key``; return its position in ``receivers``, or -1 when there is none.

        The caller deletes the entry from ``receivers``.
        """
        dead = self.dead
        if len(dead) > self.next_seq - len(dead):
            # Renumbering costs one pass over the live entries, fewer than the
            # removals since the last one: amortised, a constant per removal.
            self._file_all(self.shared is not None)
            dead = self.dead
        seq = self._unindex(key)
        if seq < 0:
            return -1
        sender_id = key[1]
        entry = None
        if not any_sender(sender_id):
            group = self.by_sender[sender_id]
            entry = group.pop(seq)
            if not group:
                del self.by_sender[sender_id]
        elif self.shared is not None:
            entry = self.shared.pop(seq)
        if seq == self.next_seq - 1:
            # The last one (the most common case: what was connected last is
            # disconnected first): every dead seq is below it, and no entry
            # after it needs a seq above a reused one.
            self.next_seq = seq
            position = seq - len(dead)
        else:
            below = bisect_left(dead, seq)
            dead.insert(below, seq)
            position = seq - below
        entries = self.entries
        if position < len(entries):
            found = entries[position]
            # Without groups the entry is known by its key: the first
            # connection with an equal one, as Django finds it.
            if found is entry or (entry is None and found[0] == key):
                return position
        return _find(entries, entry, key)

    def _unindex(self, key: LookupKey) -> int:
        """Drop the first connection (in connection order) whose key equals ``key``; its seq, or -1."""
        if not self.compared and exact(key):
            return self.index.pop(key, -1)  # the commonest case, and the cheapest
        indexed, seq = self._indexed(key)
        compared_seq = _first_equal(self.compared, key) if self.compared else -1
        if compared_seq >= 0 and (seq < 0 or compared_seq < seq):
            del self.compared[compared_seq]
            return compared_seq
        if seq >= 0:
            del self.index[indexed]
        return seq

    def _indexed(self, key: LookupKey) -> tuple[Any, int]:
        """The key in ``index`` equal to ``key``, and its seq (the earliest); ``(None, -1)`` if none."""
        if exact(key):
            return key, self.index.get(key, -1)
        found, seq = None, -1
        for known, known_seq in self.index.items():
            if known == key and (seq < 0 or known_seq < seq):
                found, seq = known, known_seq
        return found, seq

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
            return list(self.entries if self.shared is None else self.shared.values())
        # Two runs, each in connection order: sorting them by seq is a merge.
        assert self.shared is not None  # a sender has connections of its own
        merged = sorted([*self.shared.items(), *self.by_sender[own_id].items()], key=_seq)
        return [entry for _, entry in merged]


def exact(value: Any) -> bool:
    """Whether a dict finds ``value`` exactly as ``==`` does, running no user code.

    True for the builtin scalars a lookup key is made of (receiver and sender
    ids, strings, numbers) and tuples of them; a ``dispatch_uid`` of any other
    type (a user's ``__eq__``/``__hash__``, unhashable, ...) is compared with
    ``==``, as Django compares it.
    """
    kind = type(value)
    if kind is tuple:
        return _exact_items(value)
    return kind is int or kind is str or kind is bytes or kind is float or kind is bool or value is None


def _exact_items(items: tuple[Any, ...]) -> bool:
    for item in items:
        kind = type(item)
        # ids first: every key holds one or two, so they are tested inline.
        if kind is not int and kind is not str and not exact(item):
            return False
    return True


def _first_equal(compared: dict[int, LookupKey], key: LookupKey) -> int:
    """The seq of the first key in ``compared`` equal to ``key`` (Django's comparison), or -1."""
    for seq, known in compared.items():
        if known == key:
            return seq
    return -1


def _seq(filed: tuple[int, Entry]) -> int:
    return filed[0]


def _find(entries: list[Entry], entry: Entry | None, key: LookupKey) -> int:
    # Code changed ``receivers`` through list's own methods, which do not
    # report (``list.reverse(signal.receivers)``): the entry is looked for,
    # or without groups the first with an equal key.
    for position in range(len(entries)):
        found = entries[position]
        if found is entry or (entry is None and found[0] == key):
            return position
    raise ValueError("entry not in receivers")
