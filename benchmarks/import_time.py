"""What importing each dispatcher costs: ``python -X importtime``, in fresh interpreters.

    python benchmarks/import_time.py [--runs N] [--quick] [--json FILE]

For each library, a child ``python -X importtime -c "import MODULE"`` reports
the time of every import it makes; the figure of a run is the cumulative time
of the imports the statement made (the top-level lines after start-up's
``site``; for ``import django.dispatch``, ``django`` is among them), in
microseconds. Runs are interleaved (each round runs every library once, in a
rotating order) after one unmeasured run each, which writes the bytecode
caches, as an installed package has them (to a temporary
``PYTHONPYCACHEPREFIX``, so that nothing is written beside the sources, even
where ``PYTHONDONTWRITEBYTECODE`` is set); the report gives the median, the
minimum and the maximum over the rounds. The libraries: cydispatch with its default (compiled) backend, with
the pure one (``CYDISPATCH_NO_EXTENSIONS=1``), Django's ``django.dispatch``
and ``blinker``.

What it measures is what a program pays before its first signal: cydispatch
imports ``asyncio``, ``asgiref``, ``inspect`` and ``logging`` on first use
only (``tests/test_import_cost.py`` proves which modules it leaves alone).
Times on a shared machine move by several milliseconds: compare medians of
one run, and repeat a run before believing a near miss.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

#: The environment variable that chooses cydispatch's pure backend.
NO_EXTENSIONS = "CYDISPATCH_NO_EXTENSIONS"


@dataclass(frozen=True)
class Target:
    """A library to import: its label, the module imported, and the backend switch."""

    label: str
    module: str
    pure: bool = False


TARGETS = (
    Target("cydispatch (compiled)", "cydispatch"),
    Target("cydispatch (pure)", "cydispatch", pure=True),
    Target("django.dispatch", "django.dispatch"),
    Target("blinker", "blinker"),
)
RUNS = 21
QUICK_RUNS = 1


def parse_importtime(stderr: str) -> int:
    """The cumulative microseconds of the imports made after start-up, from ``-X importtime``'s report.

    Each line is ``import time: SELF | CUMULATIVE | NAME``, NAME indented two
    spaces per level of nesting; a module is reported when its import ends,
    so start-up's imports end with the top-level ``site``, and each top-level
    line after it is one import of the statement's, its nested ones included.
    """
    total = 0
    started = False
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line[len("import time:"):].split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        name = fields[2]
        if name.startswith(" ") and not name.startswith("  "):  # one space: top level
            if started:
                total += int(fields[1])
            elif name.strip() == "site":
                started = True
    if not started:
        raise ValueError("no top-level 'site' import in the report: cannot tell start-up apart")
    return total


def run_once(target: Target, pycache: str) -> int:
    """Import ``target`` in a fresh interpreter, bytecode caches in ``pycache``; its import time, in µs."""
    env = {
        key: value for key, value in os.environ.items()
        if key not in (NO_EXTENSIONS, "PYTHONDONTWRITEBYTECODE")
    }
    env["PYTHONPYCACHEPREFIX"] = pycache
    if target.pure:
        env[NO_EXTENSIONS] = "1"
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {target.module}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"import {target.module} failed:\n{completed.stderr[-2000:]}")
    return parse_importtime(completed.stderr)


@dataclass
class Result:
    """One library's import times over the rounds, in microseconds."""

    label: str
    module: str
    pure: bool
    runs: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def measure(runs: int, targets: tuple[Target, ...] = TARGETS) -> list[Result]:
    """Interleaved rounds of ``runs`` imports of each target, after one unmeasured import each."""
    results = [Result(t.label, t.module, t.pure, []) for t in targets]
    with tempfile.TemporaryDirectory(prefix="import-time-") as pycache:
        for target in targets:
            run_once(target, pycache)  # writes the bytecode caches
        for round_number in range(runs):
            shift = round_number % len(targets)
            for index in [*range(shift, len(targets)), *range(shift)]:
                results[index].runs.append(run_once(targets[index], pycache))
    return results


def print_report(results: list[Result]) -> None:
    width = max(len(result.label) for result in results)
    print(f"import time, ms (python -X importtime, {len(results[0].runs)} runs each)")
    print(f"{'':{width}}  {'median':>7}  {'min':>7}  {'max':>7}")
    for result in results:
        print(
            f"{result.label:{width}}  {result.median / 1000:7.1f}  "
            f"{min(result.runs) / 1000:7.1f}  {max(result.runs) / 1000:7.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=None, help=f"rounds (default {RUNS})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} round, to see that it works")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    results = measure(runs)
    print_report(results)
    if args.json:
        data = {
            "python": sys.version,
            "results": [{**asdict(result), "median_us": result.median} for result in results],
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
