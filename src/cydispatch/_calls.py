"""Calling receivers: the loops and the error handling both backends share.

The compiled backend has its own loops for ``send`` and ``send_robust`` (its
hot path); everything else calls receivers through these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

#: ``send_robust`` reports failing receivers here. The name is Django's, so
#: existing logging configurations route cydispatch's reports unchanged.
logger = logging.getLogger("django.dispatch")

Receiver = Callable[..., Any]
Responses = list[tuple[Receiver, Any]]


def log_robust_failure(receiver: Receiver, err: Exception) -> None:
    """Log ``err``, raised by ``receiver`` during a robust send, as Django does.

    A receiver without ``__qualname__`` (a callable instance, a
    ``functools.partial``) is named by its ``repr`` (Django raises
    ``AttributeError`` here and loses the report).
    """
    name = getattr(receiver, "__qualname__", None) or repr(receiver)
    logger.error(
        "Error calling %s in Signal.send_robust() (%s)", name, err, exc_info=err
    )


def call_receivers(
    signal: object, sender: object, named: Mapping[str, Any], receivers: Iterable[Receiver]
) -> Responses:
    """Call each receiver in turn; the first exception stops the dispatch."""
    return [(r, r(signal=signal, sender=sender, **named)) for r in receivers]


def call_receivers_robust(
    signal: object, sender: object, named: Mapping[str, Any], receivers: Iterable[Receiver]
) -> Responses:
    """Call each receiver in turn; an ``Exception`` becomes that receiver's response."""
    responses: Responses = []
    for receiver in receivers:
        try:
            response = receiver(signal=signal, sender=sender, **named)
        except Exception as err:
            log_robust_failure(receiver, err)
            response = err
        responses.append((receiver, response))
    return responses


async def call_async_robust(
    receiver: Receiver, signal: object, sender: object, named: Mapping[str, Any]
) -> Any:
    """Call and await an asynchronous receiver; an ``Exception`` becomes its response."""
    try:
        return await receiver(signal=signal, sender=sender, **named)
    except Exception as err:
        log_robust_failure(receiver, err)
        return err
