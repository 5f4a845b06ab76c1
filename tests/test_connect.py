"""``connect``: kinds of receivers, de-duplication, ``dispatch_uid`` and senders."""

from __future__ import annotations

import functools
import gc

import pytest


def names(responses):
    return [response for _, response in responses]


class Handler:
    def __init__(self, name="handler"):
        self.name = name

    def method(self, **kwargs):
        return self.name

    def __call__(self, **kwargs):
        return f"called {self.name}"


class Sender:
    pass


# -- kinds of receivers ------------------------------------------------------


def test_function(signal):
    def receiver(**kwargs):
        return "function"

    signal.connect(receiver)
    assert signal.send(None) == [(receiver, "function")]


def test_bound_method_is_called_with_its_instance(signal):
    handler = Handler("bound")
    signal.connect(handler.method)
    [(called, response)] = signal.send(None)
    assert response == "bound"
    assert called == handler.method
    assert called.__self__ is handler


def test_lambda(signal):
    receiver = lambda **kwargs: "lambda"  # noqa: E731
    signal.connect(receiver)
    assert signal.send(None) == [(receiver, "lambda")]


def test_callable_instance(signal):
    handler = Handler("instance")
    signal.connect(handler)
    assert signal.send(None) == [(handler, "called instance")]


def test_functools_partial_strong(signal):
    def receiver(prefix, **kwargs):
        return prefix + "partial"

    partial = functools.partial(receiver, "a ")
    signal.connect(partial, weak=False)
    del partial
    [(called, response)] = signal.send(None)
    assert isinstance(called, functools.partial)
    assert response == "a partial"


def test_functools_partial_weak_while_alive(signal):
    def receiver(prefix, **kwargs):
        return prefix

    partial = functools.partial(receiver, "weak")
    signal.connect(partial)
    assert signal.send(None) == [(partial, "weak")]


def test_staticmethod_and_classmethod_functions(signal):
    class Holder:
        @staticmethod
        def static(**kwargs):
            return "static"

        @classmethod
        def klass(cls, **kwargs):
            return cls

    signal.connect(Holder.static)
    signal.connect(Holder.klass)
    assert names(signal.send(None)) == ["static", Holder]


def test_receiver_gets_signal_sender_and_named_arguments(signal):
    seen = []

    def receiver(**kwargs):
        seen.append(kwargs)

    signal.connect(receiver)
    sender = Sender()
    signal.send(sender, a=1, b="two")
    assert seen == [{"signal": signal, "sender": sender, "a": 1, "b": "two"}]


# -- connecting twice ----------------------------------------------------------


def test_same_function_twice_is_one_connection(signal):
    def receiver(**kwargs):
        return 1

    signal.connect(receiver)
    signal.connect(receiver)
    assert len(signal.receivers) == 1
    assert signal.send(None) == [(receiver, 1)]


def test_same_function_twice_weak_then_strong_keeps_the_first(signal):
    def receiver(**kwargs):
        return 1

    signal.connect(receiver)
    signal.connect(receiver, weak=False)
    assert len(signal.receivers) == 1


def test_same_bound_method_twice_is_one_connection(signal):
    handler = Handler()
    signal.connect(handler.method)
    signal.connect(handler.method)  # another bound-method object, same identity
    assert len(signal.receivers) == 1


def test_same_method_of_two_instances_is_two_connections(signal):
    first, second = Handler("first"), Handler("second")
    signal.connect(first.method)
    signal.connect(second.method)
    assert len(signal.receivers) == 2
    assert names(signal.send(None)) == ["first", "second"]


def test_same_receiver_different_senders_are_separate(signal):
    def receiver(**kwargs):
        return kwargs["sender"]

    a, b = Sender(), Sender()
    signal.connect(receiver, sender=a)
    signal.connect(receiver, sender=b)
    signal.connect(receiver)
    assert len(signal.receivers) == 3
    assert names(signal.send(a)) == [a, a]
    assert names(signal.send(b)) == [b, b]
    assert names(signal.send(None)) == [None]


def test_connection_order_survives_reconnecting(signal):
    def first(**kwargs):
        return "first"

    def second(**kwargs):
        return "second"

    signal.connect(first)
    signal.connect(second)
    signal.connect(first)
    assert names(signal.send(None)) == ["first", "second"]
    assert signal.disconnect(first)
    signal.connect(first)
    assert names(signal.send(None)) == ["second", "first"]


# -- dispatch_uid --------------------------------------------------------------


def test_dispatch_uid_dedupes_different_receivers(signal):
    def first(**kwargs):
        return "first"

    def second(**kwargs):
        return "second"

    signal.connect(first, dispatch_uid="uid")
    signal.connect(second, dispatch_uid="uid")
    assert len(signal.receivers) == 1
    assert names(signal.send(None)) == ["first"]


def test_dispatch_uid_is_per_sender(signal):
    def first(**kwargs):
        return "first"

    def second(**kwargs):
        return "second"

    sender = Sender()
    signal.connect(first, dispatch_uid="uid")
    signal.connect(second, sender=sender, dispatch_uid="uid")
    assert len(signal.receivers) == 2
    assert names(signal.send(sender)) == ["first", "second"]


def test_dispatch_uid_and_plain_connection_of_same_receiver_are_separate(signal):
    def receiver(**kwargs):
        return 1

    signal.connect(receiver)
    signal.connect(receiver, dispatch_uid="uid")
    assert len(signal.receivers) == 2


def test_tuple_dispatch_uid(signal):
    def first(**kwargs):
        return "first"

    def second(**kwargs):
        return "second"

    signal.connect(first, dispatch_uid=("app", 1))
    signal.connect(second, dispatch_uid=("app", 1))
    signal.connect(second, dispatch_uid=("app", 2))
    assert names(signal.send(None)) == ["first", "second"]


