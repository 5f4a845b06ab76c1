"""Build cydispatch: the compiled backend, or with ``CYDISPATCH_NO_EXTENSIONS=1`` the pure one.

``CYDISPATCH_NO_EXTENSIONS=1`` (or an interpreter other than CPython) builds the
pure-Python package only: a ``py3-none-any`` wheel without the Cython sources.
A compile that fails stops the build with a message that says how to ask for
that pure package. It never falls back by itself: a fallback built here would
be a pure wheel tagged for this interpreter and platform, which pip caches as
if it were compiled and reuses even after a compiler is installed.
``CYDISPATCH_CYTHON_TRACE=1`` builds with line tracing, for coverage.
"""

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

NO_EXTENSIONS = bool(os.environ.get("CYDISPATCH_NO_EXTENSIONS")) or sys.implementation.name != "cpython"
TRACE = bool(os.environ.get("CYDISPATCH_CYTHON_TRACE"))
# The core, and the shared modules it calls on connect and on a plan's build
# (plain Python; the .pxd beside each declares its functions for C-level calls
# from the core).
COMPILED_MODULES = [
    ("_cdispatch", ".pyx"),
    ("_plans", ".pyx"),
    ("_signal", ".py"),
    ("_entries", ".py"),
    ("_registry", ".py"),
    ("_flavour", ".py"),
    ("_keys", ".py"),
    ("_refs", ".py"),
    ("_validation", ".py"),
]
# What only a compile reads: a pure wheel leaves it out (the sdist keeps it).
# The compiled wheel keeps the .pyx, so that a traceback through the compiled
# send shows its source lines, and the .pyi, for type checkers.
BUILD_SOURCES = ["*.pyx", "*.pxd", "*.h", "_cdispatch.pyi"]
FAILED = """
*** cydispatch: the compiled backend could not be built:
***     {err}
*** Install a C compiler and the Python headers (on Debian or Ubuntu:
*** apt install gcc python3-dev), or ask for the pure-Python package, which
*** needs no compiler and is slower:
***     CYDISPATCH_NO_EXTENSIONS=1 pip install cydispatch
"""


class StrictBuildExt(build_ext):
    """Build the extensions without debug information, and fail loudly when one cannot be built."""

    def run(self):
        try:
            super().run()
        except Exception as err:
            raise SystemExit(FAILED.format(err=err)) from err

    def build_extensions(self):
        # Python's own flags carry -g: debug information would triple the
        # size of the wheel, and nobody debugs an installed wheel's C. gcc and
        # clang only: MSVC takes other flags, and its debug information goes to
        # separate .pdb files anyway.
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_compile_args.append("-g0")
        super().build_extensions()


def extensions():
    if NO_EXTENSIONS:
        print("*** cydispatch: CYDISPATCH_NO_EXTENSIONS is set: pure-Python build. ***", file=sys.stderr)
        return []
    from Cython.Build import cythonize
    from setuptools import Extension

    macros = [("CYTHON_TRACE_NOGIL", "1")] if TRACE else []
    # Cython writes the source's path, as it is given here, into the module for
    # its tracebacks; relative to src/ it is "cydispatch/_cdispatch.pyx",
    # which linecache finds through sys.path, beside the installed module.
    here = os.getcwd()
    os.chdir("src")
    try:
        modules = cythonize(
            [
                Extension(f"cydispatch.{name}", [f"cydispatch/{name}{suffix}"], define_macros=macros)
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
        raise SystemExit(FAILED.format(err=err)) from err
    finally:
        os.chdir(here)
    for module in modules:
        module.sources = [os.path.join("src", source) for source in module.sources]
    return modules


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": StrictBuildExt},
    exclude_package_data={"cydispatch": BUILD_SOURCES} if NO_EXTENSIONS else {},
)
