"""Plans, pure-Python: what a send from one sender calls.

A plan holds references to the receivers that a send from one sender reaches,
split into synchronous and asynchronous ones, so that a send neither scans the
connections nor checks senders: it dereferences and calls. Senders without
connections of their own share one plan (``shared``); a sender with
connections of its own has its own, which holds no strong reference to it and
is checked against its identity (``serves``), so an object that reuses a dead
sender's id never gets its plan.

The compiled backend's plans (``_plans.pyx``, the same names) hold their
synchronous receivers as C targets that its send calls without Python-level
dereferencing; this module is what a pure install runs.
"""

from __future__ import annotations

import weakref

from ._entries import is_sender, matching_entries
from ._refs import identity_ref, strong_ref

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from typing import Any

    from ._calls import Receiver
    from ._refs import Ref
    from ._registry import Registry


class Plan:
    """What a send from one sender calls: references to its live receivers."""

    __slots__ = ("version", "shared", "sender_ref", "sender_id", "sync_refs", "async_refs")

    def __init__(
        self,
        version: int,
        shared: bool,
        sender: Any,
        sync_refs: tuple[Ref, ...],
        async_refs: tuple[Ref, ...],
    ) -> None:
        self.version = version  # the signal's version it was made at: later ones retire it
        self.shared = shared  # the plan of every sender without connections of its own
        # The sender of an own plan (see identity_ref), and its id, compared first.
        self.sender_ref = None if shared else identity_ref(sender)
        self.sender_id = None if shared else id(sender)
        self.sync_refs = sync_refs
        self.async_refs = async_refs

    def serves(self, sender: Any) -> bool:
        """Whether this own plan is the one for ``sender`` (not for a dead object at its address)."""
        sender_ref = self.sender_ref
        if self.sender_id == id(sender):
            if sender_ref is None:
                return True  # a sender that cannot be weakly referenced: see identity_ref
            if type(sender_ref) is weakref.ref:
                return sender_ref() is sender
        # A bound method sender is made anew at each access: compared by equality.
        return type(sender_ref) is weakref.WeakMethod and is_sender(sender_ref, sender)

    # Each loop is written out, not shared through a helper: a send runs its
    # receivers one frame below itself, and a helper's frame here would cost
    # nested sends a level of the recursion limit.

    def live_sync(self) -> list[Receiver]:
        """The live synchronous receivers, in connection order."""
        live = []
        for ref in self.sync_refs:
            receiver = ref()
            if receiver is not None:
                live.append(receiver)
        return live

    def live_async(self) -> list[Receiver] | None:
        """The live asynchronous receivers (``None`` when the plan has none)."""
        if not self.async_refs:
            return None
        live = []
        for ref in self.async_refs:
            receiver = ref()
            if receiver is not None:
                live.append(receiver)
        return live


def new_plan(sender: Any, registry: Registry, own_id: Any, version: int) -> Plan:
    """The plan of a send from ``sender``, whose own id is ``own_id`` (see ``Registry.own_id``)."""
    sync_refs: list[Ref] = []
    async_refs: list[Ref] = []
    for receiver, is_async in matching_entries(registry.entries_for(own_id), sender):
        (async_refs if is_async else sync_refs).append(dispatch_ref(receiver))
    return Plan(version, own_id is None, sender, tuple(sync_refs), tuple(async_refs))


def dispatch_ref(receiver: Any) -> Ref:
    """What a plan calls to get an entry's receiver: its weak reference, or a strong one."""
    return receiver if isinstance(receiver, weakref.ReferenceType) else strong_ref(receiver)

