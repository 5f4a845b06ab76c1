"""Helpers for testing code that sends signals: record what a signal sends, mute signals.

They work on any signal with Django's API: cydispatch's on either backend,
``cydispatch.django.Signal`` (Django's own signals after ``install()``), and
``django.dispatch.Signal`` itself. The pytest plugin that cydispatch installs
offers them as the fixtures ``capture_signal`` and ``mute_signals``.

Nothing here changes what a send does or returns. Recording sets the send
methods (``send``, ``send_robust``, ``asend``, ``asend_robust``) on the
signal instance, as ``unittest.mock.patch.object`` would: each records the
send and calls the one it replaced. Muting uses the signal's ``muted()``
where it has one (cydispatch's); on Django's own ``Signal``, which has none,
it sets ``_live_receivers`` on the instance to return no receivers, which
every send of Django's asks. Either way the connections stay as they are:
receivers connected or disconnected meanwhile stay so, and nothing is lost
when the block ends, even by an exception.

What is set on an instance is shared by every recorder (or muting block) of
that signal and put back, exactly as it was, when the last one ends, in
whatever order they end.
"""

from __future__ import annotations

import functools
import threading
from contextlib import ExitStack, contextmanager

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import TracebackType
    from typing import Any

__all__ = ["SignalCall", "SignalRecorder", "capture", "mute"]

#: The send methods a recorder observes (Django 4.2 has no ``asend`` or ``asend_robust``).
SEND_METHODS = ("send", "send_robust", "asend", "asend_robust")

_MISSING: Any = object()  # an instance without an attribute of its own; a filter not given


class SignalCall:
    """One send of a signal, as a :class:`SignalRecorder` saw it.

    ``method``
        ``"send"``, ``"send_robust"``, ``"asend"`` or ``"asend_robust"``.
    ``sender``
        The sender.
    ``named``
        The named arguments, as a dict.
    ``responses``
        What the send returned, ``[(receiver, response), ...]``: the receivers
        that ran, in the order of their results, with what each returned (or,
        from ``send_robust``, raised). ``None`` while the send runs, and if it
        raised (``send`` and ``asend`` let a receiver's exception through:
        record ``send_robust`` to see every receiver).
    ``exception``
        The exception the send raised, or ``None``.
    """

    __slots__ = ("exception", "method", "named", "responses", "sender")

    def __init__(self, method: str, sender: Any, named: dict[str, Any]) -> None:
        self.method = method
        self.sender = sender
        self.named = named
        self.responses: list[tuple[Any, Any]] | None = None
        self.exception: BaseException | None = None

    @property
    def receivers(self) -> list[Any] | None:
        """The receivers that ran, in order (from ``responses``); ``None`` when it is."""
        if self.responses is None:
            return None
        return [receiver for receiver, _ in self.responses]

    def matches(self, sender: Any = _MISSING, **named: Any) -> bool:
        """Whether this send came from ``sender`` (if given) with ``named`` among its named arguments.

        Values are compared with ``==`` (expected first), so
        ``unittest.mock.ANY`` matches anything; named arguments not given
        are not compared.
        """
        if sender is not _MISSING and not sender == self.sender:
            return False
        return all(name in self.named and value == self.named[name] for name, value in named.items())

    def __repr__(self) -> str:
        arguments = "".join(f", {name}={value!r}" for name, value in self.named.items())
        return f"<SignalCall {self.method}(sender={self.sender!r}{arguments})>"


