"""Differential state machine: the compiled backend against the pure one.

Unlike ``test_hypothesis_django.py`` (which compares each backend with
Django, on senders alive for the whole session), this machine runs every
random program on a ``cydispatch._pydispatch`` signal and on a
``cydispatch._cdispatch`` signal, each with objects of its own, and compares
every observable result by name after each step. The programs include what
Django gets wrong and so cannot be compared with it:

* senders that are instances and *die* (dropped, or collected with their
  reference cycle), and new senders created afterwards, which may reuse a
  dead sender's address (``id``): both backends must agree that the new
  object is not the dead one;
* receivers that die (functions, bound methods, callable instances, some
  kept alive only by a reference cycle), weak and strong connections,
  ``dispatch_uid``;
* in-place changes to ``signal.receivers``: a saved copy, ``clear()``,
  ``extend(saved)``, ``append``/``del``;
* ``connected_to`` and ``muted`` blocks;
* ``gc.collect()`` at any step;
* results of ``connect`` (exception type), ``disconnect``, ``send``,
  ``send_robust`` (some receivers raise), ``has_listeners`` and
  ``receivers_for``; and, as an invariant, the live contents of
  ``signal.receivers``.

A receiver's own check (that it got its signal) is recorded and asserted by
an invariant: an ``assert`` inside a receiver would become a response, the
same on both backends, and could never fail the test.

The programs are a fixed set by default (``derandomize=True``, no example
database): the same ``PROGRAMS`` (120) on every run, so a failure is
reproducible. With ``CYDISPATCH_FRESH_SEEDS=1`` (``support.py``) they come
from a fresh seed, printed at the start and end of the run, which
``CYDISPATCH_SEED=N`` (or ``--hypothesis-seed=N``) replays. Either way the
test fails if fewer than ``PROGRAMS`` programs ran, or if no new sender and
no new receiver got a dead one's address on each backend.
"""

from __future__ import annotations

import gc
import logging
import weakref

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support import FRESH_SEEDS, entry_fields

from cydispatch import _pydispatch

pytestmark = pytest.mark.c_extension

