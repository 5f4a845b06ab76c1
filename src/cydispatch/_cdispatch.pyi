"""Types of the compiled backend: the same public API as ``cydispatch._pydispatch``."""

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, final

from typing_extensions import disjoint_base

from ._calls import Receiver, Responses
from ._entries import ReceiverList
from ._patching import SignalType

@final
class Plan:
    """What a send from one sender calls: its live receivers, ready to call."""

    @property
    def sender_ref(self) -> Callable[[], Any] | None: ...
    @property
    def shared(self) -> bool: ...
    @property
    def async_refs(self) -> tuple[Callable[[], Any], ...]: ...

@final
class KeywordLayout:
    """How a caller's keyword names map onto the receivers' keyword names."""

@final
class ReceiverCalls:
    """One send's calls of its synchronous receivers, made when called."""

    @property
    def robust(self) -> bool: ...
    def __call__(self) -> Responses: ...

@disjoint_base
class SignalCore:
    """The compiled state and methods of ``Signal``, which is its Python subclass."""

    lock: threading.Lock
    use_caching: Any
    providing_args: set[str]
    _dead_receivers: bool
    _muted: int
    _send_frame: Callable[[ReceiverCalls], Responses] | None
    @property
    def _state_lock(self) -> threading.RLock: ...
    def __init__(self, use_caching: bool = False, providing_args: Iterable[str] | None = None) -> None: ...
    @property
    def sender_receivers_cache(self) -> dict[Any, Plan]: ...
    @sender_receivers_cache.setter
    def sender_receivers_cache(self, cache: dict[Any, Plan]) -> None: ...
    @property
    def receivers(self) -> ReceiverList: ...
    @receivers.setter
    def receivers(self, entries: Iterable[Any]) -> None: ...
    def connect(
        self,
        receiver: Receiver,
        sender: Any = None,
        weak: bool = True,
        dispatch_uid: Hashable | None = None,
    ) -> None: ...
    def _connect(self, receiver: Receiver, sender: Any, weak: bool, dispatch_uid: Hashable | None) -> bool: ...
    def disconnect(
        self,
        receiver: Receiver | None = None,
        sender: Any = None,
        dispatch_uid: Hashable | None = None,
    ) -> bool: ...
    def connected_to(self, receiver: Receiver, sender: Any = None) -> AbstractContextManager[Signal]: ...
    def muted(self) -> AbstractContextManager[Signal]: ...
    def receivers_for(self, sender: Any = None) -> list[Receiver]: ...
    def has_listeners(self, sender: Any = None) -> bool: ...
    def send(self, sender: Any, **named: Any) -> Responses: ...
    def send_robust(self, sender: Any, **named: Any) -> Responses: ...
    async def asend(self, sender: Any, **named: Any) -> Responses: ...
    async def asend_robust(self, sender: Any, **named: Any) -> Responses: ...
    def _clear_dead_receivers(self) -> None: ...
    def _live_receivers(self, sender: Any) -> Any: ...
    def _receivers_to_call(self, sender: Any) -> tuple[Sequence[Receiver], Sequence[Receiver]]: ...

class Signal(SignalCore, metaclass=SignalType):
    """A signal that receivers connect to and that senders send."""
