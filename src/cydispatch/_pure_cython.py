"""What the shared sources use of the ``cython`` module, for a run without Cython.

``_signal.py`` is one source for both backends: Cython compiles it for the
compiled one, and there ``import cython`` gives compile-time directives. A
pure install has no Cython to import, and this module stands in for it.

``critical_section(obj)`` guards reads and writes of a signal's fields that
another thread may replace without the signal's lock. Compiled, it is
CPython's per-object critical section (a no-op with the GIL). Here it is one
process-wide reentrant lock: its sections are a few loads and stores that
call no user code, so one lock serialises them without a deadlock, and on a
free-threaded interpreter the pure backend is as careful as the compiled one.
"""

from __future__ import annotations

import threading

#: Whether this code runs compiled: never, when this module stands in for Cython.
compiled = False

_SECTIONS = threading.RLock()


def critical_section(obj: object) -> threading.RLock:
    """The context manager of a critical section on ``obj`` (see the module's docstring)."""
    return _SECTIONS