#: The number of programs the guarantees (docs/guarantees.md) state.
PROGRAMS = 120
SETTINGS = settings(
    max_examples=PROGRAMS,
    stateful_step_count=35,
    deadline=None,
    derandomize=not FRESH_SEEDS,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
#: Counted over a test's run: programs that ran to their end, and new objects made
#: at the address of a dead one of the same slot kind (sender, receiver), per backend.
RUN = {"programs": 0, "sender reuse": [0, 0], "receiver reuse": [0, 0]}

RECEIVER_SLOTS = [f"r{i}" for i in range(3)]
SENDER_SLOTS = [f"s{i}" for i in range(3)]
KINDS = ["function", "method", "instance", "cyclic", "unweakrefable"]
UIDS = [None, "uid-a", "uid-b", ("t", 1)]


class ReceiverFailed(Exception):
    pass


class SenderObj:
    """A sender instance; ``cyclic`` ones are freed only by the cycle collector."""

    __slots__ = ("name", "cycle", "__weakref__")

    def __init__(self, name, cyclic):
        self.name = name
        if cyclic:
            self.cycle = self


class Owner:
    __slots__ = ("name", "world", "cycle", "__weakref__")

    def __init__(self, name, world, cyclic):
        self.name = name
        self.world = world
        if cyclic:
            self.cycle = self

    def method(self, **kwargs):
        return self.world.called(self.name, kwargs)

    def __call__(self, **kwargs):
        return self.world.called(self.name, kwargs)


class Unweakrefable:
    __slots__ = ("name", "world")

    def __init__(self, name, world):
        self.name = name
        self.world = world

    def __call__(self, **kwargs):
        return self.world.called(self.name, kwargs)


class World:
    """One backend's signal, and the objects only it uses."""

    def __init__(self, signal_class, index):
        self.index = index  # in RUN's counts
        self.dead_ids = {"sender": set(), "receiver": set()}  # ids of objects that died
        self.errors = []  # failed checks inside receivers (an assert there would be a response)
        self.signal = signal_class()
        self.receivers = {}  # slot -> the only strong reference to the receiver
        self.kinds = {}  # slot -> the kind of its last receiver
        self.last_connect = {}  # slot -> (sender slot, weak, dispatch_uid) of its last connect
        self.senders = {}  # slot -> the only strong reference to the sender
        self.failing = set()
        self.saved = None
        self.generation = 0

    def called(self, name, kwargs):
        if kwargs["signal"] is not self.signal:
            self.errors.append(f"{name} got another signal: {kwargs['signal']!r}")
        if name in self.failing:
            raise ReceiverFailed(name)
        return name

    def make_receiver(self, slot, kind):
        self.generation += 1
        name = f"{slot}#{self.generation}:{kind}"
        # The old receiver dies just before the new one is made, so that the
        # new one often gets its address, and so its id.
        self.receivers.pop(slot, None)
        self.kinds[slot] = kind
        if kind == "function":

            def receiver(**kwargs):
                return self.called(name, kwargs)

            receiver.name = name
            self.receivers[slot] = receiver
        elif kind == "method":
            self.receivers[slot] = Owner(name, self, cyclic=False).method
        elif kind == "instance":
            self.receivers[slot] = Owner(name, self, cyclic=False)
        elif kind == "cyclic":
            self.receivers[slot] = Owner(name, self, cyclic=True).method
        else:
            self.receivers[slot] = Unweakrefable(name, self)
        self.watch("receiver", self.receivers[slot])
        return name

    def watch(self, kind, obj):
        """Count ``obj`` if it has a dead object's address; note its death when it dies."""
        target = obj.__self__ if hasattr(obj, "__self__") else obj
        if id(target) in self.dead_ids[kind]:
            RUN[f"{kind} reuse"][self.index] += 1
        try:
            weakref.finalize(target, self.dead_ids[kind].add, id(target))
        except TypeError:  # cannot be weakly referenced: its address is freed unseen
            pass

    def sender(self, slot):
        if slot is None:
            return None
        return self.senders.get(slot, "absent")


def name_of(obj):
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    if hasattr(obj, "__self__"):
        return obj.__self__.name
    return obj.name


def outcome(func, *args, **kwargs):
    """``("ok", result)`` or ``("raised", exception type)``."""
    try:
        return ("ok", func(*args, **kwargs))
    except Exception as err:  # noqa: BLE001 - compared between the backends
        return ("raised", type(err).__name__)


def responses(result):
    if result[0] != "ok":
        return result
    return ("ok", [(name_of(r), v if isinstance(v, str) else type(v).__name__) for r, v in result[1]])


def live_entries(signal):
    """The live connections, by name: (receiver, lookup-key uid, sender, is_async)."""
    seen = []
    for entry in list(signal.receivers):
        fields = entry_fields(entry)
        key, receiver, sender_ref = fields["lookup_key"], fields["receiver"], fields["sender_ref"]
        r = receiver() if isinstance(receiver, weakref.ReferenceType) else receiver
        s = sender_ref() if sender_ref is not None else None
        if r is None or (sender_ref is not None and s is None):
            continue
        uid = key[0] if key[0] in UIDS else None  # else a receiver's id, which differs
        seen.append((name_of(r), uid, name_of(s), fields.get("is_async")))
    return seen


class BackendDifferential(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Imported here, so that a pure install can collect this module.
        from cydispatch import _cdispatch

        self.worlds = [World(_pydispatch.Signal, 0), World(_cdispatch.Signal, 1)]
        self.logging_disabled = logging.root.manager.disable
        logging.disable(logging.CRITICAL)  # send_robust logs every failure
        # Cyclic garbage dies at the ``collect`` rule, in both worlds at once: an
        # automatic collection could fall between the two worlds' turns.
        self.gc_was_enabled = gc.isenabled()
        gc.disable()

    def teardown(self):
        logging.disable(self.logging_disabled)
        if self.gc_was_enabled:
            gc.enable()
        RUN["programs"] += 1

    def both(self, op):
        results = [op(world) for world in self.worlds]
        assert results[0] == results[1], results
        return results[0]

    # -- objects, and their deaths ---------------------------------------------------

    @rule(slot=st.sampled_from(RECEIVER_SLOTS), kind=st.sampled_from(KINDS), fails=st.booleans())
    def new_receiver(self, slot, kind, fails):
        def op(world):
            name = world.make_receiver(slot, kind)
            if fails:
                world.failing.add(name)
            return name

        self.both(op)

    @rule(slot=st.sampled_from(RECEIVER_SLOTS))
    def renew_receiver(self, slot):
        """A new receiver of the same kind, likely at the dead one's address."""

        def op(world):
            if slot in world.kinds:
                return world.make_receiver(slot, world.kinds[slot])
            return None

        self.both(op)

    @rule(slot=st.sampled_from(RECEIVER_SLOTS))
    def kill_receiver(self, slot):
        self.both(lambda world: world.receivers.pop(slot, None) is not None)

    @rule(slot=st.sampled_from(SENDER_SLOTS), cyclic=st.booleans())
    def new_sender(self, slot, cyclic):
        # Often at the address of a sender that just died.
        def op(world):
            world.generation += 1
            name = f"{slot}#{world.generation}"
            world.senders.pop(slot, None)  # dies first: its address is free for the new one
            world.senders[slot] = SenderObj(name, cyclic)
            world.watch("sender", world.senders[slot])

        self.both(op)

    @rule(slot=st.sampled_from(SENDER_SLOTS))
    def kill_sender(self, slot):
        self.both(lambda world: world.senders.pop(slot, None) is not None)

    @rule()
    def collect(self):
        gc.collect()

    # -- connections -------------------------------------------------------------------

    @rule(
        slot=st.sampled_from(RECEIVER_SLOTS),
        sender=st.sampled_from([None, *SENDER_SLOTS]),
        weak=st.booleans(),
        uid=st.sampled_from(UIDS),
    )
    def connect(self, slot, sender, weak, uid):
        def op(world):
            receiver = world.receivers.get(slot)
            if receiver is None:
                return "no receiver"
            world.last_connect[slot] = (sender, weak, uid)
            return outcome(world.signal._connect, receiver, world.sender(sender), weak, uid)

        self.both(op)

    @rule(slot=st.sampled_from(RECEIVER_SLOTS))
    def reconnect(self, slot):
        """The slot's (maybe renewed) receiver, connected as its last connect was."""

        def op(world):
            receiver = world.receivers.get(slot)
            if receiver is None or slot not in world.last_connect:
                return "nothing to reconnect"
            sender, weak, uid = world.last_connect[slot]
            return outcome(world.signal._connect, receiver, world.sender(sender), weak, uid)

        self.both(op)

    @rule(
        slot=st.sampled_from(RECEIVER_SLOTS),
        sender=st.sampled_from([None, *SENDER_SLOTS]),
        uid=st.sampled_from(UIDS),
    )
    def disconnect(self, slot, sender, uid):
        self.both(
            lambda world: outcome(
                world.signal.disconnect, world.receivers.get(slot), world.sender(sender), uid
            )
        )

    # -- in-place changes to signal.receivers ---------------------------------------

    @rule()
    def save_receivers(self):
        def op(world):
            world.saved = list(world.signal.receivers)

        self.both(op)

    @rule()
    def clear_receivers(self):
        self.both(lambda world: world.signal.receivers.clear())

    @precondition(lambda self: self.worlds[0].saved is not None)
    @rule()
    def extend_from_saved(self):
        self.both(lambda world: world.signal.receivers.extend(world.saved))

    @rule()
    def drop_saved(self):
        def op(world):
            world.saved = None

        self.both(op)

    @rule(position=st.integers(0, 5))
    def delete_one_entry(self, position):
        def op(world):
            receivers = world.signal.receivers
            if position < len(receivers):
                del receivers[position]
                return True
            return False

        self.both(op)

    # -- sends and queries ---------------------------------------------------------------

    @rule(sender=st.sampled_from([None, *SENDER_SLOTS]), robust=st.booleans())
    def send(self, sender, robust):
        def op(world):
            method = world.signal.send_robust if robust else world.signal.send
            return responses(outcome(method, world.sender(sender), value=1))

        self.both(op)

    @rule(sender=st.sampled_from([None, *SENDER_SLOTS]))
    def has_listeners(self, sender):
        self.both(lambda world: world.signal.has_listeners(world.sender(sender)))

    @rule(sender=st.sampled_from([None, *SENDER_SLOTS]))
    def receivers_for(self, sender):
        self.both(
            lambda world: [name_of(r) for r in world.signal.receivers_for(world.sender(sender))]
        )

    @rule(
        slot=st.sampled_from(RECEIVER_SLOTS),
        sender=st.sampled_from([None, *SENDER_SLOTS]),
        send_from=st.sampled_from([None, *SENDER_SLOTS]),
    )
    def connected_to_block(self, slot, sender, send_from):
        def op(world):
            receiver = world.receivers.get(slot)
            if receiver is None:
                return "no receiver"
            signal = world.signal
            before = live_entries(signal)
            with signal.connected_to(receiver, world.sender(sender)):
                inside = responses(outcome(signal.send_robust, world.sender(send_from)))
            return inside, live_entries(signal) == before

        self.both(op)

    @rule(sender=st.sampled_from([None, *SENDER_SLOTS]))
    def muted_block(self, sender):
        def op(world):
            signal = world.signal
            with signal.muted():
                inside = (
                    signal.send(world.sender(sender)),
                    signal.send_robust(world.sender(sender)),
                    signal.has_listeners(world.sender(sender)),
                )
            return inside, responses(outcome(signal.send_robust, world.sender(sender)))

        result = self.both(op)
        assert result[0][:2] == ([], [])

    @invariant()
    def same_live_connections(self):
        self.both(lambda world: live_entries(world.signal))

    @invariant()
    def receivers_saw_their_own_signal(self):
        for world in self.worlds:
            assert world.errors == [], world.errors


def test_backends_agree_on_random_programs():
    for key in ("sender reuse", "receiver reuse"):
        RUN[key] = [0, 0]
    RUN["programs"] = 0
    run_state_machine_as_test(BackendDifferential, settings=SETTINGS)
    # As many programs as docs/guarantees.md states; and new objects did take dead ones'
    # addresses, on each backend, which is what the id checks are about.
    assert RUN["programs"] >= PROGRAMS, RUN
    assert min(RUN["sender reuse"]) > 0, RUN
    assert min(RUN["receiver reuse"]) > 0, RUN
