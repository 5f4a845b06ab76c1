"""Hostile but legal programs: never a crash, a hang or the wrong receiver.

Each program runs on both backends and on Django's own ``Signal`` in the same
test. One that could crash the interpreter or hang runs in a subprocess
under a timeout, so that it fails instead. Where Django's answer is a crash,
a hang or an error that depends on what ran before, cydispatch answers
better, and the test says how.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import textwrap
import weakref

import django
import django.dispatch
import pytest
from support import TESTS

import cydispatch

#: How long a subprocess may run before it is taken for a hang.
HANG_TIMEOUT = 20


def module_for(backend):
    """The module whose ``Signal`` a subprocess uses: the backend's, or Django's (``None``)."""
    return "django.dispatch" if backend is None else backend.__name__


def run_program(program, module, *args, timeout=HANG_TIMEOUT):
    """Run ``program`` (which reads ``Signal`` from ``module``) in a new interpreter.

    Return ``(returncode, the JSON it printed last)``; a timeout is returned
    as ``("hang", None)`` and a crash by a signal as its negative return code.
    """
    source = f"import importlib, json, sys\nSignal = importlib.import_module({module!r}).Signal\n"
    source += textwrap.dedent(program)
    try:
        completed = subprocess.run(
            [sys.executable, "-c", source, *map(str, args)],
            cwd=TESTS, capture_output=True, text=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        return "hang", None
    lines = completed.stdout.strip().splitlines()
    return completed.returncode, json.loads(lines[-1]) if completed.returncode == 0 and lines else completed.stderr


# -- 1. nested sends ---------------------------------------------------------------

NESTED_SENDS = """
limit, method, in_thread = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "thread"
signal = Signal()
depth = 0

# Each receiver calls the method as programs do, through the signal's attribute.
def send_again(**kwargs):
    global depth
    depth += 1
    signal.send(sender=None)

def send_robust_again(**kwargs):
    global depth
    depth += 1
    signal.send_robust(sender=None)

signal.connect(send_again if method == "send" else send_robust_again)
outcome = None

def run():
    global outcome
    try:
        getattr(signal, method)(sender=None)
        # send_robust turns each level's RecursionError into that level's response.
        outcome = "returned"
    except RecursionError:
        outcome = "RecursionError"

sys.setrecursionlimit(limit)
if in_thread:
    import threading
    threading.stack_size(1024 * 1024)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
else:
    run()
print(json.dumps([outcome, depth]))
"""

#: The two backends, and the subclass that ``cydispatch.django.install()`` puts
#: in Django's place (its sends call receivers through a Python frame).
NESTING_MODULES = [
    "cydispatch._pydispatch",
    pytest.param("cydispatch._cdispatch", marks=pytest.mark.c_extension),
    "cydispatch.django",
]


@pytest.mark.parametrize("module", NESTING_MODULES)
@pytest.mark.parametrize("method", ["send", "send_robust"])
def test_nested_sends_end_as_on_django(module, method):
    """At the default recursion limit, a receiver that sends again ends as on Django.

    ``send`` raises RecursionError and ``send_robust`` returns, at the same
    depth as Django's ``send`` on both backends (one level more where the
    compiled send is called through its attribute: it is counted as Django's
    frame is). The Python frame that ``cydispatch.django.Signal`` adds for
    Django's warnings, and the frames of the pure ``send_robust``'s loop,
    count too: those nest to at least half of Django's depth.
    """
    expected_outcome, django_depth = run_program(NESTED_SENDS, "django.dispatch", 1000, method, "main")[1]
    returncode, (outcome, depth) = run_program(NESTED_SENDS, module, 1000, method, "main")
    assert (returncode, outcome) == (0, expected_outcome)
    if method == "send" and module != "cydispatch.django":
        assert django_depth <= depth <= django_depth + 1
    else:
        assert django_depth // 2 - 2 <= depth <= django_depth + 1


@pytest.mark.parametrize("module", NESTING_MODULES)
@pytest.mark.parametrize(
    ("limit", "where"),
    [(16_000, "main"), (200_000, "main"), (200_000, "thread")],
    ids=["16000", "200000", "200000-thread-1MB-stack"],
)
def test_nested_sends_past_the_c_stack_raise_recursion_error(module, limit, where):
    """With the recursion limit raised past what the C stack holds, RecursionError, not a crash.

    Django itself crashes (SIGSEGV) at the higher limits before Python 3.12:
    its send is Python code, whose receiver calls go through the C stack,
    which the interpreter did not bound. The compiled send guards it
    (``_stack.h``). The pure backend is Python code like Django's and shares
    its fate there: it is run at the limit Django survives only.
    """
    # cydispatch.django's Signal is the pure one's subclass on a pure install.
    pure = module == "cydispatch._pydispatch" or (module == "cydispatch.django" and not cydispatch.USE_EXTENSIONS)
    if pure and limit > 16_000 and sys.version_info < (3, 12):
        pytest.skip("the pure backend is Python code: past the C stack it crashes as Django's does")
    returncode, result = run_program(NESTED_SENDS, module, limit, "send", where)
    assert returncode == 0, result
    assert result[0] == "RecursionError"


def test_django_crashes_past_the_c_stack():
    """The reason for the guard: Django's send at the same limit, where cydispatch raises."""
    if sys.version_info >= (3, 12):
        pytest.skip("from Python 3.12 the interpreter bounds C recursion itself")
    returncode, _ = run_program(NESTED_SENDS, "django.dispatch", 200_000, "send", "thread")
    assert returncode != 0


