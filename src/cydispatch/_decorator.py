"""The ``receiver`` decorator, shared by both backends."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from typing import Any, Protocol, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

    class _Connectable(Protocol):
        def connect(
            self, receiver: Any, sender: Any = ..., weak: bool = ..., dispatch_uid: Hashable | None = ...
        ) -> None: ...


def receiver(
    signal: _Connectable | list[_Connectable] | tuple[_Connectable, ...], **kwargs: Any
) -> Callable[[F], F]:
    """Connect the decorated function to ``signal`` (or to each of a list or tuple of signals).

    ``kwargs`` are passed to ``connect``; the function is returned unchanged::

        @receiver(post_save, sender=MyModel)
        def on_save(sender, **kwargs): ...

        @receiver([post_save, post_delete], sender=MyModel, dispatch_uid="audit")
        def on_change(sender, **kwargs): ...
    """

    def _decorator(func: F) -> F:
        signals = signal if isinstance(signal, (list, tuple)) else (signal,)
        for each in signals:
            each.connect(func, **kwargs)
        return func

    return _decorator
