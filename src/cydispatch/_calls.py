"""Calling receivers: the loops and the error handling both backends share.

The compiled backend has its own loops for ``send`` and ``send_robust`` (its
hot path); everything else calls receivers through these functions.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, TypeAlias

    Receiver: TypeAlias = Callable[..., Any]
    Responses: TypeAlias = list[tuple[Receiver, Any]]

#: The name of the logger that ``send_robust`` reports failing receivers to.
#: It is Django's, so existing logging configurations route cydispatch's
#: reports unchanged.
LOGGER_NAME = "django.dispatch"

_logger: logging.Logger | None = None


def get_logger() -> logging.Logger:
    """The ``django.dispatch`` logger, got on the first report.

    ``logging`` costs about as much to import as all of cydispatch and only
    a failing receiver of a robust send needs it, so it is imported then
    (``logging.getLogger`` returns the same logger whenever it is called).
    """
    global _logger
    if _logger is None:
        import logging

        _logger = logging.getLogger(LOGGER_NAME)
    return _logger


def __getattr__(name: str) -> Any:
    # ``logger``, as a module attribute, for code that reads it.
    if name == "logger":
        return get_logger()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def log_robust_failure(receiver: Receiver, err: Exception) -> None:
    """Log ``err``, raised by ``receiver`` during a robust send, as Django does.

    A receiver without ``__qualname__`` (a callable instance, a
    ``functools.partial``) is named by its ``repr`` (Django raises
    ``AttributeError`` here and loses the report).
    """
    name = getattr(receiver, "__qualname__", None) or repr(receiver)
    get_logger().error(
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
    try:
        for receiver in receivers:
            try:
                responses.append((receiver, receiver(signal=signal, sender=sender, **named)))
            except Exception as err:
                log_robust_failure(receiver, err)
                responses.append((receiver, err))
        return responses
    finally:
        # An error's traceback holds this frame, and so what its locals still
        # refer to when it returns: without the responses, they make no
        # reference cycle (error, traceback, frame, responses, error), and a
        # failed robust send's objects go with its results, as the compiled
        # loop's do, rather than at the next garbage collection (as in Django).
        del responses


async def call_async_robust(
    receiver: Receiver, signal: object, sender: object, named: Mapping[str, Any]
) -> Any:
    """Call and await an asynchronous receiver; an ``Exception`` becomes its response."""
    try:
        return await receiver(signal=signal, sender=sender, **named)
    except Exception as err:
        log_robust_failure(receiver, err)
        return err
