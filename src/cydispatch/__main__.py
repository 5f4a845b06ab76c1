"""``python -m cydispatch``: which cydispatch runs, on which backend, following which Django.

For a bug report, and to see whether the compiled backend is in use: a pure
install runs correctly, only slower, so nothing else says so. Importing
this costs what ``import cydispatch`` costs: Django is not imported (its
version is read from its source, as ``cydispatch._flavour`` does).
"""

from __future__ import annotations

import importlib
import os
import sys

import cydispatch
from cydispatch import _flavour

ENV_VAR = "CYDISPATCH_NO_EXTENSIONS"


def pure_reason() -> str | None:
    """Why the pure-Python backend runs (``None`` when the compiled one does).

    Also the reason that the system check ``cydispatch.W002`` gives.
    """
    if cydispatch.USE_EXTENSIONS:
        return None
    if os.environ.get(ENV_VAR):
        return f"{ENV_VAR} is set"
    if sys.implementation.name != "cpython":
        return f"{sys.implementation.name} runs the pure backend"
    try:
        importlib.import_module("cydispatch._cdispatch")
    except ImportError as err:
        return f"the compiled backend cannot be imported: {err}"
    return "the compiled backend was not importable when cydispatch was imported"


def version(series: tuple[int, int] | None) -> str:
    return "none" if series is None else "{}.{}".format(*series)


def report() -> list[tuple[str, str]]:
    """The lines ``python -m cydispatch`` prints, as (label, value) pairs."""
    reason = pure_reason()
    backend = "compiled (cydispatch._cdispatch)" if reason is None else f"pure Python ({reason})"
    supported = ", ".join(version(series) for series in _flavour.SERIES)
    installed = _flavour.installed_django()
    follows = version(_flavour.DJANGO)
    if installed is None:
        follows += " (no Django installed: the newest on this Python)"
    elif installed not in _flavour.SERIES:
        follows += f" (not a series cydispatch follows: {supported})"
    return [
        ("cydispatch", cydispatch.__version__),
        ("backend", backend),
        ("loaded from", os.path.dirname(cydispatch.__file__ or "")),
        ("Signal", f"{cydispatch.Signal.__module__}.{cydispatch.Signal.__qualname__}"),
        ("Python", f"{sys.version.split()[0]} ({sys.implementation.name}, {sys.executable})"),
        ("Django installed", version(installed)),
        ("Django followed", follows),
        ("Django series", supported),
    ]


def main() -> None:
    pairs = report()
    width = max(len(label) for label, _ in pairs)
    for label, value in pairs:
        print(f"{label + ':':<{width + 1}} {value}")


if __name__ == "__main__":
    main()