# -- 2. finalizers that send -------------------------------------------------------

FINALIZER_SENDS = """
case = sys.argv[1]
signal = Signal()
log = []

class Sender:
    pass

class Slotted:
    __slots__ = ()
    def __del__(self):
        log.append(len(signal.send(sender=None)))

class StrongReceiver:
    def __call__(self, **kwargs):
        return "strong"
    def __del__(self):
        log.append(len(signal.send(sender=None)))

def other(**kwargs):
    return "other"

signal.connect(other)
if case == "strong-receiver-of-a-dead-sender":
    sender = Sender()
    signal.connect(StrongReceiver(), sender=sender, weak=False)
    del sender
    signal.connect(other, sender=Sender)  # sweeps the dead sender's connection
elif case == "slotted-sender-freed-by-a-sweep":
    def dying(**kwargs):
        pass
    signal.connect(dying, sender=Slotted())
    del dying
    signal.send(sender=None)  # sweeps the dead receiver's connection, which held the sender
elif case == "strong-receiver-disconnected":
    signal.connect(StrongReceiver(), weak=False, dispatch_uid="strong")
    signal.disconnect(dispatch_uid="strong")
elif case == "receivers-assigned-under-the-lock":
    signal.connect(StrongReceiver(), weak=False)
    with signal.lock:
        signal.receivers = []
    signal.send(sender=None)
print(json.dumps(log))
"""

FINALIZER_CASES = {
    # What the finalizer's send saw, on cydispatch.
    "strong-receiver-of-a-dead-sender": [1],
    "slotted-sender-freed-by-a-sweep": [1],
    "strong-receiver-disconnected": [1],
    "receivers-assigned-under-the-lock": [0],
}


@pytest.mark.parametrize("case", FINALIZER_CASES)
def test_a_finalizer_that_sends_the_same_signal_does_not_hang(backend, case):
    returncode, log = run_program(FINALIZER_SENDS, module_for(backend), case)
    assert returncode == 0, log
    assert log == FINALIZER_CASES[case]


@pytest.mark.parametrize("case", FINALIZER_CASES)
def test_a_finalizer_that_sends_on_django(case):
    """Django's answers to the same programs; cydispatch's are the same or better.

    The strongly held receiver of a dead sender: Django before 6.0 never
    drops a dead sender's connections (ticket 35801), so its receiver is never
    freed (``[]``); Django 6.0 and later free it while holding the signal's
    lock, and the finalizer's send waits for that lock for ever. cydispatch
    frees it after the lock, and the finalizer's send works.
    """
    hangs = {"strong-receiver-of-a-dead-sender": django.VERSION >= (6, 0)}
    # Django's hang is expected: waited for briefly.
    timeout = 5 if hangs.get(case) else HANG_TIMEOUT
    returncode, log = run_program(FINALIZER_SENDS, "django.dispatch", case, timeout=timeout)
    if hangs.get(case):
        assert (returncode, log) == ("hang", None)
    elif case == "strong-receiver-of-a-dead-sender":
        assert (returncode, log) == (0, [])
    else:
        assert (returncode, log) == (0, FINALIZER_CASES[case])


