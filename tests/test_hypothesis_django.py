"""Differential property tests: random programs on a cydispatch signal and on Django's.

Hypothesis state machines apply every operation to a signal of the backend
under test and to ``django.dispatch.Signal`` (the same receiver objects are
connected to both) and compare every observable result after each step:

* ``connect`` of receivers from a fixed pool of names (plain functions, bound
  methods of a few instances, callable instances, a callable instance that
  cannot be weakly referenced), weakly or strongly, to a sender from a pool
  (``None``, classes, instances), with a ``dispatch_uid`` from a pool that
  includes falsy ones; whether it raised, and the exception type;
* ``disconnect`` by receiver and sender or by ``dispatch_uid``: the returned bool;
* ``send`` and ``send_robust`` (and, with asynchronous receivers in the pool,
  ``asend`` and ``asend_robust``) with some receivers told to raise: the
  ``(receiver, response)`` list, or the exception that ended the dispatch;
  which receivers were called, with which ``signal``; what was logged;
* ``has_listeners`` for every sender of the pool;
* receiver death: the machine holds the only strong reference to each
  receiver object, so dropping it kills the receiver (a name used again
  later gets a fresh object); and, after each operation that sweeps dead
  entries, the contents of ``signal.receivers`` (lookup keys, receivers,
  ``is_async``).

Senders are module globals, alive for the whole session (Django keys
senders by id alone, and cydispatch's fix for reused ids is tested
elsewhere), hashable and weakly referenceable, so that Django's
``use_caching=True`` signal accepts them. The one sender Django's caching
signal cannot handle is ``None`` (``send(None)`` and ``has_listeners()``
raise ``TypeError``: it keys its cache by a weak reference to the sender, one
of the six deliberate fixes); there the cydispatch signal is compared with a
non-caching Django signal that receives the same program.

A third test covers what the shared receivers cannot: receivers that kill,
disconnect or connect receivers during a send. Each implementation runs the
program with receivers of its own, and the results are compared by name.

The programs are a fixed set by default (``derandomize=True``, no example
database): the same 1,040 programs per backend on every run (250 + 250 +
120 + 120 + 300; each test fails if fewer ran), so a failure is
reproducible. With ``CYDISPATCH_FRESH_SEEDS=1`` (``support.py``) they come
from a fresh seed, printed at the start and end of the run, which
``CYDISPATCH_SEED=N`` (or ``--hypothesis-seed=N``) replays. The state
machines also require that some receiver was made at the address of a dead
one during the run (Django and cydispatch key receivers by ``id``).
"""

from __future__ import annotations

import asyncio
import builtins
import collections
import contextlib
import gc
import logging
import types
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import django
import pytest
from django.dispatch import Signal as DjangoSignal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from support import FRESH_SEEDS, entry_fields

