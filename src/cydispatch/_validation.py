"""Checks of what users hand to a signal, made the way Django makes them."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import FunctionType, MethodType

try:
    import cython  # type: ignore[import-untyped, import-not-found, unused-ignore]
except ImportError:  # a pure install: see _pure_cython
    from . import _pure_cython as cython  # type: ignore[no-redef, unused-ignore]

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from typing import Any

# ``inspect``'s code flags, fixed since Python 3.5. ``inspect`` itself (with
# ``ast``, ``dis`` and ``tokenize``) and ``asgiref`` (with ``asyncio``) cost
# more to import than all of cydispatch; only receivers that are not plain
# functions need them, so they are imported there, on first use.
CO_VARKEYWORDS = 0x08
CO_COROUTINE = 0x80

#: Before Python 3.12, asgiref's ``iscoroutinefunction`` is asyncio's, which
#: also accepts a function marked with asyncio's ``_is_coroutine`` marker.
_ASYNCIO_MARKER = sys.version_info < (3, 12)

#: The interpreter's modules, kept: ``sys.modules`` is a module attribute lookup per connect.
_modules = sys.modules
_NOT_LOADED: Any = object()
_settings: Any = _NOT_LOADED
_settings_state: dict[str, Any] = {}
_unconfigured: Any = _NOT_LOADED


def _django_settings() -> Any:
    """Return ``django.conf.settings``, or ``None`` while no settings can be configured.

    Settings are configured through ``django.conf``: until something imported
    it, there are none, whether Django is installed or not, and ``None`` is
    returned without importing it (it imports ``asgiref`` and ``asyncio``,
    which cost more than all of cydispatch; see ``_bridge``). Once imported,
    its settings object is kept.
    """
    global _settings, _settings_state, _unconfigured
    if _settings is _NOT_LOADED:
        if _modules.get("django.conf") is None:
            return None
        try:
            from django.conf import settings
            from django.utils.functional import empty
        except ImportError:
            settings = None
        else:
            # Every attribute of Django's lazy settings object goes through a
            # Python __getattribute__; its own __dict__ holds the same facts
            # (the wrapped settings, and each setting once it was read).
            _settings_state = object.__getattribute__(settings, "__dict__")
            _unconfigured = empty
        _settings = settings
    return _settings


def _configured_settings() -> Any:
    """``django.conf.settings`` once configured, else ``None`` (see ``_django_settings``)."""
    settings = _django_settings()
    if settings is None or _settings_state.get("_wrapped", _unconfigured) is _unconfigured:
        return None
    return settings


def should_validate() -> bool:
    """Whether ``connect`` checks its receiver.

    Django checks only under ``settings.DEBUG``; outside a configured Django
    project there is no such switch, so receivers are always checked.
    """
    settings = _configured_settings()
    return settings is None or _debug(settings)


def _debug(settings: Any) -> bool:
    """``settings.DEBUG`` of configured settings, read from their state when it holds it."""
    debug = _settings_state.get("DEBUG", _NOT_LOADED)
    return bool(settings.DEBUG if debug is _NOT_LOADED else debug)


def code_flags(func: Any) -> int:
    """The code flags of a plain function, or of a bound method's; -1 for anything else.

    Only a function with no attributes qualifies: an attribute may be a
    ``__wrapped__`` or ``__signature__`` that ``inspect`` follows, or a
    coroutine marker that ``asgiref`` looks for.
    """
    if type(func) is MethodType:
        func = func.__func__
    if type(func) is FunctionType and not _has_attributes(func):
        return func.__code__.co_flags
    return -1


def _has_attributes(func: FunctionType) -> bool:
    """Whether a function has attributes of its own (a ``__dict__`` that is not empty)."""
    if cython.compiled:
        # Its dict is read where it is: ``func.__dict__`` would give a
        # function that has none an empty one, 64 bytes for each function
        # ever connected (names from _validation.pxd).
        attributes = cython.cast(cython.pointer(PyFunctionObject), func).func_dict  # type: ignore[name-defined]  # noqa: F821
        return attributes != cython.NULL and PyDict_GET_SIZE(attributes) > 0  # type: ignore[name-defined,no-any-return]  # noqa: F821
    return bool(func.__dict__)


def accepts_kwargs(func: Any, flags: int) -> bool:
    """Whether ``func``, whose ``code_flags`` are ``flags``, accepts ``**kwargs``.

    The answer is ``inspect.signature``'s, as in Django; for a plain function
    its code flags say the same, far faster.
    """
    if flags >= 0:
        return bool(flags & CO_VARKEYWORDS)
    import inspect

    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return True
    return False


def is_async(receiver: Any, flags: int) -> bool:
    """Whether ``receiver``, whose ``code_flags`` are ``flags``, is asynchronous.

    The answer is ``asgiref``'s (Django's); for a plain function its code
    flags say the same, far faster.
    """
    if flags >= 0:
        return bool(flags & CO_COROUTINE)
    return iscoroutinefunction(receiver)


def iscoroutinefunction(func: Any) -> bool:
    """``asgiref.sync.iscoroutinefunction(func)`` (Django's test), without importing ``asyncio``.

    From Python 3.12 asgiref's is ``inspect.iscoroutinefunction`` (which also
    knows ``inspect.markcoroutinefunction``'s marker). Before, it is
    ``asyncio.iscoroutinefunction``: ``inspect``'s, or a function whose
    ``_is_coroutine`` is ``asyncio.coroutines._is_coroutine`` (asgiref's
    ``markcoroutinefunction`` sets it). That marker is created when
    ``asyncio`` is imported, so while ``asyncio`` is not, no function carries it.
    """
    import inspect

    if inspect.iscoroutinefunction(func):
        return True
    if not _ASYNCIO_MARKER:
        return False
    marker = getattr(func, "_is_coroutine", None)
    coroutines = sys.modules.get("asyncio.coroutines")
    return coroutines is not None and marker is coroutines._is_coroutine


def validate_receiver(receiver: Any, flags: int) -> None:
    """Raise Django's errors for a receiver it would refuse under ``DEBUG``.

    ``flags`` are the receiver's ``code_flags``.
    """
    settings = _configured_settings()  # as should_validate(), read once
    if settings is not None and not _debug(settings):
        return
    if not callable(receiver):
        raise TypeError("Signal receivers must be callable.")
    if settings is not None:
        # Under a configured Django's DEBUG, Django reads the signature through
        # a functools.lru_cache keyed by the function: an unhashable receiver
        # (or one whose __hash__ raises) fails there, with hash()'s error.
        # Outside Django nothing needs a receiver to be hashable.
        hash(receiver.__func__ if type(receiver) is MethodType else receiver)
    if not accepts_kwargs(receiver, flags):
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
