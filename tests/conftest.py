"""The conformance suite's backend fixture: every test runs against every backend.

A compiled backend that cannot be imported makes its tests *error*, never
skip, so a broken build cannot pass unnoticed; the error names
``--no-c-extensions``, which deselects them on purpose. A pure install is
recognised, and its compiled tests deselected with a header line that says
so: ``CYDISPATCH_NO_EXTENSIONS`` is set, or the package imported carries no
Cython source (a pure wheel leaves ``_cdispatch.pyx`` out; a source tree and
a compiled wheel have it, so a build missing there is an error).

In a source checkout (``pip install -e .`` or ``python setup.py build_ext
--inplace``), a compiled module older than a source it is built from stops the
session before any test runs, with the command that rebuilds it: Python
imports the old ``.so`` ahead of the edited ``.py``, and the tests would pass
or fail on code that is no longer there.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import types
from pathlib import Path

import hypothesis.core
import pytest
from support import SEED, stale_compiled_modules

#: Test id -> module. Each module provides ``Signal``.
BACKENDS = {
    "py": "cydispatch._pydispatch",
    "c": "cydispatch._cdispatch",
}
COMPILED = {"c"}
COMPILED_MODULE = BACKENDS["c"]


def compiled_import_error() -> ImportError | None:
    """Why the compiled backend cannot be imported, or ``None`` when it can."""
    try:
        importlib.import_module(COMPILED_MODULE)
    except ImportError as err:
        return err
    return None


def pure_on_purpose() -> str | None:
    """Why this is a pure install on purpose, or ``None`` when the compiled backend belongs here."""
    if os.environ.get("CYDISPATCH_NO_EXTENSIONS"):
        return "CYDISPATCH_NO_EXTENSIONS is set"
    import cydispatch

    package = Path(cydispatch.__file__ or "").parent
    if not (package / "_cdispatch.pyx").exists():
        return f"a pure install, without the Cython sources ({package})"
    return None


REBUILD = "python setup.py build_ext --inplace"


def check_build() -> None:
    """Stop the session when the imported cydispatch is a source checkout with a stale compiled module.

    Only a source checkout is checked (``setup.py`` two levels above the
    package): an installed wheel is built in one go, and its files' times
    are whatever the archive recorded.
    """
    spec = importlib.util.find_spec("cydispatch")  # finds it without running it
    if spec is None or spec.origin is None:
        return
    package = Path(spec.origin).parent
    if not (package.parent.parent / "setup.py").is_file():
        return
    stale = stale_compiled_modules(package)
    if stale:
        raise pytest.UsageError(
            "stale compiled modules in " + str(package) + ": Python imports them instead of the edited "
            "sources, so the tests would run the old code:\n  " + "\n  ".join(stale)
            + f"\nRebuild them: cd {package.parent.parent} && {REBUILD}\n"
            "(or delete them, rm src/cydispatch/*.so, to run the pure-Python code alone: see docs/building.md)"
        )


#: Set at configuration: why the compiled tests are deselected on their own, if they are.
PURE_INSTALL: str | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--c-extensions",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the tests of the compiled backend too (the default); "
        "--no-c-extensions deselects them",
    )


def pytest_configure(config: pytest.Config) -> None:
    check_build()
    # CYDISPATCH_FRESH_SEEDS=1 (support.py): one fresh seed for every Hypothesis
    # test, unless --hypothesis-seed chose one (Hypothesis's own plugin sets it then).
    if SEED is not None and config.getoption("hypothesis_seed", None) is None:
        hypothesis.core.global_force_seed = SEED
    global PURE_INSTALL
    if config.getoption("--c-extensions") and compiled_import_error() is not None:
        PURE_INSTALL = pure_on_purpose()
        if PURE_INSTALL is not None:
            # As if --no-c-extensions had been given: tests that read the
            # option (test_import_choice.py) agree with the deselection.
            config.option.c_extensions = False


def seed_line() -> str:
    return (
        f"cydispatch: random programs from seed {SEED}; replay with "
        f"CYDISPATCH_SEED={SEED} python -m pytest ..."
    )


def pure_install_line() -> str:
    return f"cydispatch: the compiled backend's tests are deselected: {PURE_INSTALL}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [seed_line()] if SEED is not None else []
    if PURE_INSTALL is not None:
        lines.append(pure_install_line())
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SEED is not None:
        terminalreporter.write_line(seed_line())
    # Again at the end: -q shows no header, and the count of deselected
    # tests alone does not say why.
    if PURE_INSTALL is not None:
        terminalreporter.write_line(pure_install_line())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--c-extensions"):
        return
    deselected = [item for item in items if item.get_closest_marker("c_extension")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("c_extension")]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A compiled test errors, with a message that names ``--no-c-extensions``, when the backend is missing."""
    if item.get_closest_marker("c_extension") is None:
        return
    err = compiled_import_error()
    if err is not None:
        pytest.fail(
            f"the compiled backend cannot be imported ({err}): build it (python setup.py build_ext --inplace, "
            "or reinstall cydispatch with a C compiler), or run the pure backend's tests alone with "
            "--no-c-extensions",
            pytrace=False,
        )


@pytest.fixture(
    scope="session",
    params=[
        pytest.param(name, id=name, marks=[pytest.mark.c_extension] if name in COMPILED else [])
        for name in BACKENDS
    ],
)
def backend(request: pytest.FixtureRequest) -> types.ModuleType:
    """The backend module under test (``cydispatch._pydispatch`` or ``._cdispatch``)."""
    return importlib.import_module(BACKENDS[request.param])


@pytest.fixture
def Signal(backend: types.ModuleType) -> type:
    """The backend's ``Signal`` class."""
    return backend.Signal  # type: ignore[no-any-return]


@pytest.fixture
def signal(Signal: type) -> object:
    """A fresh signal of the backend under test."""
    return Signal()
