"""``send_robust``: errors as responses, what propagates, and the log."""

from __future__ import annotations

import functools
import gc
import logging
import weakref

import pytest

LOGGER = "django.dispatch"


class CustomBaseException(BaseException):
    pass


def failing(**kwargs):
    raise ValueError("boom")


def records(caplog):
    return [record for record in caplog.records if record.name == LOGGER]


def test_send_robust_without_receivers(signal):
    assert signal.send_robust(None) == []


def test_send_robust_without_sender_is_a_type_error(signal):
    with pytest.raises(TypeError):
        signal.send_robust()


def test_send_robust_returns_responses_in_order(signal):
    def a(**kwargs):
        return "a"

    def b(**kwargs):
        return "b"

    signal.connect(a)
    signal.connect(b)
    assert signal.send_robust(None, x=1) == [(a, "a"), (b, "b")]


def test_error_is_the_response_and_later_receivers_run(signal, caplog):
    calls = []

    def before(**kwargs):
        calls.append("before")
        return "before"

    def after(**kwargs):
        calls.append("after")
        return "after"

    signal.connect(before)
    signal.connect(failing)
    signal.connect(after)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        responses = signal.send_robust(None)
    assert calls == ["before", "after"]
    assert [r for r, _ in responses] == [before, failing, after]
    assert responses[0][1] == "before"
    assert responses[2][1] == "after"
    err = responses[1][1]
    assert type(err) is ValueError
    assert err.args == ("boom",)
    assert err.__traceback__ is not None


def test_failure_is_logged_with_exc_info(signal, caplog):
    signal.connect(failing)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        [(_, err)] = signal.send_robust(None)
    [record] = records(caplog)
    assert record.levelno == logging.ERROR
    assert record.getMessage() == (
        f"Error calling {failing.__qualname__} in Signal.send_robust() (boom)"
    )
    assert record.exc_info is not None
    assert record.exc_info[0] is ValueError
    assert record.exc_info[1] is err
    assert record.exc_info[2] is err.__traceback__


def test_bound_method_failure_is_logged_with_its_qualname(signal, caplog):
    class Handler:
        def method(self, **kwargs):
            raise RuntimeError("method failed")

    handler = Handler()
    signal.connect(handler.method)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        signal.send_robust(None)
    [record] = records(caplog)
    assert record.getMessage() == (
        f"Error calling {Handler.method.__qualname__} in Signal.send_robust() (method failed)"
    )


def test_each_failure_is_logged_once(signal, caplog):
    def other(**kwargs):
        raise KeyError("k")

    signal.connect(failing)
    signal.connect(other)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        responses = signal.send_robust(None)
    assert [type(r) for _, r in responses] == [ValueError, KeyError]
    assert [r.getMessage() for r in records(caplog)] == [
        f"Error calling {failing.__qualname__} in Signal.send_robust() (boom)",
        f"Error calling {other.__qualname__} in Signal.send_robust() ('k')",
    ]


def test_success_is_not_logged(signal, caplog):
    signal.connect(lambda **kwargs: 1)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        signal.send_robust(None)
    assert records(caplog) == []


class FailingInstance:
    def __call__(self, **kwargs):
        raise ValueError("instance failed")

    def __repr__(self):
        return "<FailingInstance>"


def failing_with(extra, **kwargs):
    raise ValueError(f"partial failed {extra}")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (FailingInstance, "instance failed"),
        (lambda: functools.partial(failing_with, 1), "partial failed 1"),
    ],
    ids=["callable-instance", "partial"],
)
def test_receiver_without_qualname_is_logged(signal, caplog, make, message):
    receiver = make()
    assert not hasattr(receiver, "__qualname__")
    signal.connect(receiver, weak=False)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        [(called, err)] = signal.send_robust(None)
    assert called is receiver
    assert type(err) is ValueError
    [record] = records(caplog)
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith("Error calling ")
    assert repr(receiver) in record.getMessage()
    assert record.getMessage().endswith(f" in Signal.send_robust() ({message})")
    assert record.exc_info[1] is err


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit, CustomBaseException])
def test_base_exception_propagates(signal, exc_type, caplog):
    calls = []

    def raising(**kwargs):
        raise exc_type

    def after(**kwargs):
        calls.append("after")

    signal.connect(raising)
    signal.connect(after)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        with pytest.raises(exc_type):
            signal.send_robust(None)
    assert calls == []
    assert records(caplog) == []


def test_type_error_from_the_call_itself_is_caught(signal, caplog):
    # The call is inside the ``try``, as in Django: a receiver that cannot
    # take the keywords gets the TypeError as its response.
    def receiver(**kwargs):
        return "ok"

    signal.connect(receiver)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        [(_, err)] = signal.send_robust(None, signal="mine")
    assert isinstance(err, TypeError)
    assert len(records(caplog)) == 1


class Failure(Exception):
    """An error that can be referenced weakly (built-in exceptions cannot)."""


@pytest.mark.parametrize("kind", ["alone", "before a receiver that succeeds"])
def test_a_failed_robust_send_leaves_no_reference_cycle(signal, kind):
    """The error, its traceback and what its frames hold go with the results,
    without waiting for the garbage collector. (Django's ``send_robust`` keeps
    its responses in a local of the frame the traceback holds: a cycle.)"""

    def fails(sender, **kwargs):
        raise Failure

    def succeeds(sender, **kwargs):
        return "fine"

    signal.connect(fails, weak=False)
    if kind != "alone":
        signal.connect(succeeds, weak=False)
    disabled = logging.root.manager.disable
    logging.disable(logging.CRITICAL)  # a captured log record would keep the error alive
    gc.disable()
    try:
        responses = signal.send_robust(None)
        error = weakref.ref(responses[0][1])
        del responses
        assert error() is None
    finally:
        gc.enable()
        logging.disable(disabled)
