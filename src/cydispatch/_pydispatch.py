"""The pure-Python backend: the shared state machine (``_signal``) with a Python send.

``SignalCore`` is the whole signal but for ``send`` and ``send_robust``,
which here are Python loops: each receiver runs one frame below them, as in
Django, whose warnings count on it (see ``cydispatch.django``). On a
compiled install ``SignalCore`` and the plans are the compiled ones; a pure
install (``CYDISPATCH_NO_EXTENSIONS=1`` at build time) runs every module as
Python.
"""

from __future__ import annotations

from ._calls import call_receivers, log_robust_failure
from ._patching import SignalType
from ._signal import SEND_DOC, SEND_ROBUST_DOC, SignalAttributes, SignalCore, _bridge

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from typing import Any

    from ._calls import Responses

__all__ = ["Signal"]


class Signal(SignalAttributes, SignalCore, metaclass=SignalType):
    __doc__ = SignalCore.__doc__

    def send(self, sender: Any, **named: Any) -> Responses:
        # A flagged signal may have receivers to sweep (or garbage to release:
        # see _signal's docstring) even with none listed.
        if self._muted or (not self._n_receivers and not self._dead_receivers):
            return []
        # As in Django, every live receiver is resolved, and so kept alive,
        # before the first is called: one that an earlier receiver drops
        # during the send is still called.
        sync_receivers, async_receivers = self._to_call(sender)
        if "signal" in named:
            # Django passes it twice: the first call raises its TypeError.
            responses = call_receivers(self, sender, named, sync_receivers)
        else:
            # One mapping for every call, not one built per call as Django's
            # ``signal=..., sender=..., **named`` does; a receiver's **kwargs
            # is a dict of its own all the same. A loop, not a comprehension:
            # receivers run one frame below send, as in Django.
            arguments = {"signal": self, "sender": sender, **named}
            responses = []
            for receiver in sync_receivers:
                responses.append((receiver, receiver(**arguments)))
        if async_receivers:
            responses += _bridge().send_to_async_receivers(self, sender, named, async_receivers, False)
        return responses

    def send_robust(self, sender: Any, **named: Any) -> Responses:
        if self._muted or (not self._n_receivers and not self._dead_receivers):  # as in send
            return []
        sync_receivers, async_receivers = self._to_call(sender)  # as in send
        # The loop of _calls.call_receivers_robust, here: each receiver runs
        # one frame below send_robust, as in Django (see send).
        responses: Responses = []
        try:
            for receiver in sync_receivers:
                try:
                    responses.append((receiver, receiver(signal=self, sender=sender, **named)))
                except Exception as err:
                    log_robust_failure(receiver, err)
                    responses.append((receiver, err))
            if async_receivers:
                responses += _bridge().send_to_async_receivers(self, sender, named, async_receivers, True)
            return responses
        finally:
            del responses  # a failing receiver's traceback holds this frame: see call_receivers_robust

    send.__doc__ = SEND_DOC
    send_robust.__doc__ = SEND_ROBUST_DOC
