"""The Django bugs cydispatch fixes, on every Django version: one test each.

Every test also runs against the installed ``django.dispatch.Signal``, marked
``xfail(strict=True)`` with the exception Django fails with on the versions
that have the bug, to prove that it checks a real difference; on the versions
that fixed it, Django's run must pass. If that changes, the suite says so.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import logging
import weakref

import django
import django.dispatch
import pytest
from support import needs_async_receivers


@pytest.fixture
def AnySignal(request, Signal):
    """The backend's ``Signal``, or Django's (for the expected failures)."""
    return django.dispatch.Signal if request.param == "django" else Signal


def fixed_django_bug(reason, raises, fixed_in=None, since=None, introduced_in=None):
    """Run the test with the backend's Signal and with Django's.

    Django's run is expected to fail (``xfail(strict=True)``) on the Django
    versions that have the bug: from ``introduced_in`` (or always) to before
    ``fixed_in`` (or on). It is skipped before ``since``, the version that has
    what the test uses.
    """
    has_bug = (introduced_in is None or django.VERSION >= introduced_in) and (
        fixed_in is None or django.VERSION < fixed_in
    )
    marks = [pytest.mark.xfail(strict=True, raises=raises, reason=reason)] if has_bug else []
    if since is not None and django.VERSION < since:
        marks = [pytest.mark.skip(reason=f"Django {django.get_version()} has nothing to compare")]
    return pytest.mark.parametrize(
        "AnySignal",
        [pytest.param("cydispatch", id="cydispatch"), pytest.param("django", id="django", marks=marks)],
        indirect=True,
    )


# -- 1. a reused sender id ---------------------------------------------------------


class Sender:
    """No ``__slots__``: every instance has the same size, so freed memory is reused."""


def find_reused_id(target_id, limit=200_000):
    """Create ``Sender`` instances until one gets ``target_id``; keep the others alive."""
    keep = []
    for _ in range(limit):
        candidate = Sender()
        if id(candidate) == target_id:
            return candidate
        keep.append(candidate)
    return None


@pytest.mark.parametrize("use_caching", [False, True])
@fixed_django_bug("Django keys senders by id() alone (ticket 35801)", AssertionError, fixed_in=(6, 0))
def test_dead_senders_id_reused_by_another_object(AnySignal, use_caching):
    signal = AnySignal(use_caching=use_caching)
    calls = []

    def receiver(**kwargs):
        calls.append(kwargs["sender"])

    sender = Sender()
    target_id = id(sender)
    signal.connect(receiver, sender=sender)
    signal.send(sender)
    assert calls == [sender]
    calls.clear()
    del sender
    impostor = find_reused_id(target_id)
    if impostor is None:
        pytest.skip("the interpreter did not reuse the dead sender's address")
    assert signal.has_listeners(impostor) is False
    assert signal.send(impostor) == []
    assert calls == []


@fixed_django_bug(
    "Django 6 holds a sender by a weakref.ref, which dies at once for a bound method: "
    "the connection is lost",
    AssertionError,
    introduced_in=(6, 0),
)
def test_a_bound_method_sender(AnySignal):
    signal = AnySignal()

    class Owner:
        def method(self):
            pass

    owner = Owner()

    def receiver(**kwargs):
        return "received"

    signal.connect(receiver, sender=owner.method, weak=False)
    gc.collect()
    assert signal.send(owner.method) == [(receiver, "received")]
    assert signal.has_listeners(owner.method)
    assert signal.send(Owner().method) == []  # another instance's method is another sender
    assert signal.disconnect(receiver, sender=owner.method) is True


# -- 2. connect/disconnect leaks ----------------------------------------------------


@fixed_django_bug(
    "Django registers a weakref.finalize per connect, kept until the receiver dies "
    "(ticket 36939)",
    AssertionError,
    fixed_in=(6, 1),
)
def test_connect_disconnect_cycles_leave_nothing_behind(AnySignal):
    signal = AnySignal()

    def receiver(**kwargs):
        pass

    class Handler:
        def method(self, **kwargs):
            pass

    handler = Handler()

    def cycles(count):
        for _ in range(count):
            signal.connect(receiver)
            signal.disconnect(receiver)
            signal.connect(handler.method)
            signal.disconnect(handler.method)

    cycles(50)  # warm up whatever is cached once
    gc.collect()
    finalizers = len(weakref.finalize._registry)
    objects = len(gc.get_objects())
    cycles(5000)
    gc.collect()
    assert len(weakref.finalize._registry) - finalizers <= 0
    assert len(gc.get_objects()) - objects < 200
    assert signal.receivers == []


# -- 3. send_robust and receivers without __qualname__ --------------------------------


class FailingInstance:
    def __call__(self, **kwargs):
        raise ValueError("instance failed")


def failing_function(extra, **kwargs):
    raise ValueError(f"partial failed {extra}")


@fixed_django_bug(
    "Django logs receiver.__qualname__, which a callable instance or a "
    "functools.partial lacks",
    AttributeError,
)
def test_send_robust_logs_receivers_without_qualname(AnySignal, caplog):
    signal = AnySignal()
    instance = FailingInstance()
    partial = functools.partial(failing_function, 1)
    signal.connect(instance)
    signal.connect(partial, weak=False)
    with caplog.at_level(logging.ERROR, logger="django.dispatch"):
        responses = signal.send_robust(None)
    assert [r for r, _ in responses] == [instance, partial]
    assert [str(err) for _, err in responses] == ["instance failed", "partial failed 1"]
    messages = [r.getMessage() for r in caplog.records if r.name == "django.dispatch"]
    assert len(messages) == 2
    assert messages[0].endswith("in Signal.send_robust() (instance failed)")
    assert messages[1].endswith("in Signal.send_robust() (partial failed 1)")


# -- 4. unhashable senders with use_caching=True -------------------------------------


@fixed_django_bug(
    "Django's use_caching cache is a WeakKeyDictionary: an unhashable sender raises",
    TypeError,
)
@pytest.mark.parametrize("sender", [[1], {"a": 1}], ids=["list", "dict"])
def test_unhashable_sender_with_caching(AnySignal, sender):
    signal = AnySignal(use_caching=True)

    def specific(**kwargs):
        return "specific"

    def anyone(**kwargs):
        return "anyone"

    signal.connect(specific, sender=sender)
    signal.connect(anyone)
    assert signal.has_listeners(sender) is True
    assert signal.send(sender) == [(specific, "specific"), (anyone, "anyone")]
    assert signal.send(type(sender)(sender)) == [(anyone, "anyone")]


# -- 5. sender None with use_caching=True -------------------------------------------


@fixed_django_bug(
    "Django's use_caching cache cannot hold None: has_listeners() raises",
    TypeError,
)
def test_has_listeners_without_sender_with_caching(AnySignal):
    signal = AnySignal(use_caching=True)

    def receiver(**kwargs):
        return "received"

    assert signal.has_listeners() is False
    signal.connect(receiver)
    assert signal.has_listeners() is True
    assert signal.send(None) == [(receiver, "received")]


# -- 6. context variables set by async receivers --------------------------------------

var = contextvars.ContextVar("var")


@needs_async_receivers
@fixed_django_bug(
    "Django runs async receivers in tasks on copies of the context and drops their "
    "changes (ticket 36714)",
    AssertionError,
    fixed_in=(6, 1),
    since=(5, 0),  # Django 4.2 has no asynchronous receivers
)
def test_async_receivers_context_changes_reach_the_caller(AnySignal):
    signal = AnySignal()

    async def receiver(**kwargs):
        var.set(kwargs["value"])

    signal.connect(receiver)

    def through_send():
        signal.send(None, value="send")
        return var.get("unset")

    async def through_asend():
        await signal.asend(None, value="asend")
        return var.get("unset")

    assert contextvars.Context().run(through_send) == "send"
    assert contextvars.Context().run(asyncio.run, through_asend()) == "asend"


@fixed_django_bug(
    "Django runs asend's synchronous batch in a task on a copy of the context and drops "
    "its changes (ticket 36714)",
    AssertionError,
    fixed_in=(6, 1),
    since=(5, 0),
)
@pytest.mark.parametrize(
    "with_async", [False, pytest.param(True, marks=needs_async_receivers)], ids=["sync-only", "with-async"]
)
def test_asend_synchronous_batch_context_changes_reach_the_caller(AnySignal, with_async):
    signal = AnySignal()

    def receiver(**kwargs):
        var.set(kwargs["value"])

    async def async_receiver(**kwargs):
        return None

    signal.connect(receiver)
    if with_async:
        signal.connect(async_receiver)

    async def through_asend():
        await signal.asend(None, value="sync batch")
        return var.get("unset")

    assert contextvars.Context().run(asyncio.run, through_asend()) == "sync batch"
