"""Receiver validation: always outside a Django project, under ``settings.DEBUG`` inside one.

This test process never configures Django settings, so ``connect`` validates
here; the behaviour with configured settings is checked in subprocesses.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import textwrap

import asgiref.sync
import pytest
from django.utils.inspect import func_accepts_kwargs
from support import needs_async_receivers

CALLABLE_MESSAGE = "Signal receivers must be callable."
KWARGS_MESSAGE = "Signal receivers must accept keyword arguments (**kwargs)."


def no_kwargs(sender):
    return "no kwargs"


def positional_only(sender, signal):
    pass


def with_kwargs(sender, **kwargs):
    return "kwargs"


async def async_no_kwargs(sender):
    pass


async def async_with_kwargs(**kwargs):
    pass


class Handler:
    def no_kwargs(self, sender):
        pass

    def with_kwargs(self, **kwargs):
        pass


class CallableNoKwargs:
    def __call__(self, sender):
        pass


class CallableWithKwargs:
    def __call__(self, **kwargs):
        pass


def wrapped_without_kwargs():
    """A wrapper taking ``**kwargs`` around a function that does not: as Django
    (``inspect.signature`` follows ``__wrapped__``), it is refused."""

    @functools.wraps(no_kwargs)
    def wrapper(*args, **kwargs):
        return no_kwargs(*args, **kwargs)

    return wrapper


def wrapped_with_kwargs():
    @functools.wraps(with_kwargs)
    def wrapper(*args, **kwargs):
        return with_kwargs(*args, **kwargs)

    return wrapper


def with_attribute():
    def receiver(**kwargs):
        pass

    receiver.marker = True
    return receiver


RECEIVERS = {
    "function-no-kwargs": lambda: no_kwargs,
    "function-positional": lambda: positional_only,
    "function-kwargs": lambda: with_kwargs,
    "lambda-no-kwargs": lambda: (lambda sender: None),
    "lambda-kwargs": lambda: (lambda **kwargs: None),
    "async-no-kwargs": lambda: async_no_kwargs,
    "async-kwargs": lambda: async_with_kwargs,
    "method-no-kwargs": lambda: Handler().no_kwargs,
    "method-kwargs": lambda: Handler().with_kwargs,
    "instance-no-kwargs": CallableNoKwargs,
    "instance-kwargs": CallableWithKwargs,
    "partial-no-kwargs": lambda: functools.partial(no_kwargs, "x"),
    "partial-kwargs": lambda: functools.partial(with_kwargs, "x"),
    "wraps-no-kwargs": wrapped_without_kwargs,
    "wraps-kwargs": wrapped_with_kwargs,
    "function-with-attribute": with_attribute,
}


@pytest.mark.parametrize("make", RECEIVERS.values(), ids=RECEIVERS.keys())
def test_kwargs_check_agrees_with_django(signal, make):
    receiver = make()
    if func_accepts_kwargs(receiver):
        signal.connect(receiver, weak=False)
        assert len(signal.receivers) == 1
    else:
        with pytest.raises(ValueError) as excinfo:
            signal.connect(receiver, weak=False)
        assert str(excinfo.value) == KWARGS_MESSAGE
        assert signal.receivers == []


@pytest.mark.parametrize("weak", [True, False])
@pytest.mark.parametrize("value", [42, "text", None, object()], ids=["int", "str", "None", "object"])
def test_non_callable_is_refused(signal, value, weak):
    with pytest.raises(TypeError) as excinfo:
        signal.connect(value, weak=weak)
    assert str(excinfo.value) == CALLABLE_MESSAGE
    assert signal.receivers == []
    assert not signal.has_listeners()


@pytest.mark.parametrize("weak", [True, False])
def test_receiver_without_kwargs_is_refused(signal, weak):
    with pytest.raises(ValueError) as excinfo:
        signal.connect(no_kwargs, weak=weak)
    assert str(excinfo.value) == KWARGS_MESSAGE
    assert signal.receivers == []
    assert signal.send(None) == []


def test_refused_receiver_leaves_other_connections_alone(signal):
    signal.connect(with_kwargs)
    with pytest.raises(ValueError):
        signal.connect(no_kwargs, sender=object(), dispatch_uid="uid")
    assert signal.send(None) == [(with_kwargs, "kwargs")]


def test_refused_bound_method(signal):
    handler = Handler()
    with pytest.raises(ValueError, match=r"^Signal receivers must accept keyword arguments"):
        signal.connect(handler.no_kwargs)
    assert signal.receivers == []


def test_validation_comes_before_the_dispatch_uid_check(signal):
    with pytest.raises(ValueError):
        signal.connect(no_kwargs, dispatch_uid=["unhashable"])


class AsyncHandler:
    async def method(self, **kwargs):
        pass

    async def __call__(self, **kwargs):
        pass


def async_with_attribute():
    async def receiver(**kwargs):
        pass

    receiver.marker = True
    return receiver


def marked(mark, marker=None):
    def make():
        def receiver(**kwargs):
            pass

        if marker is not None:
            receiver._is_coroutine = marker
        return mark(receiver) if mark else receiver

    return make


ASYNC_RECEIVERS = {
    "function": lambda: with_kwargs,
    "async": lambda: async_with_kwargs,
    "async-with-attribute": async_with_attribute,
    "async-method": lambda: AsyncHandler().method,
    "async-call-instance": AsyncHandler,
    "partial-async": lambda: functools.partial(async_with_kwargs),
    "partial-sync": lambda: functools.partial(with_kwargs),
    "partial-of-partial-async": lambda: functools.partial(functools.partial(async_with_kwargs)),
    "sync_to_async": lambda: asgiref.sync.sync_to_async(with_kwargs),
    "asgiref-markcoroutinefunction": marked(asgiref.sync.markcoroutinefunction),
    "foreign-_is_coroutine": marked(None, marker=object()),
    "true-_is_coroutine": marked(None, marker=True),
    "wraps-async": lambda: functools.wraps(async_with_kwargs)(lambda **kwargs: None),
}


@needs_async_receivers
@pytest.mark.parametrize("make", ASYNC_RECEIVERS.values(), ids=ASYNC_RECEIVERS.keys())
def test_async_check_agrees_with_asgiref(signal, make):
    """Asynchronous is what Django's test (asgiref's ``iscoroutinefunction``) says,
    markers included, though cydispatch makes it without importing asyncio."""
    receiver = make()
    signal.connect(receiver, weak=False)
    # What a send calls (Django 4.2's _live_receivers() returns no such split).
    sync_receivers, async_receivers = signal._receivers_to_call(None)
    expected = asgiref.sync.iscoroutinefunction(receiver)
    assert [receiver] == (list(async_receivers) if expected else list(sync_receivers))


# -- with Django settings configured (subprocesses) -----------------------------

SETTINGS_CODE = """
import json, sys
import importlib
from django.conf import settings
settings.configure(DEBUG={debug})
Signal = importlib.import_module({backend!r}).Signal
signal = Signal()
result = {{}}

