"""The *floor* (``_floor.pyx``), compiled on demand: the receivers' calls made from a bare C loop.

``make_floor(receivers, signal)`` returns an object whose ``send(sender,
**named)`` and ``send_robust`` call exactly ``receivers`` from C, the way the
compiled ``Signal.send`` calls them, and return the same ``[(receiver,
response), ...]`` list, with nothing else of a dispatcher. Beside the
yardstick (the same calls written in Python), it separates what the
interpreter charges for calls from C from what the dispatcher adds: "x
floor" is the compiled send's overhead over that bare loop.

The module is for the benchmarks only, so it is not built with the package:
``build()`` compiles it with Cython and setuptools (the ``bench`` extra) into
``.benchmarks/floor-build/<cache tag>/`` of the checkout, once per
interpreter and whenever ``_floor.pyx`` or the compiled send's entry point
(``src/cydispatch/_send.h``, which it includes) changes. Call ``build()``
before a child process that must not compile (``callgrind.py``'s child under
valgrind); ``make_floor`` builds on first use otherwise.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "_floor.pyx"
#: The directory of ``_send.h``: the floor enters through the compiled send's own C entry point.
SEND_H_DIR = HERE.parent / "src" / "cydispatch"
BUILD = HERE.parent / ".benchmarks" / "floor-build" / sys.implementation.cache_tag


class FloorSend(Protocol):
    """What ``make_floor`` returns (``_floor.Floor``)."""

    receivers: tuple[Any, ...]
    send: Callable[..., list[tuple[Any, Any]]]
    send_robust: Callable[..., list[tuple[Any, Any]]]


def built_path() -> Path:
    """Where the compiled module is for this interpreter (its own extension suffix)."""
    return BUILD / f"_floor{importlib.machinery.EXTENSION_SUFFIXES[0]}"


def build() -> Path:
    """Compile ``_floor.pyx`` for this interpreter unless an up-to-date build exists; return its path."""
    target = built_path()
    inputs = (SOURCE, SEND_H_DIR / "_send.h")
    if target.exists() and all(path.stat().st_mtime <= target.stat().st_mtime for path in inputs):
        return target
    # Imported here: only a build needs them, and a child under valgrind never builds.
    # (Neither is typed everywhere: without types-setuptools, mypy sees no stubs.)
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension  # type: ignore[import-untyped, unused-ignore]

    extension = Extension("_floor", [str(SOURCE)], include_dirs=[str(SEND_H_DIR)])
    modules = cythonize([extension], build_dir=str(BUILD / "c"), quiet=True)  # type: ignore[no-untyped-call]
    command: Any = Distribution({"ext_modules": modules}).get_command_obj("build_ext")
    command.build_lib = str(BUILD)
    command.build_temp = str(BUILD / "temp")
    command.force = True  # the target is out of date: setuptools' own check reads only the .c file
    print(f"floor: compiling {SOURCE.name} into {BUILD}", file=sys.stderr, flush=True)
    # setuptools reports each step on stdout; a failed compile still raises, with the compiler's errors.
    with contextlib.redirect_stdout(io.StringIO()):
        command.ensure_finalized()
        command.run()
    return target


def load() -> ModuleType:
    """The compiled ``_floor`` module (built first if needed), imported once."""
    module = sys.modules.get("_floor")
    if module is None:
        path = build()
        spec = importlib.util.spec_from_file_location("_floor", path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["_floor"] = module
    return module


def make_floor(receivers: Sequence[Callable[..., Any]], signal: Any, weak_methods: bool = False) -> FloorSend:
    """A floor for exactly ``receivers``, passing ``signal=signal`` (see the module's docstring).

    ``weak_methods``: a bound method's result holds one made for the send, as
    a dispatcher that holds the method weakly must make it (``_floor.Floor``).
    """
    floor: FloorSend = load().make_floor(receivers, signal, weak_methods)
    return floor
