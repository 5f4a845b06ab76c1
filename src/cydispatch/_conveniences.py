"""What users of blinker and psygnal expect beyond Django's API, shared by both backends.

None of it changes Django's API: these are extra methods of ``Signal``.
"""

from __future__ import annotations

from contextlib import contextmanager

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any, Protocol

    from ._calls import Receiver

    class _SignalLike(Protocol):
        _state_lock: Any
        _muted: int

        def _connect(self, receiver: Any, sender: Any, weak: bool, dispatch_uid: Any) -> bool: ...

        def disconnect(self, receiver: Any = ..., sender: Any = ..., dispatch_uid: Any = ...) -> bool: ...

        def _receivers_to_call(self, sender: Any) -> tuple[Sequence[Receiver], Sequence[Receiver]]: ...


@contextmanager
def connected_to(signal: _SignalLike, receiver: Receiver, sender: Any) -> Iterator[Any]:
    """Connect ``receiver`` (strongly) for the duration of a ``with`` block.

    A receiver that was already connected to ``sender`` before the block
    stays connected after it.
    """
    added = signal._connect(receiver, sender, False, None)
    try:
        yield signal
    finally:
        if added:
            signal.disconnect(receiver, sender)


@contextmanager
def muted(signal: _SignalLike) -> Iterator[Any]:
    """Make every send of ``signal`` return ``[]``, calling nothing, inside a ``with`` block.

    Muting counts: nested blocks (or blocks in several threads) unmute the
    signal when the last one ends. Connections are untouched.
    """
    # Not signal.lock, which the caller may hold.
    with signal._state_lock:
        signal._muted += 1
    try:
        yield signal
    finally:
        with signal._state_lock:
            signal._muted -= 1


def receivers_for(signal: _SignalLike, sender: Any) -> list[Receiver]:
    """The live receivers a send from ``sender`` would call, in the order of its results."""
    sync_receivers, async_receivers = signal._receivers_to_call(sender)
    return [*sync_receivers, *async_receivers]
