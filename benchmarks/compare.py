"""Compare cydispatch's backends with the yardstick and with Django's ``Signal``.

    python benchmarks/compare.py [--quick] [--json FILE] [--check]

Every scenario of ``scenarios.py`` is measured in this one process, for every
implementation, on the same receivers: interleaved rounds (each round times
every implementation once, in a rotating order), each a ``timeit`` run of
about ``--min-time`` seconds, with the garbage collector off; the figure is
the median over the rounds, in nanoseconds per call, each call made from a
lambda as ``signal.send(SENDER, a=1, b=2)``. Ratios are quotients of those
medians: "x yardstick" is the time over the yardstick's (a function generated
for exactly the connected receivers; see PERF_NOTES.md), "x django" over
Django's ``Signal(use_caching=False)``.

The limits are the project's: the compiled backend against the yardstick (or
Django, for connect+disconnect), the pure backend at most Django's time in
every scenario. The exit status is 0 unless ``--check`` is given and a limit
fails (or a backend cannot be imported). The machine is noisy: compare ratios,
and repeat a run before believing a near miss.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import (  # noqa: E402
    DJANGO,
    IMPLEMENTATIONS,
    SCENARIOS,
    SCENARIOS_BY_NAME,
    YARDSTICK,
    Case,
    Limit,
    Scenario,
)

#: (rounds, seconds per timing run) of a full and of a quick run.
FULL = (25, 0.06)
QUICK = (7, 0.02)

SHORT_NAMES = {
    "yardstick": "yardstick",
    "cydispatch-c": "cyd-c",
    "cydispatch-py": "cyd-py",
    "django": "django",
    "django-cached": "dj-cached",
}


# --- the machine ---------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU's model name, as well as the platform tells it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            return subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True, text=True, check=True, timeout=5,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown"


def environment() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version.replace("\n", " "),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
    }
    try:
        import cydispatch

        info["cydispatch"] = f"{cydispatch.__version__} ({Path(cydispatch.__file__).parent})"
    except Exception as error:  # reported, not fatal: the table shows which backends fail
        info["cydispatch"] = f"not importable: {error!r}"
    try:
        import cydispatch._cdispatch as compiled

        info["compiled backend"] = compiled.__file__
    except Exception as error:
        info["compiled backend"] = f"not importable: {error!r}"
    try:
        import django

        info["django"] = django.get_version()
    except Exception as error:
        info["django"] = f"not importable: {error!r}"
    return info


# --- measuring -----------------------------------------------------------------------


@dataclass
class Series:
    """The timings of one implementation in one scenario."""

    implementation: str
    number: int = 0  #: calls per timing run
    samples: list[float] = field(default_factory=list)  #: ns per call, one per round
    error: str | None = None  #: why it could not be measured

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def spread(self) -> float | None:
        """The interquartile range relative to the median, a noise gauge."""
        if len(self.samples) < 4:
            return None
        q1, _, q3 = statistics.quantiles(self.samples, n=4)
        return (q3 - q1) / statistics.median(self.samples)


def calibrate(timer: timeit.Timer, seconds: float) -> int:
    """How many calls take about ``seconds``."""
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= seconds / 5:
            return max(1, round(number * seconds / elapsed))
        number *= 10 if elapsed < seconds / 100 else 2


def measure(scenario: Scenario, rounds: int, seconds: float) -> dict[str, Series]:
    """Time every implementation of ``scenario``, interleaved, on one workload."""
    workload = scenario.workload()
    series = {name: Series(name) for name in scenario.implementations}
    cases: dict[str, Case] = {}
    for name in scenario.implementations:
        try:
            case = workload.case(name)
            case.verify()  # also warms it up
        except Exception as error:
            series[name].error = "".join(traceback.format_exception_only(type(error), error)).strip()
            continue
        cases[name] = case
    timers = {name: timeit.Timer(case.call) for name, case in cases.items()}
    try:
        gc.collect()
        gc.disable()
        for name, timer in timers.items():
            series[name].number = calibrate(timer, seconds)
            cases[name].tidy()
        names = list(timers)
        for round_ in range(rounds):
            shift = round_ % len(names) if names else 0
            for name in names[shift:] + names[:shift]:
                number = series[name].number
                elapsed = timers[name].timeit(number)
                series[name].samples.append(elapsed / number * 1e9)
                cases[name].tidy()
    finally:
        gc.enable()
        for case in cases.values():
            case.verify()  # still doing the right work after all those calls
            case.close()
    return series


# --- reporting -----------------------------------------------------------------------


@dataclass
class Verdict:
    limit: Limit
    ratio: float | None

    @property
    def passed(self) -> bool:
        return self.ratio is not None and self.ratio <= self.limit.factor


def ratio(series: dict[str, Series], name: str, baseline: str) -> float | None:
    if name not in series or baseline not in series:
        return None
    value, base = series[name].median, series[baseline].median
    return None if value is None or not base else value / base


def verdicts(scenario: Scenario, series: dict[str, Series]) -> dict[str, Verdict]:
    return {
        limit.implementation: Verdict(limit, ratio(series, limit.implementation, limit.baseline))
        for limit in scenario.limits
    }


def fmt_ns(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_table(results: list[tuple[Scenario, dict[str, Series]]]) -> None:
    header = (
        f"{'scenario':<34} {'implementation':<14} {'ns/call':>9} {'noise':>6} "
        f"{'x yard':>7} {'x django':>8}  {'limit':<17} {'result'}"
    )
    print(header)
    print("-" * len(header))
    for scenario, series in results:
        checks = verdicts(scenario, series)
        title = scenario.title
        for name in scenario.implementations:
            s = series[name]
            spread = s.spread
            limit = result = ""
            if name in checks:
                verdict = checks[name]
                limit = str(verdict.limit)
                result = "PASS" if verdict.passed else "FAIL"
            if s.error:
                print(f"{title:<34} {name:<14} {'ERROR: ' + s.error}")
                if name in checks:
                    print(f"{'':<34} {'':<14} {'':>9} {'':>6} {'':>7} {'':>8}  {limit:<17} FAIL")
            else:
                print(
                    f"{title:<34} {name:<14} {fmt_ns(s.median):>9} "
                    f"{'' if spread is None else f'{spread:.0%}':>6} "
                    f"{fmt_ratio(ratio(series, name, YARDSTICK)):>7} "
                    f"{fmt_ratio(ratio(series, name, DJANGO)):>8}  {limit:<17} {result}"
                )
            title = ""
        print()


def print_summary(results: list[tuple[Scenario, dict[str, Series]]]) -> bool:
    """Print the compact matrix and the verdicts; return whether every limit passed."""
    names = list(IMPLEMENTATIONS)
    print("ns per call (median)".ljust(34) + "".join(f"{SHORT_NAMES[n]:>11}" for n in names))
    for scenario, series in results:
        cells = "".join(
            f"{fmt_ns(series[n].median) if n in series and not series[n].error else '-':>11}"
            for n in names
        )
        print(f"{scenario.title:<34}{cells}")
    print()
    failures = []
    total = 0
    for scenario, series in results:
        for name, verdict in verdicts(scenario, series).items():
            total += 1
            if not verdict.passed:
                failures.append(
                    f"  FAIL {name}: {scenario.title}: {fmt_ratio(verdict.ratio)}x "
                    f"{verdict.limit.baseline} (limit {verdict.limit.factor:.2f}x)"
                )
    print(f"limits: {total - len(failures)} of {total} pass")
    for line in failures:
        print(line)
    return not failures


def to_json(
    info: dict[str, Any], settings: dict[str, Any], results: list[tuple[Scenario, dict[str, Series]]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"environment": info, "settings": settings, "scenarios": []}
    for scenario, series in results:
        checks = verdicts(scenario, series)
        out["scenarios"].append({
            "name": scenario.name,
            "title": scenario.title,
            "results": {
                name: {
                    "ns_per_call": s.median,
                    "noise_iqr": s.spread,
                    "calls_per_run": s.number,
                    "samples_ns": s.samples,
                    "x_yardstick": ratio(series, name, YARDSTICK),
                    "x_django": ratio(series, name, DJANGO),
                    "error": s.error,
                }
                for name, s in series.items()
            },
            "limits": [
                {
                    "implementation": name,
                    "limit": verdict.limit.factor,
                    "baseline": verdict.limit.baseline,
                    "ratio": verdict.ratio,
                    "passed": verdict.passed,
                }
                for name, verdict in checks.items()
            ],
        })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (about 6 s instead of 50)")
    parser.add_argument("--json", metavar="FILE", help="also write every sample and verdict to FILE")
    parser.add_argument("--check", action="store_true", help="exit non-zero if a limit fails")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default: 25, quick: 7)")
    parser.add_argument(
        "--min-time", type=float, metavar="SECONDS",
        help="seconds per timing run (default: 0.06, quick: 0.02)",
    )
    parser.add_argument(
        "--scenario", action="append", choices=list(SCENARIOS_BY_NAME), metavar="NAME",
        help="only this scenario (repeatable); one of: " + ", ".join(SCENARIOS_BY_NAME),
    )
    args = parser.parse_args(argv)
    rounds, seconds = QUICK if args.quick else FULL
    rounds = args.rounds or rounds
    seconds = args.min_time or seconds
    scenarios = [SCENARIOS_BY_NAME[name] for name in args.scenario] if args.scenario else SCENARIOS

    info = environment()
    for key, value in info.items():
        print(f"{key + ':':<18}{value}")
    settings = {"rounds": rounds, "seconds_per_run": seconds, "quick": args.quick}
    print(
        f"{'method:':<18}{rounds} interleaved rounds x ~{seconds * 1000:g} ms timeit runs per "
        "implementation, gc off, median ns per call"
    )
    print(flush=True)

    started = time.perf_counter()
    results = []
    for scenario in scenarios:
        print(f"  measuring: {scenario.title} ...", file=sys.stderr, flush=True)
        results.append((scenario, measure(scenario, rounds, seconds)))
    elapsed = time.perf_counter() - started

    print_table(results)
    print(
        "noise: interquartile range of the rounds over their median; x yard, x django: median over\n"
        "the yardstick's, over Django's Signal(use_caching=False); limits: compiled backend (cyd-c)\n"
        "from the project issue, pure backend (cyd-py) at most Django's time in every scenario.\n"
    )
    passed = print_summary(results)
    print(f"\n(measured in {elapsed:.0f} s)")
    if args.json:
        settings["elapsed_s"] = elapsed
        Path(args.json).write_text(json.dumps(to_json(info, settings, results), indent=2) + "\n")
    if args.check and not passed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
