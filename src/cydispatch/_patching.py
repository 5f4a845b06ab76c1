"""What code that patches, copies or inspects a signal sees: shared by both backends.

Test suites mute a signal with ``mock.patch.object(signal, "receivers", [])``,
and ``mock.patch`` decides how to undo a patch by where it found the
attribute: in the instance's ``__dict__``, it assigns the old value back; on
the class, it deletes the instance's. Django's ``Signal`` keeps ``receivers``,
``lock``, ``use_caching``, ``sender_receivers_cache`` and ``_dead_receivers``
in the instance's ``__dict__`` (``ATTRIBUTES``), so each backend shows them
there too, with their current values, and an assignment (a patch's undo
included) goes through the same checks as any other. A signal never loses one
of them: deleting one raises, rather than leaving a signal without its
connections or its lock.

A copy (``copy.copy``) is a signal with the same connections, the same lock
and the same other attributes; ``copy.deepcopy`` and ``pickle`` go through the
same state as Django's and fail where they fail (a lock cannot be pickled).

The compiled ``Signal``'s methods are C functions; read from the class, they
are Python functions (``SignalType``), as Django's are, so that
``mock.patch.object(Signal, "send", autospec=True)`` binds the signal.
"""

from __future__ import annotations

from types import FunctionType

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

#: What Django's ``Signal.__init__`` sets on the instance (4.2 to 6.1), in its order.
ATTRIBUTES = ("receivers", "lock", "use_caching", "sender_receivers_cache", "_dead_receivers")

#: What a copy does not take from the original: it keeps plans of its own.
_OWN = frozenset(("sender_receivers_cache", "_dead_receivers"))


def refuse_delete(signal: object, name: str) -> None:
    """Raise when ``name`` is one of ``ATTRIBUTES``: a signal never goes without them."""
    if name in ATTRIBUTES:
        raise AttributeError(
            f"{type(signal).__name__}.{name} cannot be deleted: the signal needs it; "
            "assign a new value instead"
        )


def set_state(signal: Any, init: Callable[[Any], None], state: Mapping[str, Any]) -> None:
    """Make ``signal`` (made without ``__init__``) the copy of one whose ``vars()`` was ``state``.

    ``init`` is the backend's own ``Signal.__init__``. Every attribute is
    assigned as code would assign it: the connections are checked and indexed
    anew, and the lock is the original's, as in a copy of Django's signal.
    """
    init(signal)
    for name, value in state.items():
        if name not in _OWN:
            setattr(signal, name, value)


class SignalType(type):
    """The compiled ``Signal``'s metaclass: a C method read from the class is a Python function.

    ``mock.patch.object(Signal, "send", autospec=True)`` replaces ``send``
    with a function made in the image of the original, which binds the signal
    as ``self`` only when the original is a Python function; for any other
    callable it makes a mock that never sees ``self``. So, read from a class
    (never from an instance, whose methods stay the C ones), a C method is a
    function that calls it, with its signature; assigned back to a class, it
    is the C method again, so a hand-written save and restore leaves no
    Python function in the way of a send.
    """

    def __getattribute__(cls, name: str) -> Any:
        found = type.__getattribute__(cls, name)
        if id(found) in _C_METHOD_IDS:
            return _stand_in(found)
        return found

    def __setattr__(cls, name: str, value: Any) -> None:
        stand_in, method = _C_METHODS.get(id(value), (None, None))
        type.__setattr__(cls, name, method if stand_in is value else value)


#: The ids of the C methods (see ``register_c_methods``).
_C_METHOD_IDS: frozenset[int] = frozenset()
#: Each C method's stand-in (made once, kept for good); id(stand-in) -> (stand-in, C method).
_STAND_INS: dict[Any, Any] = {}
_C_METHODS: dict[int, tuple[Any, Any]] = {}


def register_c_methods(cls: type) -> None:
    """Tell ``SignalType`` the C methods of ``cls``: its methods that are not Python functions.

    A pure run has none. Special methods stay what they are (``copy`` and
    ``pickle`` compare ``object.__reduce__`` and the like).
    """
    global _C_METHOD_IDS
    _C_METHOD_IDS |= frozenset(
        id(method)
        for name, method in vars(cls).items()
        if callable(method)
        and not isinstance(method, (type, FunctionType, staticmethod, classmethod))
        and not (name.startswith("__") and name.endswith("__"))
    )


def _stand_in(method: Any) -> Any:
    """The Python function that stands for C ``method`` on its class (made once)."""
    found = _STAND_INS.get(method)
    if found is not None:
        return found
    import inspect  # only when a class's method is read: costly to import

    async def call_async(*args: Any, **kwargs: Any) -> Any:
        return await method(*args, **kwargs)

    def call(*args: Any, **kwargs: Any) -> Any:
        return method(*args, **kwargs)

    # A coroutine function's stand-in is one too: autospec makes its mock awaitable.
    is_async = inspect.iscoroutinefunction(method) or getattr(method, "_is_coroutine", False)
    stand_in: Any = call_async if is_async else call

    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(stand_in, attribute, getattr(method, attribute, None))
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        pass
    else:
        stand_in.__signature__ = signature
    _STAND_INS[method] = stand_in
    _C_METHODS[id(stand_in)] = (stand_in, method)
    return stand_in
