"""The conformance suite's backend fixture: every test runs against every backend.

A backend that cannot be imported makes its tests *error*, never skip, so a
broken build cannot pass unnoticed; ``--no-c-extensions`` deselects the
compiled backend's tests on purpose (for a pure-Python install).
"""

from __future__ import annotations

import argparse
import importlib
import types

import pytest

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
