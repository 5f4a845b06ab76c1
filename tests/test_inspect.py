"""``cydispatch.inspect``: every connection as a record, on both backends and on Django's own ``Signal``.

The signals live in two modules made for the test (``fixture_app.signals``
defines them, ``fixture_app.handlers`` imports one); the receivers are this
module's, so their files and lines are known. The real project's run of the
command is ``test_list_receivers.py``.
"""

from __future__ import annotations

import functools
import gc
import json
import sys
import types
from collections.abc import Iterator
from typing import Any

import django
import django.dispatch.dispatcher
import pytest
from support import needs_async_receivers

from cydispatch.inspect import Connection, connections, signals

HERE = __file__
MODULE = __name__


def plain(sender: Any, **kwargs: Any) -> None:
    pass


def held(sender: Any, **kwargs: Any) -> None:
    pass


async def later(sender: Any, **kwargs: Any) -> None:
    pass


def with_prefix(prefix: str, sender: Any, **kwargs: Any) -> None:
    pass


class Handler:
    def method(self, sender: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        pass


class Sender:
    """A sender that is a class (not a model)."""


HANDLER = Handler()
PARTIAL = functools.partial(with_prefix, "p")


def line(func: Any) -> int:
    return int(func.__code__.co_firstlineno)


def connect_every_kind(signal: Any) -> list[tuple[Any, ...]]:
    """Connect a receiver of each kind; return ``(receiver, kind, sender, weak, is_async, uid, line)`` of each."""
    signal.connect(plain)
    signal.connect(held, weak=False, dispatch_uid="held-uid")
    signal.connect(HANDLER.method, sender=Sender)
    signal.connect(HANDLER, dispatch_uid=("tuple", 1))
    signal.connect(PARTIAL, weak=False)
    signal.connect(later)
    return [
        (f"{MODULE}.plain", "function", "any", True, False, None, line(plain)),
        (f"{MODULE}.held", "function", "any", False, False, "held-uid", line(held)),
        (f"{MODULE}.Handler.method", "method", f"{MODULE}.Sender", True, False, None, line(Handler.method)),
        (f"{MODULE}.Handler", "instance", "any", True, False, ("tuple", 1), line(Handler.__call__)),
        (f"{MODULE}.with_prefix", "partial", "any", False, False, None, line(with_prefix)),
        (f"{MODULE}.later", "function", "any", True, True, None, line(later)),
    ]


def facts(records: list[Connection]) -> list[tuple[Any, ...]]:
    return [(r.receiver, r.kind, r.sender, r.weak, r.is_async, r.dispatch_uid, r.line) for r in records]


@pytest.fixture
def fixture_app(Signal: type) -> Iterator[types.SimpleNamespace]:
    """``fixture_app.signals`` with two signals of the backend, one imported by ``fixture_app.handlers``."""
    defined = types.ModuleType("fixture_app.signals")
    defined.first, defined.second = Signal(), Signal()
    imported = types.ModuleType("fixture_app.handlers")
    imported.first = defined.first
    sys.modules.update({defined.__name__: defined, imported.__name__: imported})
    try:
        yield types.SimpleNamespace(first=defined.first, second=defined.second)
    finally:
        del sys.modules[defined.__name__], sys.modules[imported.__name__]


def test_every_kind_of_connection(fixture_app: Any) -> None:
    expected = connect_every_kind(fixture_app.first)
    found = connections(signal=fixture_app.first)
    assert facts(found) == expected
    assert {(r.signal, r.module, r.file) for r in found} == {("fixture_app.signals.first", MODULE, HERE)}


def test_a_signal_is_named_where_it_is_defined(fixture_app: Any) -> None:
    fixture_app.first.connect(plain)
    found = signals()
    assert found["fixture_app.signals.first"] is fixture_app.first
    assert found["fixture_app.signals.second"] is fixture_app.second
    assert "fixture_app.handlers.first" not in found
    for name in ("fixture_app.signals.first", "first", "fixture_app.handlers.first"):
        assert [r.signal for r in connections(signal=name)] == ["fixture_app.signals.first"], name
    with pytest.raises(LookupError, match="no loaded module defines a signal named 'nope'"):
        connections(signal="nope")


def test_dead_receivers_and_senders_are_not_listed(fixture_app: Any) -> None:
    def short_lived(sender: Any, **kwargs: Any) -> None:
        pass

    class Gone:
        pass

    fixture_app.first.connect(short_lived)
    fixture_app.first.connect(plain, sender=Gone)
    assert [r.receiver for r in connections(signal=fixture_app.first)] == [
        f"{MODULE}.test_dead_receivers_and_senders_are_not_listed.<locals>.short_lived", f"{MODULE}.plain"
    ]
    del short_lived, Gone
    gc.collect()
    assert connections(signal=fixture_app.first) == []


@needs_async_receivers
def test_async_receivers_come_after_the_sync_ones_as_a_send_runs_them(fixture_app: Any) -> None:
    fixture_app.first.connect(later)
    fixture_app.first.connect(plain)
    fixture_app.first.connect(held)
    assert [r.receiver for r in connections(signal=fixture_app.first)] == [
        f"{MODULE}.plain", f"{MODULE}.held", f"{MODULE}.later"
    ]
    # What a send calls, in order: the sync receivers, then the async one (through async_to_sync).
    called: list[str] = []
    fixture_app.second.connect(lambda sender, **kwargs: called.append("sync"), weak=False)

    async def async_receiver(sender: Any, **kwargs: Any) -> None:
        called.append("async")

    fixture_app.second.connect(async_receiver, weak=False)
    fixture_app.second.connect(lambda sender, **kwargs: called.append("sync, connected after"), weak=False)
    fixture_app.second.send(sender=None)
    assert called == ["sync", "sync, connected after", "async"]
    assert [r.is_async for r in connections(signal=fixture_app.second)] == [False, False, True]


def test_each_filter_takes_several_values(fixture_app: Any) -> None:
    class Other:
        pass

    fixture_app.first.connect(plain, sender=Sender)
    fixture_app.first.connect(held, sender=Other)
    fixture_app.second.connect(held)
    both = connections(signal=["fixture_app.signals.first", fixture_app.second])
    assert [(r.signal, r.receiver) for r in both] == [
        ("fixture_app.signals.first", f"{MODULE}.plain"),
        ("fixture_app.signals.first", f"{MODULE}.held"),
        ("fixture_app.signals.second", f"{MODULE}.held"),
    ]
    assert connections(signal=("first", "second")) == both
    assert [r.receiver for r in connections(signal=fixture_app.first, sender=[Sender, Other])] == [
        f"{MODULE}.plain", f"{MODULE}.held"
    ]
    assert [r.receiver for r in connections(signal=fixture_app.first, sender=[Other])] == [f"{MODULE}.held"]
    assert [r.signal for r in connections(signal=both[0].signal, app=["elsewhere", MODULE])] == [both[0].signal] * 2


def test_an_unknown_signal_name_suggests_the_closest(fixture_app: Any) -> None:
    hint = r"named 'fixture_app\.signals\.frist'; did you mean 'fixture_app\.signals\.first'"
    with pytest.raises(LookupError, match=hint):
        connections(signal="fixture_app.signals.frist")
    with pytest.raises(LookupError, match=r"named 'frsit'; did you mean 'first'"):
        connections(signal=["first", "frsit"])
    with pytest.raises(LookupError, match=r"^no loaded module defines a signal named 'zzzzzzzz'$"):
        connections(signal="zzzzzzzz")


def test_filter_by_sender(fixture_app: Any) -> None:
    fixture_app.first.connect(plain)
    fixture_app.first.connect(held, sender=Sender)
    fixture_app.second.connect(plain)
    other = object()
    fixture_app.second.connect(held, sender=other)
    # What a send from Sender reaches: first's, its own and any sender's;
    # second is not a signal Sender sends (nothing waits for it there).
    assert [(r.signal, r.receiver) for r in connections(sender=Sender) if r.signal.startswith("fixture_app.")] == [
        ("fixture_app.signals.first", f"{MODULE}.plain"), ("fixture_app.signals.first", f"{MODULE}.held")
    ]
    # Asked for a signal, its any-sender connections are what a send reaches.
    assert [r.receiver for r in connections(signal=fixture_app.second, sender=Sender)] == [f"{MODULE}.plain"]
    assert [(r.receiver, r.sender) for r in connections(signal=fixture_app.second, sender=other)] == [
        (f"{MODULE}.plain", "any"), (f"{MODULE}.held", repr(other))
    ]
    assert len(connections(signal=fixture_app.first, sender=Sender)) == len(fixture_app.first.receivers_for(Sender))


def test_filter_by_app_without_django_set_up(fixture_app: Any) -> None:
    # Without Django's registry an app is a module name.
    fixture_app.first.connect(plain)
    assert [r.receiver for r in connections(app=MODULE) if r.signal.startswith("fixture_app.")] == [f"{MODULE}.plain"]
    assert [r for r in connections(app="elsewhere") if r.signal.startswith("fixture_app.")] == []
    with pytest.raises(LookupError, match="needs Django's models loaded"):
        connections(sender="shop.Product")


def test_records_as_json(fixture_app: Any) -> None:
    connect_every_kind(fixture_app.first)
    data = json.loads(json.dumps([r.as_dict() for r in connections(signal=fixture_app.first)]))
    assert [list(item) for item in data] == [
        ["signal", "receiver", "kind", "module", "file", "line", "sender", "weak", "is_async", "dispatch_uid"]
    ] * 6
    assert [item["dispatch_uid"] for item in data] == [None, "held-uid", None, "('tuple', 1)", None, None]


def test_djangos_own_signal() -> None:
    """Django's ``Signal`` (not installed in this process) is read the same way, by its entries' shape."""
    Signal = django.dispatch.dispatcher.Signal
    assert Signal.__module__ == "django.dispatch.dispatcher"
    signal = Signal()
    expected = connect_every_kind(signal)
    if django.VERSION < (6, 0):  # the entry holds the sender's id alone
        sender = f"<unknown sender id {id(Sender)!r}>"
        expected[2] = (*expected[2][:2], sender, *expected[2][3:])
    found = connections(signal=signal)
    assert facts(found) == expected
    assert found[0].signal == f"<Signal at {id(signal):#x}>"  # no module defines it
    assert [r.receiver for r in connections(signal=signal, sender=Sender)] == [
        f"{MODULE}.{name}" for name in ("plain", "held", "Handler.method", "Handler", "with_prefix", "later")
    ]