SYNC_SETTINGS = settings(
    max_examples=250,
    stateful_step_count=40,
    deadline=None,
    derandomize=not FRESH_SEEDS,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ASYNC_SETTINGS = settings(SYNC_SETTINGS, max_examples=120, stateful_step_count=30)

#: Up to Django 6.0, asend runs its synchronous batch concurrently with the
#: asynchronous receivers; from 6.1, before them.
CONCURRENT_ASEND = django.VERSION < (6, 1)
#: Django 5.0 added asynchronous receivers.
DJANGO_ASYNC = django.VERSION >= (5, 0)
#: What several failing asynchronous receivers raise from Django 6.1 (Python 3.11+).
EXCEPTION_GROUPS = getattr(builtins, "BaseExceptionGroup", ())


#: Counted over a test's run (reset by ``counting``): programs that ran to their
#: end, and receiver objects made at the address of one that had died.
RUN: collections.Counter[str] = collections.Counter()
#: The addresses of the receiver objects that died during the current test.
DEAD_IDS: set[int] = set()


@contextlib.contextmanager
def counting(programs: int, reuse: bool = True) -> Iterator[None]:
    """Require at least ``programs`` programs to run (docs/guarantees.md's count) and, with
    ``reuse``, some receiver to get a dead receiver's address (what the id checks are for)."""
    RUN.clear()
    DEAD_IDS.clear()
    yield
    assert RUN["programs"] >= programs, RUN
    if reuse:
        assert RUN["address reused"] > 0, RUN


def watch(obj: object) -> None:
    """Count ``obj`` if it has a dead receiver's address; note its death when it dies."""
    if id(obj) in DEAD_IDS:
        RUN["address reused"] += 1
    with contextlib.suppress(TypeError):  # one that cannot be weakly referenced
        weakref.finalize(obj, DEAD_IDS.add, id(obj))


# --------------------------------------------------------------------------- senders


class SenderBase:
    """A sender class; its instances are senders too."""


class SenderSub(SenderBase):
    """A subclass: connecting to the base class does not catch its sends."""


class OtherSender:
    """An unrelated sender class."""


SENDER_INSTANCE_1 = SenderBase()
SENDER_INSTANCE_2 = SenderBase()
SENDERS = (None, SenderBase, SenderSub, OtherSender, SENDER_INSTANCE_1, SENDER_INSTANCE_2)
DISPATCH_UIDS = (None, "", 0, "uid-a", "uid-b", ("uid", 1))


# --------------------------------------------------------------------------- receivers


class ReceiverError(Exception):
    """What a receiver told to fail raises: ``ReceiverError(name, value)``."""


class Recorder:
    """Shared by the receivers of one program: which must fail, and who was called."""

    def __init__(self) -> None:
        self.raising: frozenset[str] = frozenset()
        self.calls: list[tuple[str, object]] = []

    def __call__(self, name: str, signal: object, sender: object, kwargs: dict[str, Any]) -> Any:
        self.calls.append((name, signal))  # list.append is atomic: sync_to_async threads
        if name in self.raising:
            raise ReceiverError(name, kwargs.get("value"))
        return (name, sender, kwargs.get("value"), tuple(sorted(kwargs)))


def make_function(name: str, rec: Recorder) -> Callable[..., Any]:
    def receiver(signal: object, sender: object, **kwargs: Any) -> Any:
        return rec(name, signal, sender, kwargs)

    receiver.__qualname__ = name  # what send_robust logs
    return receiver


def make_coroutine_function(name: str, rec: Recorder) -> Callable[..., Any]:
    async def receiver(signal: object, sender: object, **kwargs: Any) -> Any:
        return rec(name, signal, sender, kwargs)

    receiver.__qualname__ = name
    return receiver


class Listener:
    """Its bound methods are receivers (held by ``WeakMethod`` when connected weakly)."""

    def __init__(self, name: str, rec: Recorder) -> None:
        self.name, self.rec = name, rec

    def on_a(self, signal: object, sender: object, **kwargs: Any) -> Any:
        return self.rec(f"{self.name}.on_a", signal, sender, kwargs)

    def on_b(self, signal: object, sender: object, **kwargs: Any) -> Any:
        return self.rec(f"{self.name}.on_b", signal, sender, kwargs)

    async def on_async(self, signal: object, sender: object, **kwargs: Any) -> Any:
        return self.rec(f"{self.name}.on_async", signal, sender, kwargs)


class CallableReceiver:
    """A callable instance (weakly referenceable)."""

    def __init__(self, name: str, rec: Recorder) -> None:
        self.name, self.rec = name, rec
        # Django's send_robust reads __qualname__ when it logs a failure and
        # raises AttributeError without it (a deliberate fix in cydispatch);
        # with one, the two must agree.
        self.__qualname__ = name

    def __call__(self, signal: object, sender: object, **kwargs: Any) -> Any:
        return self.rec(self.name, signal, sender, kwargs)


class Unweakrefable:
    """A callable instance that cannot be weakly referenced: only ``weak=False`` works."""

    __slots__ = ("name", "rec", "__dict__")

    def __init__(self, name: str, rec: Recorder) -> None:
        self.name, self.rec = name, rec
        self.__qualname__ = name

    def __call__(self, signal: object, sender: object, **kwargs: Any) -> Any:
        return self.rec(self.name, signal, sender, kwargs)


#: Receiver names: "owner" or "owner.method"; the owner's prefix says what it is.
SYNC_RECEIVERS = ("f0", "f1", "f2", "o0.on_a", "o0.on_b", "o1.on_a", "c0", "n0")
ASYNC_RECEIVERS = ("af0", "af1", "o0.on_async", "o1.on_async")
ASYNC_SET = frozenset(ASYNC_RECEIVERS)
#: The pool of the machine with asynchronous receivers: about as many of each kind.
MIXED_RECEIVERS = ("f0", "f1", "o0.on_a", "c0", "n0", *ASYNC_RECEIVERS)


def create_owner(name: str, rec: Callable[..., Any]) -> object:
    if name.startswith("af"):
        return make_coroutine_function(name, rec)
    factory = {"f": make_function, "o": Listener, "c": CallableReceiver, "n": Unweakrefable}
    return factory[name[0]](name, rec)


def receiver_name(receiver: Any) -> str:
    if isinstance(receiver, types.MethodType):
        return f"{receiver.__self__.name}.{receiver.__func__.__name__}"
    return str(receiver.__qualname__)


def receiver_identity(receiver: Any) -> object:
    """What tells receivers apart while they are alive (a bound method is created per access)."""
    if isinstance(receiver, types.MethodType):
        return (id(receiver.__self__), id(receiver.__func__))
    return id(receiver)


def normalize_response(response: Any) -> Any:
    if isinstance(response, BaseException):
        # Break the cycle error -> traceback -> frame -> responses -> error, so
        # that receivers die as soon as the machine drops them.
        response.__traceback__ = None
        return ("error", type(response), response.args)
    return ("value", response)


def normalize_responses(responses: list[tuple[Any, Any]]) -> list[tuple[Any, ...]]:
    return [
        (receiver_name(r), receiver_identity(r), normalize_response(resp))
        for r, resp in responses
    ]


def registry(signal: Any) -> list[tuple[Any, Any, bool]]:
    """``signal.receivers`` as ``(lookup_key, receiver or None if dead, is_async)``."""
    entries = []
    for entry in signal.receivers:
        fields = entry_fields(entry)
        receiver = fields["receiver"]
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        entries.append((fields["lookup_key"], receiver, fields.get("is_async")))
    return entries


# --------------------------------------------------------------------------- logging


class ListHandler(logging.Handler):
    """Keeps ``(level, message, exception type)`` of each record (not the record:
    its traceback would keep receivers alive)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc_type = record.exc_info[0] if record.exc_info else None
        self.records.append((record.levelname, record.getMessage(), exc_type))


@contextlib.contextmanager
def capture_dispatch_log() -> Iterator[ListHandler]:
    """Route the ``django.dispatch`` logger (both implementations log there) to a
    ``ListHandler`` alone.

    Entered in the test's body: pytest attaches its capturing handler, which
    keeps whole records (and so, through their tracebacks, the receivers), to
    the loggers that do not propagate when the test's call begins.
    """
    logger = logging.getLogger("django.dispatch")
    handler = ListHandler()
    saved = logger.handlers, logger.propagate, logger.level
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.handlers, logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])


# --------------------------------------------------------------------------- the machine


def make_machine(
    backend: types.ModuleType, *, use_caching: bool, with_async: bool, log: ListHandler
) -> type[RuleBasedStateMachine]:
    receiver_names = MIXED_RECEIVERS if with_async else SYNC_RECEIVERS
    owner_names = sorted({name.partition(".")[0] for name in receiver_names})
    receivers = st.sampled_from(receiver_names)
    senders = st.sampled_from(SENDERS)
    failing = st.one_of(
        st.just(frozenset()), st.frozensets(receivers, min_size=1, max_size=3)
    )
    values = st.integers(0, 3)
    # (receiver name, sender, weak, dispatch_uid); "any sender" is favoured so
    # that sends reach receivers more often.
    connections = st.tuples(
        receivers,
        st.one_of(st.just(None), senders),
        st.booleans(),
        st.sampled_from(DISPATCH_UIDS),
    )

    class DjangoDifferential(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.rec = Recorder()
            self.owners: dict[str, object] = {}
            self.cy = backend.Signal(use_caching=use_caching)
            self.dj = DjangoSignal(use_caching=use_caching)
            # Django's caching signal raises TypeError for the sender None:
            # a non-caching one stands in for it there.
            self.dj_plain = DjangoSignal() if use_caching else self.dj
            self.signals = (self.cy, self.dj, self.dj_plain) if use_caching else (self.cy, self.dj)
            # Set when a send may have swept dead entries from one signal and
            # not the other (Django's caching signal answers a sender cached
            # as having no receivers without sweeping); cleared by operations
            # that sweep every signal.
            self.unswept = False
            # Weak references to killed receiver objects that a signal still
            # holds strongly (weak=False): see collect_zombies().
            self.zombies: list[weakref.ReferenceType[Any]] = []

        # ------------------------------------------------------------ helpers

        def owner(self, name: str) -> object:
            if name not in self.owners:
                self.owners[name] = create_owner(name, self.rec)
                watch(self.owners[name])
            return self.owners[name]

        def teardown(self) -> None:
            RUN["programs"] += 1

        def receiver(self, name: str) -> Any:
            owner, _, method = name.partition(".")
            obj = self.owner(owner)
            return getattr(obj, method) if method else obj

        def held_strongly(self, obj: object) -> bool:
            """Whether a signal holds ``obj`` (or a bound method of it) strongly."""
            for signal in self.signals:
                for entry in signal.receivers:
                    receiver = entry[1]
                    if not isinstance(receiver, weakref.ReferenceType) and (
                        receiver is obj or getattr(receiver, "__self__", None) is obj
                    ):
                        return True
            return False

        def collect_zombies(self) -> None:
            """Let the killed receivers that no signal holds any more die now.

            A killed receiver that a signal holds strongly (``weak=False``)
            lives on; once disconnected it dies at once, unless a reference
            cycle (an exception's traceback from an earlier send) still holds
            it: it would then die at some later automatic collection, perhaps
            between the operations on two signals, and they would disagree.
            """
            self.zombies = [ref for ref in self.zombies if ref() is not None]
            if any(not self.held_strongly(ref()) for ref in self.zombies):
                gc.collect()
                self.zombies = [ref for ref in self.zombies if ref() is not None]

        def reference(self, sender: object) -> Any:
            """The Django signal to compare with for sends from ``sender``."""
            return self.dj_plain if sender is None else self.dj

        def dispatch(
            self, signal: Any, method: str, sender: object, fail: frozenset[str], value: int
        ) -> tuple[Any, list[str], list[tuple[str, str, Any]]]:
            """Run one send; return (outcome, names of receivers called, log records)."""
            self.rec.raising = fail
            self.rec.calls.clear()
            log.records.clear()
            call = getattr(signal, method)
            try:
                if method.startswith("a"):
                    responses = asyncio.run(call(sender, value=value))
                else:
                    responses = call(sender, value=value)
            except ReceiverError as err:
                outcome: Any = ("raised", type(err), err.args)
            except EXCEPTION_GROUPS as group:  # two or more async failures, from Django 6.1
                outcome = ("raised", type(group), sorted(err.args for err in group.exceptions))
            else:
                outcome = ("returned", normalize_responses(responses))
                del responses
            calls = list(self.rec.calls)
            self.rec.calls.clear()
            assert all(s is signal for _, s in calls), "a receiver got another signal"
            return outcome, [name for name, _ in calls], list(log.records)

        def compare_send(
            self, method: str, sender: object, fail: frozenset[str], value: int
        ) -> None:
            expected = self.dispatch(self.reference(sender), method, sender, fail, value)
            actual = self.dispatch(self.cy, method, sender, fail, value)
            if method.startswith("a"):
                # The synchronous batch runs in a thread (up to Django 6.0 concurrently with
                # the asynchronous receivers): only the multisets are defined.
                # When an asynchronous receiver's error ends asend, the batch
                # is cancelled, and whether it had started is a race.
                racy = CONCURRENT_ASEND and method == "asend" and expected[0][0] == "raised" and fail <= ASYNC_SET

                def unordered(result: Any) -> Any:
                    outcome, calls, logs = result
                    if racy:
                        calls = [name for name in calls if name in ASYNC_SET]
                    return outcome, collections.Counter(calls), sorted(logs, key=repr)

                expected, actual = unordered(expected), unordered(actual)
            assert actual[0] == expected[0], f"{method}: results differ"
            assert actual[1] == expected[1], f"{method}: receivers called differ"
            assert actual[2] == expected[2], f"{method}: logged records differ"
            if use_caching:
                self.unswept = True

        def do_connect(self, name: str, sender: object, weak: bool, uid: object) -> None:
            receiver = self.receiver(name)
            outcomes = []
            for signal in self.signals:
                try:
                    signal.connect(receiver, sender=sender, weak=weak, dispatch_uid=uid)
                except Exception as err:  # noqa: BLE001 - compared below
                    outcomes.append(type(err))
                else:
                    outcomes.append(None)
            assert outcomes[0] == outcomes[1], f"connect: {outcomes}"
            assert len(set(outcomes)) == 1
            if outcomes[0] is None:  # a refused receiver is refused before the sweep
                self.unswept = False

        # ------------------------------------------------------------ rules

        @initialize(connections=st.lists(connections, max_size=6))
        def connect_some(self, connections: list[tuple[str, object, bool, object]]) -> None:
            for connection in connections:
                self.do_connect(*connection)

        @rule(connection=connections)
        def connect(self, connection: tuple[str, object, bool, object]) -> None:
            self.do_connect(*connection)

        @rule(
            name=st.none() | receivers,
            sender=senders,
            uid=st.sampled_from(DISPATCH_UIDS),
        )
        def disconnect(self, name: str | None, sender: object, uid: object) -> None:
            receiver = None if name is None else self.receiver(name)
            results = [
                signal.disconnect(receiver, sender=sender, dispatch_uid=uid)
                for signal in self.signals
            ]
            assert results[0] == results[1], f"disconnect returned {results}"
            assert len(set(results)) == 1
            self.unswept = False
            self.collect_zombies()

        @rule(uid=st.sampled_from(DISPATCH_UIDS[3:]), sender=senders)
        def disconnect_by_uid(self, uid: object, sender: object) -> None:
            results = [
                signal.disconnect(sender=sender, dispatch_uid=uid) for signal in self.signals
            ]
            assert results[0] == results[1], f"disconnect returned {results}"
            assert len(set(results)) == 1
            self.unswept = False
            self.collect_zombies()

        @rule(sender=senders, fail=failing, value=values, robust=st.booleans())
        def send(self, sender: object, fail: frozenset[str], value: int, robust: bool) -> None:
            self.compare_send("send_robust" if robust else "send", sender, fail, value)

        if with_async:

            @rule(
                sender=senders,
                fail=failing,
                value=values,
                robust=st.booleans(),
                fail_async=st.booleans(),
            )
            def asend(
                self, sender: object, fail: frozenset[str], value: int, robust: bool,
                fail_async: bool,
            ) -> None:
                if not robust and CONCURRENT_ASEND:
                    # A failure on each side of asend's concurrent gather is
                    # a race: which one propagates is not defined.
                    fail = frozenset(n for n in fail if (n in ASYNC_SET) == fail_async)
                self.compare_send("asend_robust" if robust else "asend", sender, fail, value)

        @rule()
        def has_listeners(self) -> None:
            for sender in SENDERS:
                expected = self.reference(sender).has_listeners(sender)
                assert self.cy.has_listeners(sender) is expected, f"has_listeners({sender!r})"
            assert self.cy.has_listeners() is self.dj_plain.has_listeners()
            self.unswept = False

        @rule(name=st.sampled_from(owner_names))
        def kill(self, name: str) -> None:
            """Drop the machine's reference to a receiver object: its only one,
            unless a signal holds it strongly."""
            obj = self.owners.pop(name, None)
            if obj is None:
                return
            try:
                self.zombies.append(weakref.ref(obj))
            except TypeError:
                # Never connected weakly (it cannot be): its death is not observable.
                pass
            del obj
            self.collect_zombies()

        # ------------------------------------------------------------ invariants

        @invariant()
        def registries_agree(self) -> None:
            if self.unswept:
                return
            expected = registry(self.dj)
            for signal in self.signals:
                assert registry(signal) == expected, "signal.receivers differ"

    DjangoDifferential.__name__ = DjangoDifferential.__qualname__ = (
        f"DjangoDifferential_{'async' if with_async else 'sync'}_"
        f"{'caching' if use_caching else 'plain'}"
    )
    return DjangoDifferential


@pytest.mark.parametrize("use_caching", [False, True], ids=["plain", "caching"])
def test_sync_programs_match_django(backend: types.ModuleType, use_caching: bool) -> None:
    with capture_dispatch_log() as log, counting(SYNC_SETTINGS.max_examples):
        machine = make_machine(backend, use_caching=use_caching, with_async=False, log=log)
        run_state_machine_as_test(machine, settings=SYNC_SETTINGS)


@pytest.mark.skipif(not DJANGO_ASYNC, reason="Django before 5.0 has no asynchronous receivers to compare with")
@pytest.mark.parametrize("use_caching", [False, True], ids=["plain", "caching"])
def test_programs_with_async_receivers_match_django(
    backend: types.ModuleType, use_caching: bool
) -> None:
    with capture_dispatch_log() as log, counting(ASYNC_SETTINGS.max_examples):
        machine = make_machine(backend, use_caching=use_caching, with_async=True, log=log)
        run_state_machine_as_test(machine, settings=ASYNC_SETTINGS)


# --------------------------------------------------------------------------- changes during a send
#
# A receiver that kills, disconnects or connects receivers while a send is
# running cannot share its receivers between the two signals (a receiver it
# kills in the first send would be missing from the second), so here the
# program runs twice, on each implementation with receivers of its own, and
# the results are compared by receiver name.

#: Owners whose receivers may be killed during a send, and their receivers.
MIDSEND_RECEIVERS = (
    "f0", "f1", "f2", "o0.on_a", "o0.on_b", "o1.on_a", "c0", "n0",
    *(("af0", "o1.on_async") if DJANGO_ASYNC else ()),
)
MIDSEND_OWNERS = ("f0", "f1", "f2", "o0", "o1", "c0", "n0", "af0")
MIDSEND_SENDERS = (None, SenderBase, SENDER_INSTANCE_1)

midsend_receivers = st.sampled_from(MIDSEND_RECEIVERS)
midsend_senders = st.sampled_from(MIDSEND_SENDERS)


@st.composite
def midsend_program(draw: st.DrawFn) -> dict[str, Any]:
    # Mostly weak connections, mostly for any sender: so that kills matter.
    weak = st.sampled_from((True, True, True, False))
    senders = st.one_of(st.just(None), midsend_senders)
    connections = draw(
        st.lists(st.tuples(midsend_receivers, senders, weak), min_size=1, max_size=8)
    )
    # Mostly aim the actions at what is connected, so that they matter.
    connected = st.sampled_from([name for name, _, _ in connections])
    owners = st.sampled_from([name.partition(".")[0] for name, _, _ in connections])
    action = st.one_of(
        st.tuples(st.just("kill"), owners | st.sampled_from(MIDSEND_OWNERS)),
        st.tuples(st.just("disconnect"), connected | midsend_receivers, midsend_senders),
        st.tuples(st.just("connect"), midsend_receivers, midsend_senders, st.booleans()),
    )
    return {
        "connections": connections,
        # What a receiver does (once) when it is called in the first send.
        "actions": draw(
            st.dictionaries(connected, st.lists(action, min_size=1, max_size=2), max_size=3)
        ),
        "sender": draw(st.sampled_from((SenderBase, SENDER_INSTANCE_1, OtherSender))),
        "robust": draw(st.booleans()),
        "use_caching": draw(st.booleans()),
    }


class World:
    """One implementation's signal and receivers, running one program."""

    def __init__(self, signal_class: type, use_caching: bool) -> None:
        self.signal = signal_class(use_caching=use_caching)
        self.owners: dict[str, object] = {}
        self.actions: dict[str, list[tuple[Any, ...]]] = {}
        self.rec = Recorder()

    def owner(self, name: str) -> object:
        if name not in self.owners:
            self.owners[name] = create_owner(name, self.hooked_recorder)
        return self.owners[name]

    def receiver(self, name: str) -> Any:
        owner, _, method = name.partition(".")
        obj = self.owner(owner)
        return getattr(obj, method) if method else obj

    def connect(self, name: str, sender: object, weak: bool) -> None:
        # A receiver that cannot be weakly referenced is connected strongly.
        self.signal.connect(self.receiver(name), sender=sender, weak=weak and name != "n0")

    def hooked_recorder(
        self, name: str, signal: object, sender: object, kwargs: dict[str, Any]
    ) -> Any:
        for action in self.actions.pop(name, ()):
            if action[0] == "kill":
                self.owners.pop(action[1], None)
            elif action[0] == "disconnect":
                self.signal.disconnect(self.receiver(action[1]), sender=action[2])
            else:
                self.connect(*action[1:])
        return self.rec(name, signal, sender, kwargs)

    def run(self, program: dict[str, Any]) -> list[Any]:
        observed: list[Any] = []
        for connection in program["connections"]:
            self.connect(*connection)
        self.actions = {name: list(actions) for name, actions in program["actions"].items()}
        method = getattr(self.signal, "send_robust" if program["robust"] else "send")
        for _ in range(2):  # with the actions, then without (they run once)
            self.rec.calls.clear()
            responses = method(program["sender"], value=1)
            observed.append([(receiver_name(r), normalize_response(resp)) for r, resp in responses])
            observed.append([name for name, _ in self.rec.calls])
            del responses
        # Receivers that only the dispatch held alive are dead now.
        senders = [s for s in SENDERS if s is not None or not program["use_caching"]]
        observed.append([self.signal.has_listeners(s) for s in senders])
        observed.append(
            [
                (None if r is None else receiver_name(r), entry[0][1], entry_fields(entry).get("is_async"))
                for entry in self.signal.receivers
                for r in [entry[1]() if isinstance(entry[1], weakref.ReferenceType) else entry[1]]
            ]
        )
        return observed


MIDSEND_SETTINGS = settings(SYNC_SETTINGS, max_examples=300)


def test_receivers_changed_during_send_match_django(backend: types.ModuleType) -> None:
    """As in Django, a send calls the receivers that were live when it began,
    even one that an earlier receiver killed or disconnected, and not one
    connected meanwhile."""

    @MIDSEND_SETTINGS
    @given(program=midsend_program())
    def check(program: dict[str, Any]) -> None:
        RUN["programs"] += 1
        with capture_dispatch_log():
            expected = World(DjangoSignal, program["use_caching"]).run(program)
            actual = World(backend.Signal, program["use_caching"]).run(program)
        assert actual == expected

    # Each program makes its receivers afresh: no address to count as reused.
    with counting(MIDSEND_SETTINGS.max_examples, reuse=False):
        check()
