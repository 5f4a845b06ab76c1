"""Which lock each operation takes: a replaced ``signal.lock``, and nothing else.

Code written for Django replaces ``signal.lock`` (with a re-entrant lock,
say) and holds it while it changes ``receivers`` and the cache, counting on
every change the signal makes being made under that lock too. A sweep that
took an internal lock instead passed the older check, which only counted
acquisitions (later disconnects made up the count), so here the lock is a
``WatchingLock``: it notes the signal's connections and cache each time it
is taken and released, so that every change is placed inside a hold of the
lock or outside all of them. Operation by operation (connect, disconnect, a
send that builds a plan, one that must sweep a dead receiver first,
``has_listeners``, ``_live_receivers``, an assignment to ``receivers`` and
the send after it, ...), the test records whether the lock was taken, what
changed while it was held, what changed while it was not (nothing may), and
that it is free afterwards; Django's ``Signal`` running the same operations
in the same test must record the same.

Django's signal is made with ``use_caching=True``: without it, Django takes
the lock on every send, where cydispatch (which always caches) takes it
only when it must sweep or build a plan, as Django does when it caches.
"""

from __future__ import annotations

import gc
import threading

import django.dispatch
from support import named


class Sender:
    pass


class WatchingLock:
    """A re-entrant lock that notes the signal's state whenever it is taken or released.

    ``holds`` has one ``(state when taken, state when released)`` pair per outermost hold.
    """

    def __init__(self, signal):
        self._lock = threading.RLock()
        self.signal = signal
        self.depth = 0
        self.holds = []
        self._taken_at = None

    def state(self):
        """The connections, the list that holds them, and the cache's entries.

        Kept, so compared by identity later. The list itself is replaced by a
        sweep even when it drops nothing (after an assignment to ``receivers``).
        """
        return {
            "receivers": tuple(self.signal.receivers),
            "list": (self.signal.receivers,),
            "cache": tuple(self.signal.sender_receivers_cache.items()),
        }

    def acquire(self, *args, **kwargs):
        got = self._lock.acquire(*args, **kwargs)
        if got:
            self.depth += 1
            if self.depth == 1:
                self._taken_at = self.state()
        return got

    def release(self):
        if self.depth == 1:
            self.holds.append((self._taken_at, self.state()))
        self.depth -= 1
        self._lock.release()

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


def changed(before, after):
    """Which parts of the state differ: an entry or a cached value replaced counts."""
    parts = set()
    for part in before:
        old, new = before[part], after[part]
        if len(old) != len(new) or any(not same(a, b) for a, b in zip(old, new)):
            parts.add(part)
    return parts


def same(a, b):
    if isinstance(a, tuple) and len(a) == 2 and isinstance(b, tuple) and len(b) == 2:
        return a[0] == b[0] and a[1] is b[1]  # a cache item: key, value
    return a is b


def observe(lock, operation):
    """Run ``operation``; return whether it took ``lock``, what changed in and out of its holds."""
    before = lock.state()
    lock.holds.clear()
    operation()
    after = lock.state()
    holds = list(lock.holds)
    # The state at each boundary: before, (taken, released) per hold, after. A change
    # between a release (or the start) and the next take (or the end) was made unlocked.
    points = [before, *(state for hold in holds for state in hold), after]
    outside = set().union(*(changed(a, b) for a, b in zip(points[0::2], points[1::2])))
    inside = set().union(*(changed(taken, released) for taken, released in holds))
    return bool(holds), sorted(inside), sorted(outside), lock.depth


def scenario(Signal):
    """The operations, one at a time, on a fresh signal of ``Signal`` with a ``WatchingLock``."""
    signal = Signal(use_caching=True)
    lock = signal.lock = WatchingLock(signal)
    sender, other = Sender(), Sender()
    receivers = {name: named(name) for name in ("a", "b", "c", "d")}

    def dies(name):
        def operation():
            del receivers[name]
            gc.collect()

        return operation

    def assign():
        # As code written for Django does it: under the lock, the cache emptied too.
        with signal.lock:
            signal.receivers = signal.receivers[:1]
            signal.sender_receivers_cache.clear()

    operations = [
        ("connect", lambda: signal.connect(receivers["a"])),
        ("connect for a sender", lambda: signal.connect(receivers["b"], sender=sender)),
        ("connect another", lambda: signal.connect(receivers["c"])),
        ("send that builds a plan", lambda: signal.send(sender)),
        ("send with a plan", lambda: signal.send(sender)),
        ("send_robust with a plan", lambda: signal.send_robust(sender)),
        ("has_listeners that builds a plan", lambda: signal.has_listeners(other)),
        ("has_listeners with a plan", lambda: signal.has_listeners(other)),
        ("_live_receivers with a plan", lambda: signal._live_receivers(sender)),
        ("a receiver dies", dies("c")),
        ("send that must sweep", lambda: signal.send(sender)),
        ("send_robust with a plan again", lambda: signal.send_robust(sender)),
        ("disconnect", lambda: signal.disconnect(receivers["a"])),
        ("_live_receivers that builds a plan", lambda: signal._live_receivers(sender)),
        ("disconnect of nothing", lambda: signal.disconnect(receivers["a"])),
        ("send_robust that builds a plan", lambda: signal.send_robust(other)),
        ("connect after the disconnect", lambda: signal.connect(receivers["d"])),
        ("another receiver dies", dies("d")),
        ("has_listeners that must sweep", lambda: signal.has_listeners(other)),
        ("connect again", lambda: signal.connect(receivers["a"])),
        ("another receiver dies again", dies("a")),
        ("_live_receivers that must sweep", lambda: signal._live_receivers(sender)),
        ("connect for the other sender", lambda: signal.connect(receivers["b"], sender=other)),
        ("send from the other sender", lambda: signal.send(other)),
        ("assignment to receivers under the lock", assign),
        ("send after the assignment", lambda: signal.send(sender)),
        ("send from the other sender after it", lambda: signal.send(other)),
        ("connect after it", lambda: signal.connect(receivers["b"])),
        ("disconnect for a sender", lambda: signal.disconnect(receivers["b"], sender=sender)),
    ]
    return [(name, *observe(lock, operation)) for name, operation in operations]


def test_each_operation_takes_the_replaced_lock_as_djangos_does(Signal):
    ours = scenario(Signal)
    # No change is made without the lock, and it is free after each operation.
    assert [(name, outside, depth) for name, _, _, outside, depth in ours] == [
        (name, [], 0) for name, *_ in ours
    ]
    assert comparable(ours) == comparable(scenario(django.dispatch.Signal), django=True)


def comparable(records, django=False):
    """``records`` less what may differ from Django's.

    Which list holds the connections is each one's business (cydispatch's sweep after
    an assignment makes a new one); and Django empties its cache on a disconnect that
    removed nothing, where cydispatch keeps its plans, which nothing made stale.
    """
    return [
        (name, took, [
            part for part in inside
            if part != "list" and not (django and (part, name) == ("cache", "disconnect of nothing"))
        ], outside, depth)
        for name, took, inside, outside, depth in records
    ]
