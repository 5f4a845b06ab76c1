"""The log every receiver of the test project writes to."""

from __future__ import annotations

from typing import Any

LOG: list[list[Any]] = []


def label(obj: Any) -> str:
    """A stable name for a model instance or class (never a pk-dependent repr)."""
    if isinstance(obj, type):
        return obj.__name__
    return f"{type(obj).__name__}:{getattr(obj, 'name', '?')}"


def record(*items: Any) -> None:
    LOG.append(list(items))


def take() -> list[list[Any]]:
    """Return the log so far and start a new one."""
    taken = LOG[:]
    LOG.clear()
    return taken