# -- 3. references of other types --------------------------------------------------


class Handler:
    def __init__(self, name):
        self.name = name

    def method(self, **kwargs):
        return f"{self.name}.method"

    def __call__(self, **kwargs):
        return f"{self.name} called as an instance"


class LoggingWeakMethod(weakref.WeakMethod):
    """A ``WeakMethod`` subclass, as an instrumentation library might patch in."""

    calls = 0

    def __call__(self):
        type(self).calls += 1
        return super().__call__()


def replacement(**kwargs):
    return "replacement"


class RedirectingRef(weakref.ref):
    """A weak reference whose own ``__call__`` decides what it refers to."""

    def __call__(self):
        return replacement if super().__call__() is not None else None


def both_signals(Signal):
    return {"cydispatch": Signal(), "django": django.dispatch.Signal()}


def test_a_patched_weak_method_class_is_called_as_a_reference(Signal, monkeypatch):
    handler = Handler("h")
    results = {}
    for name, signal in both_signals(Signal).items():
        with monkeypatch.context() as patch:
            patch.setattr(weakref, "WeakMethod", LoggingWeakMethod)
            signal.connect(handler.method)
        LoggingWeakMethod.calls = 0
        results[name] = ([response for _, response in signal.send(sender=None)], LoggingWeakMethod.calls > 0)
    assert results["cydispatch"] == results["django"] == (["h.method"], True)


@pytest.mark.parametrize("ref_type", [LoggingWeakMethod, RedirectingRef])
def test_an_entry_holding_a_reference_subclass_calls_what_it_returns(Signal, ref_type):
    handler = Handler("h")
    target = handler.method if ref_type is LoggingWeakMethod else handler
    results = {}
    for name, signal in both_signals(Signal).items():
        signal.connect(target)
        entry = list(signal.receivers[0])
        entry[1] = ref_type(target)
        signal.receivers = [tuple(entry)]
        results[name] = [response for _, response in signal.send(sender=None)]
        results[name] += [response for _, response in signal.send_robust(sender=None)]
    expected = ["h.method"] * 2 if ref_type is LoggingWeakMethod else ["replacement"] * 2
    assert results["cydispatch"] == results["django"] == expected


# -- 4. a "self" among the named arguments -----------------------------------------


@pytest.mark.parametrize("method", ["send", "send_robust", "asend", "asend_robust"])
def test_self_among_the_named_arguments_is_refused_as_on_django(Signal, method):
    errors = {}
    for name, signal in both_signals(Signal).items():
        signal.connect(Handler("h"), weak=False)
        with pytest.raises(TypeError) as raised:
            result = getattr(signal, method)(sender=None, self=1)
            if asyncio.iscoroutine(result):
                # Django refuses when asend is called, the compiled asend
                # when its coroutine first runs: awaited, the same error.
                asyncio.run(result)
        errors[name] = str(raised.value)
    assert errors["cydispatch"] == errors["django"]


# -- 6. senders that fail when probed ----------------------------------------------


class RaisingGetattr:
    def __getattr__(self, name):
        raise RuntimeError(f"no {name}")


class RaisingHash:
    def __hash__(self):
        raise ValueError("no hash")


def plain(**kwargs):
    return "plain"


ODD_SENDERS = {
    "staticmethod": lambda: staticmethod(plain),
    "raising-getattr": RaisingGetattr,
    "raising-hash": RaisingHash,
}


@pytest.mark.parametrize("make_sender", ODD_SENDERS.values(), ids=ODD_SENDERS.keys())
@pytest.mark.parametrize("method", ["send", "send_robust", "has_listeners"])
def test_an_odd_sender_gets_the_same_answer_whatever_ran_before(Signal, make_sender, method):
    """A sender is compared by identity only, never probed: fresh or warmed, the same answer.

    Django asks every sender for ``__func__`` (and hashes it for its cache):
    these senders make each of its sends raise. cydispatch answers them as
    any other sender, whatever was sent before.
    """
    answers = []
    for warm_up in (None, object(), make_sender()):
        signal = Signal()
        signal.connect(plain)
        if warm_up is not None:
            getattr(signal, method)(warm_up)
        answers.append(getattr(signal, method)(make_sender()))
    expected = True if method == "has_listeners" else [(plain, "plain")]
    assert answers == [expected] * 3

    django_signal = django.dispatch.Signal()
    django_signal.connect(plain)
    if method == "has_listeners" and make_sender is RaisingHash:
        assert django_signal.has_listeners(make_sender())  # no cache lookup there: no hash
    else:
        with pytest.raises((AttributeError, RuntimeError, ValueError)):
            getattr(django_signal, method)(make_sender())


