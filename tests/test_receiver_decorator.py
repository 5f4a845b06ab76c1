"""The ``cydispatch.receiver`` decorator, with the backend's signals."""

from __future__ import annotations

from cydispatch import receiver


class Sender:
    pass


def test_single_signal(signal):
    def handler(**kwargs):
        return "handled"

    decorated = receiver(signal)(handler)
    assert decorated is handler
    assert signal.send(None) == [(handler, "handled")]


def test_decorator_syntax(signal):
    @receiver(signal)
    def handler(**kwargs):
        return "handled"

    assert handler.__name__ == "handler"
    assert signal.send(None) == [(handler, "handled")]


def test_list_of_signals(Signal):
    first, second, third = Signal(), Signal(), Signal()

    @receiver([first, second])
    def handler(**kwargs):
        return kwargs["signal"]

    assert first.send(None) == [(handler, first)]
    assert second.send(None) == [(handler, second)]
    assert third.send(None) == []


def test_tuple_of_signals(Signal):
    first, second = Signal(), Signal()

    @receiver((first, second))
    def handler(**kwargs):
        return kwargs["signal"]

    assert first.send(None) == [(handler, first)]
    assert second.send(None) == [(handler, second)]


def test_sender_keyword(signal):
    sender = Sender()

    @receiver(signal, sender=sender)
    def handler(**kwargs):
        return "handled"

    assert signal.send(None) == []
    assert signal.send(sender) == [(handler, "handled")]
    assert signal.has_listeners(sender)
    assert not signal.has_listeners()


def test_dispatch_uid_keyword(Signal):
    first, second = Signal(), Signal()

    @receiver([first, second], dispatch_uid="uid")
    def handler(**kwargs):
        return "first"

    @receiver([first, second], dispatch_uid="uid")
    def duplicate(**kwargs):
        return "duplicate"

    for each in (first, second):
        assert each.send(None) == [(handler, "first")]
        assert each.disconnect(dispatch_uid="uid") is True
        assert each.send(None) == []


def test_sender_and_dispatch_uid_keywords(signal):
    sender = Sender()

    @receiver(signal, sender=sender, dispatch_uid="uid")
    def handler(**kwargs):
        return "handled"

    assert signal.send(sender) == [(handler, "handled")]
    assert signal.disconnect(dispatch_uid="uid") is False
    assert signal.disconnect(sender=sender, dispatch_uid="uid") is True


def test_weak_keyword(signal):
    calls = []

    def register():
        @receiver(signal, weak=False)
        def handler(**kwargs):
            calls.append("called")

    register()  # the handler is referenced by the signal only
    signal.send(None)
    assert calls == ["called"]


def test_returns_the_function_unchanged(Signal):
    signals = [Signal(), Signal()]

    def handler(**kwargs):
        pass

    handler.marker = "kept"
    assert receiver(signals, sender=Sender)(handler) is handler
    assert handler.marker == "kept"