@pytest.mark.parametrize("falsy", ["", 0, None, False])
def test_falsy_dispatch_uid_means_no_uid(signal, falsy):
    def first(**kwargs):
        return "first"

    def second(**kwargs):
        return "second"

    signal.connect(first, dispatch_uid=falsy)
    signal.connect(second, dispatch_uid=falsy)
    signal.connect(first, dispatch_uid=falsy)
    assert len(signal.receivers) == 2
    assert names(signal.send(None)) == ["first", "second"]
    # Keyed by the receiver: a plain disconnect finds it.
    assert signal.disconnect(first) is True
    assert names(signal.send(None)) == ["second"]


@pytest.mark.parametrize("make_uid", [lambda: ["list"], lambda: {"a": 1}, lambda: {1}], ids=["list", "dict", "set"])
def test_an_unhashable_dispatch_uid_is_compared_by_equality(signal, make_uid):
    """As in Django, which compares uids with ``==`` and never hashes them."""

    def receiver(**kwargs):
        return "first"

    def other(**kwargs):
        return "other"

    signal.connect(receiver, dispatch_uid=make_uid())
    signal.connect(other, dispatch_uid=make_uid())  # an equal uid: a duplicate
    assert signal.send(None) == [(receiver, "first")]
    assert signal.disconnect(dispatch_uid=make_uid()) is True
    assert signal.receivers == []
    assert signal.disconnect(dispatch_uid=make_uid()) is False


# -- senders -------------------------------------------------------------------


def test_sender_none_receives_from_every_sender(signal):
    def receiver(**kwargs):
        return kwargs["sender"]

    signal.connect(receiver)
    sender = Sender()
    for each in (None, sender, Sender, 1, "text", [1], {"a": 1}):
        assert names(signal.send(each)) == [each]


def test_specific_sender_only(signal):
    def receiver(**kwargs):
        return "specific"

    sender = Sender()
    signal.connect(receiver, sender=sender)
    assert names(signal.send(sender)) == ["specific"]
    assert signal.send(None) == []
    assert signal.send(Sender()) == []


def test_class_as_sender(signal):
    class Model:
        pass

    class Other:
        pass

    def receiver(**kwargs):
        return "model"

    signal.connect(receiver, sender=Model)
    assert names(signal.send(Model)) == ["model"]
    assert signal.send(Other) == []
    assert signal.send(Model()) == []


class Equal:
    """Every instance equals every other one, with one hash."""

    def __eq__(self, other):
        return isinstance(other, Equal)

    def __hash__(self):
        return 1


@pytest.mark.parametrize("use_caching", [False, True])
@pytest.mark.parametrize(
    "make_sender",
    [Equal, lambda: [1, 2], lambda: {"k": "v"}, lambda: (1, [2])],
    ids=["equal-objects", "list", "dict", "tuple-with-list"],
)
def test_sender_matches_by_identity_not_equality(Signal, use_caching, make_sender):
    signal = Signal(use_caching=use_caching)

    def receiver(**kwargs):
        return "matched"

    sender, twin = make_sender(), make_sender()
    assert sender == twin and sender is not twin
    signal.connect(receiver, sender=sender)
    assert signal.send(twin) == []
    assert not signal.has_listeners(twin)
    assert names(signal.send(sender)) == ["matched"]
    assert signal.has_listeners(sender)
    assert signal.disconnect(receiver, sender=twin) is False
    assert signal.disconnect(receiver, sender=sender) is True
    assert signal.send(sender) == []


@pytest.mark.parametrize("use_caching", [False, True])
@pytest.mark.parametrize("sender", [[1], {"a": 1}, {1, 2}], ids=["list", "dict", "set"])
def test_unhashable_sender(Signal, use_caching, sender):
    signal = Signal(use_caching=use_caching)

    def specific(**kwargs):
        return "specific"

    def anyone(**kwargs):
        return "anyone"

    assert not signal.has_listeners(sender)
    assert signal.send(sender) == []
    signal.connect(specific, sender=sender)
    assert signal.has_listeners(sender)
    assert not signal.has_listeners()
    signal.connect(anyone)
    assert names(signal.send(sender)) == ["specific", "anyone"]
    assert names(signal.send_robust(sender)) == ["specific", "anyone"]
    assert signal.disconnect(specific, sender=sender) is True
    assert signal.disconnect(specific, sender=sender) is False
    assert names(signal.send(sender)) == ["anyone"]


def test_sender_as_keyword_argument(signal):
    seen = []

    def receiver(**kwargs):
        seen.append(kwargs["sender"])
        return "ok"

    sender = Sender()
    signal.connect(receiver, sender=sender)
    assert signal.send(sender=sender) == [(receiver, "ok")]
    assert signal.send_robust(sender=sender) == [(receiver, "ok")]
    assert seen == [sender, sender]


def test_connect_gives_a_function_no_attributes(signal):
    # Reading ``func.__dict__`` would give a function without attributes an
    # empty dict of its own, 64 bytes for every function ever connected: the
    # compiled check reads the function's dict where it is. A pure install
    # has no way to read it without making it.
    from cydispatch import _validation

    if not _validation.__file__.endswith((".so", ".pyd")):
        pytest.skip("a pure install: Python cannot ask a function for its attributes without making a __dict__")

    def receiver(**kwargs):
        return 1

    referents = len(gc.get_referents(receiver))
    signal.connect(receiver)
    assert signal.send(None) == [(receiver, 1)]
    assert len(gc.get_referents(receiver)) == referents
    receiver.flag = True  # a function with attributes is still connected, through the slow path
    signal.connect(receiver, dispatch_uid="again")
    assert len(signal.receivers) == 2
