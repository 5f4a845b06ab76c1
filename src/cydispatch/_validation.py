"""Checks of what users hand to a signal, made the way Django makes them."""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable
from typing import Any

_NOT_LOADED: Any = object()
_settings: Any = _NOT_LOADED


def _django_settings() -> Any:
    """Return ``django.conf.settings``, or ``None`` when Django is not installed."""
    global _settings
    if _settings is _NOT_LOADED:
        try:
            from django.conf import settings
        except ImportError:
            settings = None
        _settings = settings
    return _settings


def should_validate() -> bool:
    """Whether ``connect`` checks its receiver.

    Django checks only under ``settings.DEBUG``; outside a configured Django
    project there is no such switch, so receivers are always checked.
    """
    settings = _django_settings()
    if settings is None or not settings.configured:
        return True
    return bool(settings.DEBUG)


def accepts_kwargs(func: Any) -> bool:
    """Whether ``func`` accepts arbitrary keyword arguments (``**kwargs``).

    The answer is ``inspect.signature``'s, as in Django; a plain function with
    no attributes (so no ``__wrapped__`` or ``__signature__`` to follow) is
    answered from its code flags, which say the same thing far faster.
    """
    if isinstance(func, types.MethodType):
        func = func.__func__
    if type(func) is types.FunctionType and not func.__dict__:
        return bool(func.__code__.co_flags & inspect.CO_VARKEYWORDS)
    parameters = inspect.signature(func).parameters.values()
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def validate_receiver(receiver: Any) -> None:
    """Raise Django's errors for a receiver it would refuse under ``DEBUG``."""
    if not should_validate():
        return
    if not callable(receiver):
        raise TypeError("Signal receivers must be callable.")
    if not accepts_kwargs(receiver):
        raise ValueError("Signal receivers must accept keyword arguments (**kwargs).")


def normalize_signal_args(
    use_caching: Any, providing_args: Iterable[str] | None
) -> tuple[bool, set[str]]:
    """Return ``(use_caching, providing_args)`` from ``Signal``'s arguments.

    Django up to 3.2 took ``Signal(providing_args=None, use_caching=False)``,
    so old code may pass the argument names positionally: a list, tuple or
    set where the flag is expected is taken for them.
    """
    if isinstance(use_caching, (list, tuple, set, frozenset)):
        if providing_args is not None and not isinstance(providing_args, bool):
            raise TypeError("Signal() got providing_args twice.")
        use_caching, providing_args = bool(providing_args), use_caching
    if providing_args is None:
        return bool(use_caching), set()
    if isinstance(providing_args, (str, bytes)) or not isinstance(providing_args, Iterable):
        raise TypeError("providing_args must be a list of argument names (strings).")
    names = list(providing_args)
    if not all(isinstance(name, str) for name in names):
        raise TypeError("providing_args must be a list of argument names (strings).")
    return bool(use_caching), set(names)
