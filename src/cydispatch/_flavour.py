"""What differs between the Django versions cydispatch follows: the one place that knows.

cydispatch behaves as the ``django.dispatch`` of the Django that is installed,
and as the newest one it knows when none is. The version is read once, when
cydispatch is imported, without importing Django (which costs more than
cydispatch itself): from ``django.VERSION`` when Django is already loaded,
else from the ``VERSION`` line of its ``__init__.py``. Everything that follows
from it is a constant or a function chosen here, never a test on a hot path.

A new Django version is a new row of facts below.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from importlib.machinery import PathFinder
from typing import Any

#: The newest Django whose dispatcher cydispatch follows (when none is installed).
NEWEST = (6, 1)


def installed_django() -> tuple[int, int] | None:
    """The ``(major, minor)`` version of the Django that is installed, or ``None``."""
    module = sys.modules.get("django")
    version = getattr(module, "VERSION", None)
    if version is not None:
        return int(version[0]), int(version[1])
    spec = PathFinder.find_spec("django")
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    with open(spec.origin, encoding="utf-8") as source:
        found = re.search(r"^VERSION\s*=\s*\(\s*(\d+)\s*,\s*(\d+)", source.read(), re.MULTILINE)
    return (int(found[1]), int(found[2])) if found else None


#: The Django version whose dispatcher this process follows.
DJANGO = installed_django() or NEWEST

#: Django 5.0 split ``_live_receivers()``'s result into ``(sync, async)``;
#: before, it returned one list (and had no asynchronous receivers).
LIVE_RECEIVERS_SPLIT = DJANGO >= (5, 0)


def live_receivers_result(sync_receivers: list[Any], async_receivers: list[Any]) -> Any:
    """What ``Signal._live_receivers()`` returns in this Django: ``(sync, async)``, or one list."""
    if LIVE_RECEIVERS_SPLIT:
        return sync_receivers, async_receivers
    return sync_receivers + async_receivers


def split_live_receivers(result: Any) -> tuple[Sequence[Any], Sequence[Any]]:
    """``(sync, async)`` from what a (possibly replaced) ``_live_receivers()`` returned.

    Before Django 5.0, every receiver it returns is called synchronously, as
    Django did: code that replaced ``_live_receivers`` gets Django's behaviour.
    """
    if LIVE_RECEIVERS_SPLIT:
        sync_receivers, async_receivers = result
        return sync_receivers, async_receivers
    return result, ()