class SignalRecorder:
    """Records every send of ``signal`` between ``start()`` and ``stop()`` (or in a ``with`` block).

    ``calls`` lists them, a :class:`SignalCall` each, in the order the sends
    began (a send made by a receiver comes after the send that called it).
    The ``assert_*`` methods select sends by sender and named arguments, as
    :meth:`SignalCall.matches` does, and fail with a list of what was sent.

    A send through a bound method taken before recording started (``send =
    signal.send``) is not seen: recording replaces the methods on the instance.
    """

    def __init__(self, signal: Any) -> None:
        if not callable(getattr(signal, "send", None)):
            raise TypeError(f"{signal!r} is not a signal: it has no send method")
        #: The signal recorded.
        self.signal = signal
        #: The sends recorded, a :class:`SignalCall` each, in the order they began.
        self.calls: list[SignalCall] = []
        self._patches: _InstancePatches | None = None

    def start(self) -> SignalRecorder:
        """Start recording; return the recorder. Starting a recorder that records raises ``RuntimeError``."""
        if self._patches is not None:
            raise RuntimeError(f"{self!r} is already recording")
        self._patches = _acquire(self.signal, "record", _recording_methods)
        with _LOCK:
            self._patches.recorders = (*self._patches.recorders, self)
        return self

    def stop(self) -> None:
        """Stop recording (``calls`` stays); when the last recorder of the signal stops, put its methods back."""
        patches, self._patches = self._patches, None
        if patches is None:
            return
        with _LOCK:
            patches.recorders = tuple(recorder for recorder in patches.recorders if recorder is not self)
        _release(patches)

    def __enter__(self) -> SignalRecorder:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget the sends recorded so far."""
        self.calls.clear()

    def matching(self, sender: Any = _MISSING, **named: Any) -> list[SignalCall]:
        """The recorded sends from ``sender`` (if given) with ``named`` among their named arguments."""
        return [call for call in self.calls if call.matches(sender, **named)]

    def assert_sent(self, sender: Any = _MISSING, **named: Any) -> SignalCall:
        """Assert that some send matches; return the last one that does."""
        __tracebackhide__ = True  # pytest shows the test's line, not this one
        found = self.matching(sender, **named)
        if not found:
            raise AssertionError(self._failure(f"no send {self._selection(sender, named)}"))
        return found[-1]

    def assert_sent_once(self, sender: Any = _MISSING, **named: Any) -> SignalCall:
        """Assert that exactly one send matches (other sends may not); return it."""
        __tracebackhide__ = True
        found = self.matching(sender, **named)
        if len(found) != 1:
            selection = self._selection(sender, named)
            raise AssertionError(self._failure(f"expected one send {selection}, found {len(found)}"))
        return found[0]

    def assert_not_sent(self, sender: Any = _MISSING, **named: Any) -> None:
        """Assert that no send matches: with no arguments, that nothing was sent."""
        __tracebackhide__ = True
        found = self.matching(sender, **named)
        if found:
            selection = self._selection(sender, named)
            raise AssertionError(self._failure(f"expected no send {selection}, found {len(found)}"))

    def _selection(self, sender: Any, named: dict[str, Any]) -> str:
        wanted = [f"sender={sender!r}"] if sender is not _MISSING else []
        wanted += [f"{name}={value!r}" for name, value in named.items()]
        return f"of {self.signal!r}" + (f" matching {', '.join(wanted)}" if wanted else "")

    def _failure(self, problem: str) -> str:
        recorded = [f"  {call!r}" for call in self.calls]
        summary = f"{problem}; {len(self.calls)} {_sends(len(self.calls))} recorded{':' if recorded else ''}"
        return "\n".join([summary, *recorded])

    def __repr__(self) -> str:
        state = "recording" if self._patches is not None else "stopped"
        return f"<SignalRecorder of {self.signal!r}, {state}, {len(self.calls)} {_sends(len(self.calls))}>"


def _sends(count: int) -> str:
    return "send" if count == 1 else "sends"


def capture(signal: Any) -> SignalRecorder:
    """A recorder of ``signal``, to use as ``with capture(signal) as sent: ...``.

    The recorder records inside the block; ``sent.calls`` and the ``assert_*``
    methods remain usable after it.
    """
    return SignalRecorder(signal)


@contextmanager
def mute(*signals: Any) -> Iterator[None]:
    """Inside a ``with`` block, every send of each of ``signals`` calls nothing and returns ``[]``.

    Connections are untouched, and blocks nest. A signal with a ``muted()``
    method (cydispatch's) is muted by it; any other (Django's own ``Signal``)
    by giving the instance a ``_live_receivers`` that finds no receivers: its
    ``has_listeners()`` then answers ``False`` meanwhile, while cydispatch's
    still tells whether receivers are connected. A recorder still sees the sends.
    """
    with ExitStack() as stack:
        for signal in signals:
            muted = getattr(signal, "muted", None)
            if callable(muted):
                stack.enter_context(muted())
            elif callable(getattr(signal, "_live_receivers", None)):
                patches = _acquire(signal, "mute", _no_live_receivers)
                stack.callback(_release, patches)
            else:
                raise TypeError(f"{signal!r} is not a signal: it has neither muted() nor _live_receivers")
        yield


# -- attributes set on a signal instance, shared, and put back by the last user ------------

_LOCK = threading.Lock()
#: ``(id(signal), purpose)`` -> what is set on that signal for that purpose, while in use.
_ACTIVE: dict[tuple[int, str], _InstancePatches] = {}


class _InstancePatches:
    """Attributes set on one signal instance for one purpose, with what the instance had before."""

    def __init__(self, signal: Any, key: tuple[int, str]) -> None:
        self.signal = signal  # kept alive while in use: its id is the key
        self.key = key
        self.users = 0
        self.recorders: tuple[SignalRecorder, ...] = ()  # for the purpose "record"
        # name -> (what was set, the instance's own attribute before it, or _MISSING)
        self.saved: dict[str, tuple[Any, Any]] = {}

    def install(self, attributes: dict[str, Any]) -> None:
        for name, value in attributes.items():
            self.saved[name] = (value, vars(self.signal).get(name, _MISSING))
            setattr(self.signal, name, value)

    def remove(self) -> None:
        for name, (value, before) in self.saved.items():
            # Code that set the attribute again after us (mock.patch.object)
            # puts ours back when it ends; ours then passes through, harmless.
            if vars(self.signal).get(name, _MISSING) is not value:
                continue
            if before is _MISSING:
                delattr(self.signal, name)
            else:
                setattr(self.signal, name, before)


def _acquire(
    signal: Any, purpose: str, attributes: Callable[[Any, _InstancePatches], dict[str, Any]]
) -> _InstancePatches:
    """What is set on ``signal`` for ``purpose``, set now if it is not yet; release it when done."""
    key = (id(signal), purpose)
    with _LOCK:
        patches = _ACTIVE.get(key)
        if patches is None:
            patches = _InstancePatches(signal, key)
            try:
                patches.install(attributes(signal, patches))
            except BaseException:
                patches.remove()
                raise
            _ACTIVE[key] = patches
        patches.users += 1
        return patches


def _release(patches: _InstancePatches) -> None:
    with _LOCK:
        patches.users -= 1
        if patches.users:
            return
        del _ACTIVE[patches.key]
        patches.remove()


def _recording_methods(signal: Any, patches: _InstancePatches) -> dict[str, Any]:
    """Each send method of ``signal``, recording for ``patches.recorders`` and calling the one it replaces."""

    def begin(method: str, sender: Any, named: dict[str, Any]) -> SignalCall:
        call = SignalCall(method, sender, named)
        for recorder in patches.recorders:
            recorder.calls.append(call)
        return call

    def recording(method: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def send(sender: Any, **named: Any) -> Any:
            call = begin(method, sender, named)
            try:
                responses = original(sender, **named)
            except BaseException as error:
                call.exception = error
                raise
            call.responses = _kept(responses)
            return responses

        return send

    def recording_async(method: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def asend(sender: Any, **named: Any) -> Any:
            call = begin(method, sender, named)
            try:
                responses = await original(sender, **named)
            except BaseException as error:
                call.exception = error
                raise
            call.responses = _kept(responses)
            return responses

        return asend

    methods = {}
    for method in SEND_METHODS:
        original = getattr(signal, method, None)
        if original is not None:
            wrap = recording_async if method.startswith("a") else recording
            methods[method] = wrap(method, original)
    return methods


def _kept(responses: Any) -> Any:
    # A copy of the list, which the caller may change; what a replaced send
    # (a mock) returned that is no list, as it is: recording never raises.
    return list(responses) if isinstance(responses, list) else responses


def _no_live_receivers(signal: Any, patches: _InstancePatches) -> dict[str, Any]:
    """A ``_live_receivers`` for ``signal`` that finds none, in the installed Django's shape."""
    from ._flavour import live_receivers_result

    def _live_receivers(sender: Any) -> Any:
        return live_receivers_result([], [])

    return {"_live_receivers": _live_receivers}
