"""Creating a signal: ``use_caching`` and the historic ``providing_args``."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("use_caching", [False, True])
def test_use_caching_is_kept(Signal, use_caching):
    signal = Signal(use_caching=use_caching)
    assert signal.use_caching is use_caching


def test_default_signal_does_not_cache_and_has_no_receivers(Signal):
    signal = Signal()
    assert signal.use_caching is False
    assert signal.receivers == []
    assert signal.providing_args == set()


@pytest.mark.parametrize("use_caching", [False, True])
def test_signal_works_whatever_use_caching(Signal, use_caching):
    signal = Signal(use_caching=use_caching)

    def receiver(**kwargs):
        return "ok"

    signal.connect(receiver)
    assert signal.send(None) == [(receiver, "ok")]
    assert signal.send(object()) == [(receiver, "ok")]


def test_providing_args_keyword_is_kept_as_a_set(Signal):
    signal = Signal(providing_args=["a", "b", "a"])
    assert signal.providing_args == {"a", "b"}
    assert isinstance(signal.providing_args, set)
    assert signal.use_caching is False


def test_providing_args_positional_list(Signal):
    signal = Signal(["a", "b"])
    assert signal.providing_args == {"a", "b"}
    assert signal.use_caching is False


def test_providing_args_positional_tuple(Signal):
    assert Signal(("a",)).providing_args == {"a"}


def test_providing_args_then_use_caching_positionally(Signal):
    # Django <= 3.2: Signal(providing_args=None, use_caching=False).
    signal = Signal(["a"], True)
    assert signal.providing_args == {"a"}
    assert signal.use_caching is True


def test_providing_args_with_use_caching_keyword(Signal):
    signal = Signal(providing_args=["x"], use_caching=True)
    assert signal.providing_args == {"x"}
    assert signal.use_caching is True


def test_providing_args_does_not_restrict_send(Signal):
    signal = Signal(providing_args=["a"])
    seen = []

    def receiver(**kwargs):
        seen.append(sorted(kwargs))

    signal.connect(receiver)
    signal.send(None, a=1, b=2)
    assert seen == [["a", "b", "sender", "signal"]]


@pytest.mark.parametrize(
    "providing_args",
    [
        pytest.param("ab", id="str"),
        pytest.param(b"ab", id="bytes"),
        pytest.param(["a", 1], id="list-with-int"),
        pytest.param(1, id="int"),
        pytest.param([None], id="list-with-None"),
    ],
)
def test_providing_args_must_be_a_list_of_strings(Signal, providing_args):
    with pytest.raises(TypeError):
        Signal(providing_args=providing_args)


def test_positional_providing_args_must_be_strings(Signal):
    with pytest.raises(TypeError):
        Signal(["a", 1])


def test_providing_args_given_twice(Signal):
    with pytest.raises(TypeError):
        Signal(["a"], providing_args=["b"])
