"""Synchronous and asynchronous receivers together, with Django 5.2's semantics.

``send`` and ``send_robust`` run asynchronous receivers concurrently behind
one ``async_to_sync``; ``asend`` and ``asend_robust`` run the synchronous ones
in one batch behind ``sync_to_async``, concurrently with the asynchronous
ones. Synchronous results come first, each group in connection order.

Django runs every concurrent part in a task of its own, on a copy of the
caller's context, and drops what the receivers change in it (ticket 36714).
Here each part's changes to context variables are carried back to the caller
afterwards, in result order, as a synchronous receiver's are.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Protocol

from asgiref.sync import async_to_sync, sync_to_async

from ._calls import Receiver, Responses, call_async_robust, call_receivers, call_receivers_robust

_MISSING: Any = object()


class _SignalLike(Protocol):
    _muted: int

    def _receivers_to_call(self, sender: Any) -> tuple[Sequence[Receiver], Sequence[Receiver]]: ...


async def _with_context(awaitable: Awaitable[Any]) -> tuple[Any, contextvars.Context]:
    result = await awaitable
    return result, contextvars.copy_context()


async def _gather_in_callers_context(
    awaitables: Sequence[Awaitable[Any]], first: int = 0
) -> list[Any]:
    """``asyncio.gather`` the awaitables and return their results, starting at ``first``.

    Each runs in a task of its own, so on its own copy of this context; what
    each changed in it is then set here, in the order of the results.
    """
    before = contextvars.copy_context()
    outcomes = await asyncio.gather(*(_with_context(a) for a in awaitables))
    outcomes = outcomes[first:] + outcomes[:first]
    for _, after in outcomes:
        for var, value in after.items():
            if before.get(var, _MISSING) is not value:
                var.set(value)
    return [result for result, _ in outcomes]


def _async_calls(
    signal: object, sender: object, named: Mapping[str, Any],
    receivers: Sequence[Receiver], robust: bool,
) -> list[Awaitable[Any]]:
    if robust:
        return [call_async_robust(r, signal, sender, named) for r in receivers]
    return [r(signal=signal, sender=sender, **named) for r in receivers]


def send_to_async_receivers(
    signal: object, sender: object, named: Mapping[str, Any],
    receivers: Sequence[Receiver], robust: bool,
) -> Responses:
    """Run asynchronous ``receivers`` concurrently from synchronous code."""

    async def run_all() -> Responses:
        calls = _async_calls(signal, sender, named, receivers, robust)
        return list(zip(receivers, await _gather_in_callers_context(calls)))

    return async_to_sync(run_all)()


async def asend(signal: _SignalLike, sender: object, named: Mapping[str, Any], robust: bool) -> Responses:
    """The body of ``Signal.asend`` (``robust=False``) and ``Signal.asend_robust``."""
    if signal._muted:
        return []
    sync_receivers, async_receivers = signal._receivers_to_call(sender)
    if not sync_receivers and not async_receivers:
        return []
    # As in Django, the asynchronous receivers' tasks are created, and so
    # start, before the one that runs the synchronous batch.
    calls = _async_calls(signal, sender, named, async_receivers, robust)
    if not sync_receivers:
        return list(zip(async_receivers, await _gather_in_callers_context(calls)))
    call_sync = call_receivers_robust if robust else call_receivers
    calls.append(sync_to_async(call_sync)(signal, sender, named, sync_receivers))
    results = await _gather_in_callers_context(calls, first=-1)
    sync_responses: Responses = results[0]
    return sync_responses + list(zip(async_receivers, results[1:]))
