"""The conformance suite's backend fixture: every test runs against every backend.

A backend that cannot be imported makes its tests *error*, never skip, so a
broken build cannot pass unnoticed; ``--no-c-extensions`` deselects the
compiled backend's tests on purpose (for a pure-Python install).
"""

from __future__ import annotations

import argparse
import importlib
import types

import hypothesis.core
import pytest
from support import SEED

#: Test id -> module. Each module provides ``Signal``.
BACKENDS = {
    "py": "cydispatch._pydispatch",
    "c": "cydispatch._cdispatch",
}
COMPILED = {"c"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--c-extensions",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the tests of the compiled backend too (the default); "
        "--no-c-extensions deselects them",
    )


def pytest_configure(config: pytest.Config) -> None:
    # CYDISPATCH_FRESH_SEEDS=1 (support.py): one fresh seed for every Hypothesis
    # test, unless --hypothesis-seed chose one (Hypothesis's own plugin sets it then).
    if SEED is not None and config.getoption("hypothesis_seed", None) is None:
        hypothesis.core.global_force_seed = SEED


def seed_line() -> str:
    return (
        f"cydispatch: random programs from seed {SEED}; replay with "
        f"CYDISPATCH_SEED={SEED} python -m pytest ..."
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    return seed_line() if SEED is not None else None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SEED is not None:
        terminalreporter.write_line(seed_line())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--c-extensions"):
        return
    deselected = [item for item in items if item.get_closest_marker("c_extension")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("c_extension")]


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
