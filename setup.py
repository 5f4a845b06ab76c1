"""Build cydispatch: the compiled backend when it can be built, the pure one otherwise.

``CYDISPATCH_NO_EXTENSIONS=1`` builds the pure-Python package only. A failed
compile falls back to it with a clear message, except under cibuildwheel
(``CIBUILDWHEEL=1``), where a wheel must never ship without its core.
``CYDISPATCH_CYTHON_TRACE=1`` builds with line tracing, for coverage.
"""

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

NO_EXTENSIONS = bool(os.environ.get("CYDISPATCH_NO_EXTENSIONS")) or sys.implementation.name != "cpython"
REQUIRE_EXTENSIONS = os.environ.get("CIBUILDWHEEL") == "1"
TRACE = bool(os.environ.get("CYDISPATCH_CYTHON_TRACE"))
# The core, and the shared modules it calls on connect and on a plan's build
# (plain Python; the .pxd beside each declares its functions for C-level calls
# from the core).
COMPILED_MODULES = [
    ("_cdispatch", ".pyx"),
    ("_entries", ".py"),
    ("_registry", ".py"),
    ("_flavour", ".py"),
    ("_keys", ".py"),
    ("_refs", ".py"),
    ("_validation", ".py"),
]


class OptionalBuildExt(build_ext):
    """Fall back to the pure-Python package when the compiled backend cannot be built."""

    def run(self):
        try:
            super().run()
        except Exception as err:
            self._fall_back(err)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as err:
            self._fall_back(err)

    @staticmethod
    def _fall_back(err):
        if REQUIRE_EXTENSIONS:
            raise err
        print(
            f"*** cydispatch: the compiled backend could not be built ({err}); "
            "installing the pure-Python backend only. ***",
            file=sys.stderr,
        )


def extensions():
    if NO_EXTENSIONS:
        print("*** cydispatch: CYDISPATCH_NO_EXTENSIONS is set: pure-Python build. ***", file=sys.stderr)
        return []
    from Cython.Build import cythonize
    from setuptools import Extension

    macros = [("CYTHON_TRACE_NOGIL", "1")] if TRACE else []
    try:
        return cythonize(
            [
                Extension(f"cydispatch.{name}", [f"src/cydispatch/{name}{suffix}"], define_macros=macros)
                for name, suffix in COMPILED_MODULES
            ],
            compiler_directives={
                "language_level": 3,
                "embedsignature": True,
                "freethreading_compatible": True,
                # The .py modules' annotations are for type checkers; their C
                # types come from their .pxd files.
                "annotation_typing": False,
                "linetrace": TRACE,
            },
        )
    except Exception as err:
        OptionalBuildExt._fall_back(err)
        return []


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
