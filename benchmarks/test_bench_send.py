"""pytest-benchmark versions of the scenarios of ``scenarios.py``.

Every scenario is a benchmark group; every implementation that can do it
(``yardstick``, ``cydispatch-c``, ``cydispatch-py``, ``django``,
``django-cached``, ``blinker``, ``psygnal.emit``, ``psygnal.emit_fast``) is
one benchmark of the group, on the same receivers (``asend`` benchmarks time
one ``loop.run_until_complete(signal.asend(...))`` per call, so they include
the event loop's start; ``compare.py`` awaits them in a loop instead)::

    pytest benchmarks/ --benchmark-only
    pytest benchmarks/ --benchmark-only -k send-10-methods
    pytest benchmarks/ --benchmark-disable     # untimed: each benchmark runs once

A library that cannot be imported makes its benchmarks error (at setup), it
never skips them; a scenario a library cannot do has no benchmark for it
(``Scenario.unsupported`` says why, and ``compare.py`` shows it as n/a).
There are no timing assertions here: ``compare.py --check`` judges the
project's limits; these tests only check that every benchmark did the
expected work.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scenarios import COMPILED, SCENARIOS, Case

pytestmark = pytest.mark.benchmark(disable_gc=True, warmup=True)

PARAMS = [
    pytest.param(
        (scenario, implementation),
        id=f"{scenario.name}-{implementation}",
        # -m 'not c_extension' leaves these out, for a pure install.
        marks=[pytest.mark.c_extension] if implementation == COMPILED else [],
    )
    for scenario in SCENARIOS
    for implementation in scenario.implementations
]


@pytest.fixture(params=PARAMS)
def case(request: pytest.FixtureRequest) -> Iterator[Case]:
    """One scenario wired into one implementation (an import error errors the test)."""
    scenario, implementation = request.param
    built = scenario.workload().case(implementation)
    built.verify()
    yield built
    built.close()


def test_dispatch(case: Case, benchmark) -> None:
    benchmark.group = case.scenario.title
    benchmark.name = f"{case.scenario.name}[{case.implementation}]"
    benchmark.extra_info["implementation"] = case.implementation
    benchmark(case.call)
    case.verify()
