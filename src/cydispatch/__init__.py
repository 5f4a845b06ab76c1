"""cydispatch: a fast, drop-in replacement for ``django.dispatch``.

``Signal`` is the compiled implementation (``cydispatch._cdispatch``) when it
is importable, and the pure-Python one (``cydispatch._pydispatch``) otherwise
or when the environment variable ``CYDISPATCH_NO_EXTENSIONS`` is set to a
non-empty value. ``USE_EXTENSIONS`` tells which one is in use.
"""

from __future__ import annotations

import os
import sys

from ._decorator import receiver
from ._version import __version__

__all__ = ["USE_EXTENSIONS", "Signal", "__version__", "receiver"]

# ``typing.TYPE_CHECKING`` without importing ``typing``: it costs more than
# all of cydispatch, and a type checker takes any ``TYPE_CHECKING``
# for true. Each module does the same, and imports from ``typing`` there.
TYPE_CHECKING = False

USE_EXTENSIONS = False
if TYPE_CHECKING:
    from ._pydispatch import Signal
elif os.environ.get("CYDISPATCH_NO_EXTENSIONS") or sys.implementation.name != "cpython":
    from ._pydispatch import Signal
else:
    try:
        from ._cdispatch import Signal
    except ImportError:
        from ._pydispatch import Signal
    else:
        USE_EXTENSIONS = True