def no_kwargs(sender):
    return "no kwargs"

def with_kwargs(sender, **kwargs):
    return "kwargs"

class Unhashable:
    __hash__ = None
    def __call__(self, **kwargs):
        return "unhashable"

class RaisingHash:
    def __hash__(self):
        raise ValueError("no hash")
    def __call__(self, **kwargs):
        return "raising hash"
    def method(self, **kwargs):
        return "a method of an object whose hash raises"

class NotWeak:
    __slots__ = ()
    def __call__(self, **kwargs):
        return "not weak"

for name, receiver, weak in [
    ("no_kwargs", no_kwargs, True),
    ("not_callable", 42, False),
    ("with_kwargs", with_kwargs, True),
    ("unhashable", Unhashable(), False),
    ("raising_hash", RaisingHash(), False),
    ("method_of_raising_hash", RaisingHash().method, False),
    ("not_weakrefable", NotWeak(), True),
]:
    try:
        signal.connect(receiver, weak=weak)
    except Exception as err:
        result[name] = [type(err).__name__, str(err)]
    else:
        result[name] = "connected"
result["count"] = len(signal.receivers)
print(json.dumps(result))
"""


def run_with_settings(backend, debug):
    """The SETTINGS_CODE's result on ``backend`` (``None``: Django's own ``Signal``)."""
    module = "django.dispatch" if backend is None else backend.__name__
    code = textwrap.dedent(SETTINGS_CODE).format(debug=debug, backend=module)
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


WEAK_MESSAGE = "cannot create weak reference to 'NotWeak' object"


def test_settings_debug_true_validates(backend):
    """Under DEBUG, Django's checks with Django's errors: unhashable receivers too
    (Django reads a receiver's signature through an ``lru_cache``)."""
    result = run_with_settings(backend, debug=True)
    assert result == {
        "no_kwargs": ["ValueError", KWARGS_MESSAGE],
        "not_callable": ["TypeError", CALLABLE_MESSAGE],
        "with_kwargs": "connected",
        "unhashable": ["TypeError", "unhashable type: 'Unhashable'"],
        "raising_hash": ["ValueError", "no hash"],
        "method_of_raising_hash": "connected",
        "not_weakrefable": ["TypeError", WEAK_MESSAGE],
        "count": 2,
    }
    assert result == run_with_settings(None, debug=True)


def test_settings_debug_false_does_not_validate(backend):
    result = run_with_settings(backend, debug=False)
    assert result == {
        "no_kwargs": "connected",
        "not_callable": "connected",
        "with_kwargs": "connected",
        "unhashable": "connected",
        "raising_hash": "connected",
        "method_of_raising_hash": "connected",
        "not_weakrefable": ["TypeError", WEAK_MESSAGE],
        "count": 6,
    }
    assert result == run_with_settings(None, debug=False)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes are new in Python 3.11")
def test_a_receiver_that_cannot_be_weakly_referenced_gets_a_hint(signal):
    class NotWeak:
        __slots__ = ()

        def __call__(self, **kwargs): ...

    with pytest.raises(TypeError) as raised:
        signal.connect(NotWeak())
    assert str(raised.value) == WEAK_MESSAGE
    assert raised.value.__notes__ == [
        "A receiver that cannot be weakly referenced must be connected with weak=False."
    ]
    assert signal.receivers == []


def _plain(sender): ...
def _with_kwargs(sender, **kwargs): ...
async def _async_plain(sender): ...
async def _async_with_kwargs(sender, *args, **kwargs): ...


class _Holder:
    def method(self, sender, **kwargs): ...
    async def async_method(self, sender): ...


@pytest.mark.parametrize(
    "func", [_plain, _with_kwargs, _async_plain, _async_with_kwargs, _Holder().method, _Holder().async_method]
)
def test_code_flags_answer_as_inspect_does(func):
    """``_validation`` spells out the two code flags it reads, so as not to import ``inspect``:
    from a plain function's (or bound method's) flags it answers as ``inspect`` does."""
    import inspect

    from cydispatch import _validation

    flags = _validation.code_flags(func)
    assert flags >= 0
    var_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(func).parameters.values())
    assert _validation.accepts_kwargs(func, flags) is var_keyword
    assert _validation.is_async(func, flags) is inspect.iscoroutinefunction(func)
