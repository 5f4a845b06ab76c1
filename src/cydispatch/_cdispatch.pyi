"""Types of the compiled backend: the shared ``SignalCore`` with a C ``send``."""

from collections.abc import Callable
from typing import Any, final

from typing_extensions import disjoint_base

from ._calls import Responses
from ._patching import SignalType
from ._signal import SignalAttributes, SignalCore

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
class FastSignal(SignalCore):
    """``SignalCore`` with the C ``send`` and ``send_robust``; ``Signal`` is its Python subclass."""

    _send_frame: Callable[[ReceiverCalls], Responses] | None
    def send(self, sender: Any, **named: Any) -> Responses: ...
    def send_robust(self, sender: Any, **named: Any) -> Responses: ...

class Signal(SignalAttributes, FastSignal, metaclass=SignalType): ...
