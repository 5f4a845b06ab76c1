"""The memory figures of ``memory.py``, measured once each on a small scale, untimed.

They check that the measurement runs for every library and gives numbers,
and that cydispatch keeps nothing per connect/disconnect cycle; the figures
themselves are ``compare.py``'s (or ``memory.py``'s) to report. A library
that cannot be imported makes its test fail, never skip.
"""

from __future__ import annotations

import math

import memory
import pytest
from adapters import ADAPTERS, COMPILED, DJANGO, PURE

PARAMS = [
    pytest.param(library, id=library, marks=[pytest.mark.c_extension] if library == COMPILED else [])
    for library in memory.LIBRARIES
]


@pytest.fixture(params=PARAMS)
def library(request: pytest.FixtureRequest) -> str:
    """A library id of ``memory.LIBRARIES`` (one that cannot be imported errors the test)."""
    ADAPTERS[memory.LIBRARIES[request.param]].new_signal()
    return request.param  # type: ignore[no-any-return]


def test_memory_figures(library: str) -> None:
    per_function = memory.bytes_per_receiver(library, count=200)
    per_method = memory.bytes_per_receiver(library, count=200, methods=True)
    cycles = 500
    growth = memory.cycle_growth(library, cycles=cycles)
    assert math.isfinite(per_function) and per_function > 0
    assert math.isfinite(per_method) and per_method > 0
    assert isinstance(growth, int)
    if library in (COMPILED, PURE):
        # One-off caches, a few hundred bytes: nothing per cycle (Django 5.2
        # keeps 336 bytes per cycle, ticket 36939).
        assert growth < cycles * 16, f"{growth} bytes left after {cycles} cycles"


@pytest.mark.parametrize("methods", [False, True], ids=["functions", "bound-methods"])
@pytest.mark.parametrize("backend", [pytest.param(COMPILED, marks=pytest.mark.c_extension), PURE])
def test_a_connection_costs_no_more_than_in_django(backend: str, methods: bool) -> None:
    # The bound: per weakly connected receiver, at most what the
    # installed Django keeps. 5,000 receivers, as the performance page
    # measures (just after the index grows, at 2,731, a dict costs ~20 B more).
    from cydispatch import _validation

    if backend == PURE and not methods and _validation.__file__.endswith(".py"):
        pytest.skip("a pure install gives each function connected a __dict__ (64 B): see test_connect.py")
    ours = memory.bytes_per_receiver(backend, count=5000, methods=methods)
    django = memory.bytes_per_receiver(DJANGO, count=5000, methods=methods)
    assert ours <= django, f"{backend}: {ours:.0f} B per receiver, Django {django:.0f} B"