# -- 7. senders that cannot be weakly referenced -----------------------------------


class SlottedSender:
    """A sender that cannot be weakly referenced; it records its own death."""

    __slots__ = ("deaths",)

    def __init__(self, deaths):
        self.deaths = deaths

    def __del__(self):
        self.deaths.append("dead")


def test_a_sender_that_cannot_be_weakly_referenced_is_held_until_disconnected(signal):
    deaths = []
    sender = SlottedSender(deaths)
    before = sys.getrefcount(sender)
    signal.connect(plain, sender=sender)
    signal.send(sender)
    # One reference, the connection's: no other object can take its id meanwhile.
    assert sys.getrefcount(sender) == before + 1
    assert signal.disconnect(plain, sender=sender)
    assert sys.getrefcount(sender) == before
    del sender
    assert deaths == ["dead"]
    assert signal.receivers == []


# -- 9. dispatch_uid compared as Django compares it ---------------------------------


@dataclasses.dataclass
class MutableUid:
    """Equal by value, unhashable (``__hash__`` is None): Django compares uids with ``==`` only."""

    name: str
    parts: list


class RaisingHashUid:
    def __init__(self, name):
        self.name = name

    def __eq__(self, other):
        return isinstance(other, RaisingHashUid) and other.name == self.name

    def __hash__(self):
        raise ValueError("no hash")


class InconsistentUid:
    """Equal to any other InconsistentUid, but hashed by identity (breaking hash's contract)."""

    def __eq__(self, other):
        return isinstance(other, InconsistentUid)

    __hash__ = object.__hash__


class RaisingEqUid:
    def __eq__(self, other):
        raise RuntimeError("no comparison")

    __hash__ = object.__hash__


def first(**kwargs):
    return "first"


def second(**kwargs):
    return "second"


UIDS = {
    "tuple-holding-a-list": lambda: ("uid", ["a"]),
    "mutable-dataclass": lambda: MutableUid("uid", ["a"]),
    "raising-hash": lambda: RaisingHashUid("uid"),
    "equal-but-hashed-apart": InconsistentUid,
    "raising-eq": RaisingEqUid,
    "plain-string": lambda: "uid",
}


def outcome(call):
    """What ``call()`` returned, or the error it raised (type and message)."""
    try:
        return ["returned", call()]
    except Exception as err:  # noqa: BLE001 - compared with Django's
        return ["raised", type(err).__name__, str(err)]


def uid_program(signal, make_uid):
    """Connections and disconnections by ``dispatch_uid``; every outcome, and what sends call."""
    results = []

    def record(call):
        results.append(outcome(call))
        results.append([response for _, response in signal.send(sender=None)])

    record(lambda: signal.connect(first, dispatch_uid=make_uid(), weak=False))
    record(lambda: signal.connect(second, dispatch_uid=make_uid(), weak=False))  # an equal uid
    record(lambda: signal.connect(second, weak=False))  # no uid, after a uid
    record(lambda: signal.disconnect(dispatch_uid=make_uid()))
    record(lambda: signal.disconnect(dispatch_uid=make_uid()))
    record(lambda: signal.disconnect(second))
    record(lambda: signal.connect(first, sender=Handler, dispatch_uid=make_uid(), weak=False))
    record(lambda: signal.disconnect(sender=Handler, dispatch_uid=make_uid()))
    return results


@pytest.mark.parametrize("make_uid", UIDS.values(), ids=UIDS.keys())
def test_dispatch_uids_are_compared_as_django_compares_them(Signal, make_uid):
    """Django finds a uid by ``==`` over the connections: unhashable uids, uids whose hash
    raises or disagrees with ``==``, and uids whose ``==`` raises all behave as there."""
    assert uid_program(Signal(), make_uid) == uid_program(django.dispatch.Signal(), make_uid)
