"""``send``: results, order, arguments and exceptions."""

from __future__ import annotations

import pytest


class Sender:
    pass


def test_send_without_receivers(signal):
    assert signal.send(None) == []
    assert signal.send(Sender(), x=1) == []


def test_send_without_sender_is_a_type_error(signal):
    def receiver(**kwargs):
        pass

    with pytest.raises(TypeError):
        signal.send()
    signal.connect(receiver)
    with pytest.raises(TypeError):
        signal.send()
    with pytest.raises(TypeError):
        signal.send(x=1)


def test_send_positional_named_arguments_are_a_type_error(signal):
    def receiver(**kwargs):
        pass

    signal.connect(receiver)
    with pytest.raises(TypeError):
        signal.send(None, 1)


def test_send_returns_receivers_and_responses_in_connection_order(signal):
    calls = []

    def make(name):
        def receiver(**kwargs):
            calls.append(name)
            return name.upper()

        return receiver

    receivers = [make(name) for name in ("a", "b", "c", "d")]
    for receiver in receivers:
        signal.connect(receiver)
    responses = signal.send(None)
    assert responses == list(zip(receivers, ["A", "B", "C", "D"]))
    assert calls == ["a", "b", "c", "d"]
    assert all(type(pair) is tuple for pair in responses)
    assert type(responses) is list


def test_send_order_mixes_any_sender_and_specific_sender(signal):
    sender = Sender()

    def make(name):
        def receiver(**kwargs):
            return name

        return receiver

    a, b, c = make("a"), make("b"), make("c")
    signal.connect(a)
    signal.connect(b, sender=sender)
    signal.connect(c)
    assert [r for _, r in signal.send(sender)] == ["a", "b", "c"]
    assert [r for _, r in signal.send(None)] == ["a", "c"]


def test_send_passes_signal_sender_and_named(signal):
    seen = []

    def receiver(signal, sender, **kwargs):
        seen.append((signal, sender, kwargs))

    sender = Sender()
    signal.connect(receiver)
    signal.send(sender, a=1, b=[2])
    assert seen == [(signal, sender, {"a": 1, "b": [2]})]


def test_send_with_many_named_arguments(signal):
    named = {f"arg{i}": i for i in range(40)}

    def receiver(**kwargs):
        return kwargs

    signal.connect(receiver)
    [(_, kwargs)] = signal.send("sender", **named)
    assert kwargs == {"signal": signal, "sender": "sender", **named}


def test_send_with_many_receivers(signal):
    receivers = []
    for i in range(50):

        def receiver(i=i, **kwargs):
            return i

        receivers.append(receiver)
        signal.connect(receiver)
    assert signal.send(None) == [(r, i) for i, r in enumerate(receivers)]


def test_send_with_a_named_argument_called_signal_is_a_type_error(signal):
    def receiver(**kwargs):
        pass

    signal.connect(receiver)
    with pytest.raises(TypeError):
        signal.send(None, signal="mine")


def test_exception_propagates_and_stops_the_dispatch(signal):
    calls = []

    def first(**kwargs):
        calls.append("first")

    def failing(**kwargs):
        calls.append("failing")
        raise ValueError("boom")

    def last(**kwargs):
        calls.append("last")

    for receiver in (first, failing, last):
        signal.connect(receiver)
    with pytest.raises(ValueError, match="^boom$"):
        signal.send(None)
    assert calls == ["first", "failing"]


def test_base_exception_propagates_from_send(signal):
    def receiver(**kwargs):
        raise KeyboardInterrupt

    signal.connect(receiver)
    with pytest.raises(KeyboardInterrupt):
        signal.send(None)


def test_receiver_connected_during_send_is_called_next_time(signal):
    def late(**kwargs):
        return "late"

    def connecting(**kwargs):
        signal.connect(late)
        return "connecting"

    signal.connect(connecting)
    assert signal.send(None) == [(connecting, "connecting")]
    assert signal.send(None) == [(connecting, "connecting"), (late, "late")]


def test_receiver_disconnecting_itself_during_send(signal):
    def once(**kwargs):
        signal.disconnect(once)
        return "once"

    def other(**kwargs):
        return "other"

    signal.connect(once)
    signal.connect(other)
    assert signal.send(None) == [(once, "once"), (other, "other")]
    assert signal.send(None) == [(other, "other")]


def test_receiver_may_send_the_same_signal(signal):
    depth = []

    def receiver(**kwargs):
        depth.append(kwargs["level"])
        if kwargs["level"] < 3:
            signal.send(None, level=kwargs["level"] + 1)
        return kwargs["level"]

    signal.connect(receiver)
    assert signal.send(None, level=0) == [(receiver, 0)]
    assert depth == [0, 1, 2, 3]


def test_two_signals_are_independent(Signal):
    first, second = Signal(), Signal()

    def receiver(**kwargs):
        return kwargs["signal"]

    first.connect(receiver)
    assert first.send(None) == [(receiver, first)]
    assert second.send(None) == []
    second.connect(receiver)
    assert second.send(None) == [(receiver, second)]
    first.disconnect(receiver)
    assert first.send(None) == []
    assert second.send(None) == [(receiver, second)]
