"""What test suites do to signals: ``unittest.mock``, ``inspect``, ``copy`` and ``pickle``.

A project's tests mute a signal with ``mock.patch.object(post_save,
"receivers", [])``, patch its lock or cache, autospec ``Signal.send``, bind
arguments with ``inspect.signature``, copy a signal. Each idiom runs here on
the backend's ``Signal`` and on ``django.dispatch.Signal`` in the same test,
and both must observe the same: the values inside the patch, the state after
it, and that the signal goes on working. A real Django test suite
that does the same runs in ``tests/djangoproject/patching_tests.py``.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import pickle
import sys
import threading
import warnings
from unittest import mock

import django
import django.dispatch
import pytest
from support import ASYNC_RECEIVERS, both, named, names, run_python

#: What Django's ``Signal.__init__`` keeps on the instance, on every supported Django.
ATTRIBUTES = ["receivers", "lock", "use_caching", "sender_receivers_cache", "_dead_receivers"]
class Sender:
    pass


FIRST, SECOND, LATER = named("first"), named("second"), named("later")


def connected(Signal):
    signal = Signal()
    signal.connect(FIRST)
    signal.connect(SECOND, sender=Sender)
    return signal


def new_value(name):
    """A value that code patches ``name`` with (valid on Django's signal and on ours)."""
    return {
        "receivers": [],
        "lock": threading.RLock(),
        "use_caching": True,
        "sender_receivers_cache": {},
        "_dead_receivers": True,
    }[name]


def afterwards(signal):
    """What a signal does after a patch: its receivers, and connect and disconnect still work."""
    seen = [names(signal.send(Sender)), names(signal.send_robust(None)), signal.has_listeners(Sender)]
    signal.connect(LATER)
    seen.append(names(signal.send(Sender)))
    seen.append(signal.disconnect(LATER))
    seen.append(names(signal.send(Sender)))
    return seen


AFTERWARDS = [["first", "second"], ["first"], True, ["first", "second", "later"], True, ["first", "second"]]


# -- mock.patch.object of each attribute Django keeps on the instance --------------------


def enter_plain(signal, name, value):
    return mock.patch.object(signal, name, value)


def enter_new(signal, name, value):
    return mock.patch.object(signal, name, new=value)


def enter_multiple(signal, name, value):
    return mock.patch.multiple(signal, **{name: value})


@pytest.mark.parametrize("enter", [enter_plain, enter_new, enter_multiple], ids=["plain", "new", "multiple"])
@pytest.mark.parametrize("name", ATTRIBUTES)
def test_patching_an_attribute_restores_it(Signal, name, enter):
    def scenario(Signal):
        signal = connected(Signal)
        before = {attribute: getattr(signal, attribute) for attribute in ATTRIBUTES}
        value = new_value(name)
        with enter(signal, name, value):
            inside = [
                getattr(signal, name) == value,
                vars(signal)[name] == value,
                names(signal.send(Sender)),
            ]
        after = [getattr(signal, attribute) is before[attribute] for attribute in ATTRIBUTES[:-1]]
        # (An assigned list flags the signal here, for a rebuild at its next
        # use: _dead_receivers is compared after that.)
        return [inside, after, afterwards(signal), signal._dead_receivers]

    expected_inside = [] if name == "receivers" else ["first", "second"]
    # A send that sees _dead_receivers set clears the dead: a new list.
    expected_after = [name != "_dead_receivers", True, True, True]
    assert both(Signal, scenario) == [[True, True, expected_inside], expected_after, AFTERWARDS, False]


@pytest.mark.parametrize("name", ["receivers", "lock", "use_caching"])
def test_patching_an_attribute_with_autospec_or_a_mock_restores_it(Signal, name):
    def scenario(Signal):
        signal = connected(Signal)
        before = getattr(signal, name)
        with mock.patch.object(signal, name, autospec=True):
            pass
        with mock.patch.object(signal, name):
            pass
        return [getattr(signal, name) is before, afterwards(signal)]

    assert both(Signal, scenario) == [True, AFTERWARDS]


def test_a_patch_restores_the_receivers_of_now_not_of_before_a_sweep(Signal):
    # The receivers are replaced when dead ones are cleared: a patch must find
    # (and restore) the list of that moment, or it would drop what came since.
    def scenario(Signal):
        signal = connected(Signal)
        dying = named("dying")
        signal.connect(dying)
        del dying
        signal.send(None)  # clears the dead receiver
        signal.connect(LATER, weak=False)
        with mock.patch.object(signal, "receivers", []):
            muted = names(signal.send(Sender))
        return [muted, vars(signal)["receivers"] is signal.receivers, names(signal.send(Sender))]

    assert both(Signal, scenario) == [[], True, ["first", "second", "later"]]


def test_patched_receivers_are_restored_after_an_error_in_the_block(Signal):
    def scenario(Signal):
        signal = connected(Signal)
        with pytest.raises(LookupError), mock.patch.object(signal, "receivers", []):
            raise LookupError
        return afterwards(signal)

    assert both(Signal, scenario) == AFTERWARDS


def test_patch_as_a_decorator_on_a_signal_of_a_module(Signal):
    # openwisp-notifications: @patch.object(post_migrate, "receivers", []).
    signal = connected(Signal)

    @mock.patch.object(signal, "receivers", [])
    @mock.patch.object(signal, "sender_receivers_cache", {})
    def muted_test():
        return names(signal.send(Sender))

    assert [muted_test(), muted_test()] == [[], []]
    assert afterwards(signal) == AFTERWARDS


def test_vars_reads_as_on_django(Signal):
    def scenario(Signal):
        signal = connected(Signal)
        signal.extra = "extra"
        found = vars(signal)
        return [
            sorted(found),
            found["receivers"] == signal.receivers,
            found["lock"] is signal.lock,
            found["sender_receivers_cache"] is signal.sender_receivers_cache,
            found["use_caching"],
            found["_dead_receivers"],
            signal.__dict__["extra"],
        ]

    assert both(Signal, scenario) == [
        sorted([*ATTRIBUTES, "extra"]), True, True, True, False, False, "extra",
    ]


def test_setattr_of_each_attribute_works_as_on_django(Signal):
    def scenario(Signal):
        signal = connected(Signal)
        saved = {name: getattr(signal, name) for name in ATTRIBUTES}
        for name in ATTRIBUTES:
            setattr(signal, name, new_value(name))
        inside = names(signal.send(Sender))
        for name in ATTRIBUTES:
            setattr(signal, name, saved[name])
        return [inside, afterwards(signal)]

    assert both(Signal, scenario) == [[], AFTERWARDS]


@pytest.mark.parametrize("name", ATTRIBUTES)
def test_deleting_an_attribute_never_loses_connections(Signal, name):
    # Django's signal loses the attribute (and is unusable until it is
    # assigned again); here the deletion is refused, and nothing changes.
    signal = connected(Signal)
    before = getattr(signal, name)
    with pytest.raises(AttributeError, match="cannot be deleted"):
        delattr(signal, name)
    assert getattr(signal, name) is before or getattr(signal, name) == before
    assert afterwards(signal) == AFTERWARDS


# -- the methods: inspect.signature and autospec ---------------------------------------

METHODS = ["send", "send_robust", "asend", "asend_robust", "connect", "disconnect", "has_listeners"]
#: Django's signatures (what 4.2 has not: 5.2's).
DJANGO_52 = {
    "send": "(sender, **named)",
    "send_robust": "(sender, **named)",
    "asend": "(sender, **named)",
    "asend_robust": "(sender, **named)",
}


def parameters(function):
    """A signature's parameters as comparable data (annotations left out)."""
    return [
        (p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize("method", METHODS)
def test_signatures_bind_as_djangos(Signal, method):
    ours = getattr(Signal(), method)
    djangos = getattr(django.dispatch.Signal(), method, None)
    if djangos is None:  # asend in Django 4.2
        assert str(inspect.signature(ours).replace(return_annotation=inspect.Signature.empty)).replace(
            ": 'Any'", ""
        ) == DJANGO_52[method]
        return
    assert parameters(ours) == parameters(djangos)


@pytest.mark.parametrize("method", ["send", "send_robust"])
def test_send_binds_sender_by_keyword(Signal, method):
    bound = inspect.signature(getattr(Signal(), method)).bind(sender=Sender, instance=1)
    assert bound.arguments == {"sender": Sender, "named": {"instance": 1}}


@pytest.mark.parametrize("method", ["send", "send_robust", "connect", "disconnect", "has_listeners"])
def test_autospec_of_a_method_records_the_signal_as_self(Signal, method):
    args = {"connect": (FIRST,), "disconnect": (FIRST,)}.get(method, ())
    kwargs = {"send": {"sender": Sender, "x": 1}, "send_robust": {"sender": Sender}}.get(method, {})

    def scenario(Signal):
        signal = Signal()
        with mock.patch.object(Signal, method, autospec=True) as patched:
            getattr(signal, method)(*args, **kwargs)
        restored = getattr(signal, method)
        return [patched.call_args == mock.call(signal, *args, **kwargs), restored.__name__]

    assert both(Signal, scenario) == [True, method]
    signal = connected(Signal)
    assert afterwards(signal) == AFTERWARDS


@pytest.mark.parametrize("method", ["asend", "asend_robust"])
def test_autospec_of_an_asynchronous_method_records_the_signal_as_self(Signal, method):
    signal = Signal()
    with mock.patch.object(Signal, method, autospec=True) as patched:
        asyncio.run(getattr(signal, method)(Sender, x=1))
    patched.assert_awaited_once_with(signal, Sender, x=1)


def test_a_method_saved_and_assigned_back_is_the_original_again(Signal, backend):
    signal = connected(Signal)
    saved = Signal.send
    Signal.send = lambda self, sender, **named: "replaced"
    try:
        assert signal.send(Sender) == "replaced"
    finally:
        Signal.send = saved
    assert names(signal.send(Sender)) == ["first", "second"]
    if backend.__name__ == "cydispatch._cdispatch":
        # The C function again, not a Python function in its way.
        assert "send" not in vars(Signal) or vars(Signal)["send"] is vars(backend.FastSignal)["send"]
        assert inspect.isbuiltin(signal.send)


# -- copy, deepcopy, pickle ---------------------------------------------------------------


def test_copy_is_a_signal_with_the_same_connections_and_lock(Signal):
    def scenario(Signal):
        signal = connected(Signal)
        signal.extra = "extra"
        copied = copy.copy(signal)
        return [
            type(copied) is Signal,
            list(copied.receivers) == list(signal.receivers),
            copied.lock is signal.lock,
            copied.extra,
            names(copied.send(Sender)),
            names(signal.send(Sender)),
            afterwards(copied),
        ]

    assert both(Signal, scenario) == [True, True, True, "extra", ["first", "second"], ["first", "second"], AFTERWARDS]


@pytest.mark.parametrize("connect", [False, True], ids=["empty", "connected"])
@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_deepcopy_and_pickle_fail_as_on_django(Signal, how, connect):
    def scenario(Signal):
        signal = connected(Signal) if connect else Signal()
        try:
            copy.deepcopy(signal) if how == "deepcopy" else pickle.dumps(signal)
        except Exception as err:  # noqa: BLE001 - compared with Django's
            return [type(err).__name__, str(err)]
        return ["no error"]

    assert both(Signal, scenario)[0] == "TypeError"


def test_deepcopy_works_where_djangos_does(Signal):
    # With a lock that can be copied and no connections, Django's copies.
    def scenario(Signal):
        signal = Signal()
        signal.lock = None
        copied = copy.deepcopy(signal)
        copied.lock = threading.Lock()
        copied.connect(FIRST)
        return [type(copied) is Signal, names(copied.send(None)), names(signal.send(None))]

    assert both(Signal, scenario) == [True, ["first"], []]


# -- what Django's send does that code counts on ---------------------------------------------


async def async_receiver(**kwargs):
    return "async"


def settled(responses):
    """Responses as names; a coroutine (Django 4.2's response of an async receiver) is closed."""
    for _, response in responses:
        if inspect.iscoroutine(response):
            response.close()
    return names(responses)


@pytest.mark.parametrize("replaced", [False, True], ids=["own", "replaced_live_receivers"])
def test_send_runs_async_receivers_as_the_installed_django(Signal, replaced):
    def scenario(Signal):
        signal = Signal()
        signal.connect(async_receiver)
        signal.connect(FIRST)
        if replaced:  # as sentry-sdk does
            original = signal._live_receivers
            signal._live_receivers = lambda sender: original(sender)
        seen = [settled(signal.send(None)), settled(signal.send_robust(None))]

        async def in_a_running_loop():
            try:
                return settled(signal.send(None))
            except RuntimeError:
                return "RuntimeError"

        seen.append(asyncio.run(in_a_running_loop()))
        return seen

    expected = ["first", "async"] if ASYNC_RECEIVERS else ["coroutine", "first"]
    assert both(Signal, scenario)[:2] == [expected, expected]


def warn_from_receiver(**kwargs):
    warnings.warn("from a receiver", stacklevel=3)


def points_at_the_caller(method):
    """Whether Django's stacklevel=3 from a receiver points at the caller of ``method``.

    Django 4.2's ``send`` calls receivers in a list comprehension, a frame of
    its own before Python 3.12: there it points into ``send``.
    """
    return method == "send_robust" or not (django.VERSION < (5, 0) and sys.version_info < (3, 12))


@pytest.mark.parametrize("method", ["send", "send_robust"])
def test_a_receivers_stacklevel_counts_djangos_frames(backend, method):
    # Django's send and send_robust call receivers one frame below their
    # caller; cydispatch.django gives the compiled backend that frame.
    import cydispatch.django

    if backend.__name__ != cydispatch.Signal.__module__:
        pytest.skip("cydispatch.django is built on the other backend in this process: see below")

    def scenario(Signal):
        signal = Signal()
        signal.connect(warn_from_receiver)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            line = sys._getframe().f_lineno + 1
            getattr(signal, method)(None)
        return [(w.filename, w.lineno) for w in caught] == [(__file__, line)]

    ours = scenario(cydispatch.django.Signal)
    assert ours == scenario(django.dispatch.Signal) == points_at_the_caller(method)


def test_a_receivers_stacklevel_on_the_pure_backend_under_cydispatch_django():
    completed = run_python(["-c", STACKLEVEL_SCRIPT], sys.modules["cydispatch._pydispatch"])
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == [
        "cydispatch._pydispatch", str(points_at_the_caller("send")), str(points_at_the_caller("send_robust")),
    ]


STACKLEVEL_SCRIPT = """
import sys, warnings
import cydispatch, cydispatch.django

def receiver(**kwargs):
    warnings.warn("from a receiver", stacklevel=3)

signal = cydispatch.django.Signal()
signal.connect(receiver)
print(cydispatch.Signal.__module__)
for method in (signal.send, signal.send_robust):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        method(None)
    print([(w.filename, w.lineno) for w in caught] == [("<string>", line)])
"""


# -- a Django project's test suite ---------------------------------------------------------


@pytest.mark.parametrize("installed", [False, True], ids=["stock", "installed"])
def test_a_django_test_suite_that_patches_signals(backend, installed):
    completed = run_python(
        ["djangoproject/manage.py", "test", "djangoproject.patching_tests", "-v", "2"],
        backend if installed else None,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Ran 4 tests" in completed.stderr
