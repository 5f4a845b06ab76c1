"""Compare cydispatch with Django's ``Signal``, blinker, psygnal and the yardstick.

    python benchmarks/compare.py [--quick] [--json FILE] [--chart FILE] [--check] [--gate]

Every scenario of ``scenarios.py`` is measured in this one process, for every
implementation that can do it, on the same receivers: interleaved rounds
(each round times every implementation once, in a rotating order), each a
timing run of about ``--min-time`` seconds, with the garbage collector off;
the figure is the median over the rounds, in nanoseconds per call (``asend``
calls are awaited in a loop inside one running event loop). Ratios are
quotients of those medians: "x yard" is the time over the yardstick's (the
receivers' calls written out by hand; see PERF_NOTES.md), "x floor" over the
floor's (the same calls from a bare C loop, ``floor.py``: what a dispatcher in
C cannot avoid), "x django" over Django's ``Signal(use_caching=False)``.
"noise" is the interquartile range of the rounds over their median. Then
``memory.py``'s figures (bytes per connected receiver, growth after
connect/disconnect cycles), and a chart of all of it (matplotlib, from the
``bench`` extra).

A run prints numbers and ratios only, and exits 0 unless the chart cannot be
drawn: a time on a shared or busy machine is no verdict. The judgements are
asked for (then printed, and the exit status is 1 if one fails):

``--check``
    the project's limits: the compiled backend against the yardstick (or
    Django, for connect+disconnect), the pure backend's against Django (at
    most its time, 0.8x where sends come from many senders); ratios of
    medians, for a quiet machine.
``--gate``
    the CI gate: in every scenario, the compiled backend within its limit
    (``compiled_limit``, a multiple of the yardstick's time, or of Django's
    where there is no yardstick). Robust to runner noise: both are timed in
    the same rounds, and a scenario fails only when its paired per-round
    ratios put the median ratio above the limit with 99% confidence (a sign
    test, see ``gate.py``) *and* a second measurement of that scenario does
    too. A scenario at its limit fails with probability below 0.01%; how
    surely one beyond it fails depends on the noise (``python
    benchmarks/gate.py RUN.json`` gives the figures for a run's: with the
    quiet run in ``gate_noise.json``, 5% beyond fails every time but in ``asend`` with sync
    receivers). A scenario without a limit fails.

The machine is noisy: compare ratios, and repeat a run before believing a
near miss.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gate  # noqa: E402
import memory  # noqa: E402
from adapters import FLOOR  # noqa: E402
from scenarios import (  # noqa: E402
    COMPILED,
    DJANGO,
    DOES_LESS,
    IMPLEMENTATIONS,
    NOTES,
    SCENARIOS,
    SCENARIOS_BY_NAME,
    YARDSTICK,
    Case,
    Limit,
    Scenario,
)

#: (rounds, seconds per timing run) of a full and of a quick run.
FULL = (25, 0.05)
QUICK = (7, 0.02)
#: (receivers, cycles) of the memory figures, full and quick.
MEMORY_FULL = (memory.RECEIVERS, memory.CYCLES)
MEMORY_QUICK = (2_000, 10_000)

SHORT_NAMES = {
    "yardstick": "yardstick",
    "floor": "floor",
    "cydispatch-c": "cyd-c",
    "cydispatch-py": "cyd-py",
    "django": "django",
    "django-cached": "dj-cached",
    "blinker": "blinker",
    "psygnal.emit": "psyg.emit*",
    "psygnal.emit_fast": "psyg.fast*",
}


def label(implementation: str) -> str:
    """The implementation's name in reports: an asterisk marks those that do less."""
    return implementation + ("*" if implementation in DOES_LESS else "")


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


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version.replace("\n", " "),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "load average": load_average(),
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
    for distribution in ("Django", "blinker", "psygnal", "asgiref"):
        info[distribution.lower()] = _version(distribution)
    return info


# --- measuring -----------------------------------------------------------------------


@dataclass
class Series:
    """The timings of one implementation in one scenario."""

    implementation: str
    number: int = 0  #: calls per timing run
    samples: list[float] = field(default_factory=list)  #: ns per call, one per round
    error: str | None = None  #: why it could not be measured
    unsupported: str | None = None  #: why it cannot do the scenario (a key of NOTES)

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


def calibrate(case: Case, seconds: float) -> int:
    """How many calls take about ``seconds``."""
    number = 1
    while True:
        elapsed = case.time(number)
        if elapsed >= seconds / 5:
            return max(1, round(number * seconds / elapsed))
        number *= 10 if elapsed < seconds / 100 else 2


def measure(scenario: Scenario, rounds: int, seconds: float) -> dict[str, Series]:
    """Time every implementation of ``scenario``, interleaved, on one workload."""
    workload = scenario.workload()
    series = {name: Series(name, unsupported=scenario.unsupported(name)) for name in IMPLEMENTATIONS}
    cases: dict[str, Case] = {}
    for name in scenario.implementations:
        try:
            case = workload.case(name)
            case.verify()  # also warms it up
        except Exception as error:
            series[name].error = "".join(traceback.format_exception_only(type(error), error)).strip()
            continue
        cases[name] = case
    try:
        gc.collect()
        gc.disable()
        for name, case in cases.items():
            series[name].number = calibrate(case, seconds)
            case.tidy()
        names = list(cases)
        for round_ in range(rounds):
            shift = round_ % len(names) if names else 0
            for name in names[shift:] + names[:shift]:
                number = series[name].number
                series[name].samples.append(cases[name].time(number) / number * 1e9)
                cases[name].tidy()
    finally:
        gc.enable()
        for case in cases.values():
            case.verify()  # still doing the right work after all those calls
            case.close()
    return series


# --- verdicts -----------------------------------------------------------------------


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


def decide(scenario: Scenario, series: dict[str, Series]) -> gate.Decision:
    """The CI gate's verdict on ``scenario``: the compiled backend's paired ratios against its limit.

    Issue 23's rule: where the floor takes about as much as the limit allows
    or more (``gate.floor_counts`` on the medians), the compiled backend may
    take, in each round, ``gate.allowance``: the larger of its limit times
    the yardstick's time and 5% more than the floor's.
    """
    baseline, limit = scenario.baseline, scenario.compiled_limit
    compiled, base = series[COMPILED], series[baseline]
    error = compiled.error or base.error or compiled.unsupported or base.unsupported
    if error:
        return gate.Decision(scenario.name, baseline, limit, [], error=error.splitlines()[-1])
    floor_ratio = ratio(series, FLOOR, YARDSTICK) if baseline == YARDSTICK else None
    if floor_ratio is not None and limit is not None and gate.floor_counts(limit, 1.0, floor_ratio):
        allowances = [
            gate.allowance(limit, yardstick, floor) for yardstick, floor in zip(base.samples, series[FLOOR].samples)
        ]
        return gate.Decision(
            scenario.name, "allowance", 1.0, gate.paired_ratios(compiled.samples, allowances),
            note=f" (the larger of {limit:.2f}x the yardstick and {1 + gate.FLOOR_MARGIN:.2f}x the floor, "
                 f"which is {floor_ratio:.2f}x the yardstick)",
        )
    return gate.Decision(scenario.name, baseline, limit, gate.paired_ratios(compiled.samples, base.samples))


# --- reporting -----------------------------------------------------------------------


def fmt_ns(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def fmt_ratio(value: float | None) -> str:
    """Two decimals, or two significant digits below 0.1 (``0.00055``, not ``0.00``)."""
    if value is None:
        return "-"
    if 0 < value < 0.1:
        return f"{value:.{1 - math.floor(math.log10(value))}f}"
    return f"{value:.2f}"


class Footnotes:
    """Numbers the notes of ``NOTES`` in order of first use."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def ref(self, keys: tuple[str, ...] | list[str]) -> str:
        refs = []
        for key in keys:
            if key not in self.keys:
                self.keys.append(key)
            refs.append(f"[{self.keys.index(key) + 1}]")
        return "".join(refs)

    def print(self) -> None:
        for number, key in enumerate(self.keys, 1):
            print(f"[{number}] {NOTES[key]}")


def title_width(results: list[tuple[Scenario, dict[str, Series]]]) -> int:
    """The width of the scenario column: the longest title, at least 34."""
    return max([34, *(len(scenario.title) for scenario, _ in results)])


def print_table(results: list[tuple[Scenario, dict[str, Series]]], notes: Footnotes, check: bool = False) -> None:
    """Print every implementation's figures in every scenario; ``check``: with each project limit's verdict."""
    w = title_width(results)
    # Without --check the limit and result columns are left out: numbers only.
    judged = f"{'limit':<17} {'result':<6} " if check else ""
    header = (
        f"{'scenario':<{w}} {'implementation':<19} {'ns/call':>9} {'noise':>6} "
        f"{'x yard':>7} {'x floor':>7} {'x django':>8}  {judged}{'notes'}"
    )
    print(header)
    print("-" * len(header))
    for scenario, series in results:
        checks = verdicts(scenario, series)
        title = scenario.title
        for name in IMPLEMENTATIONS:
            s = series[name]
            if s.unsupported:
                blank = f"{'':<17} {'':<6} " if check else ""
                print(f"{title:<{w}} {label(name):<19} {'n/a':>9} {'':>6} {'':>7} {'':>7} {'':>8}  {blank}"
                      f"{notes.ref([s.unsupported])}")
                title = ""
                continue
            verdict_cells = f"{'':<17} {'':<6} " if check else ""
            if check and name in checks:
                verdict = checks[name]
                verdict_cells = f"{verdict.limit!s:<17} {'PASS' if verdict.passed else 'FAIL':<6} "
            if s.error:
                print(f"{title:<{w}} {label(name):<19} {'ERROR: ' + s.error.splitlines()[-1]}")
                if check and name in checks:
                    print(f"{'':<{w}} {'':<19} {'':>9} {'':>6} {'':>7} {'':>7} {'':>8}  "
                          f"{checks[name].limit!s:<17} FAIL")
            else:
                spread = s.spread
                print(
                    f"{title:<{w}} {label(name):<19} {fmt_ns(s.median):>9} "
                    f"{'' if spread is None else f'{spread:.0%}':>6} "
                    f"{fmt_ratio(ratio(series, name, YARDSTICK)):>7} "
                    f"{fmt_ratio(ratio(series, name, FLOOR)):>7} "
                    f"{fmt_ratio(ratio(series, name, DJANGO)):>8}  {verdict_cells}"
                    f"{notes.ref(scenario.notes(name))}"
                )
            title = ""
        print()


def print_summary(results: list[tuple[Scenario, dict[str, Series]]], check: bool = False) -> bool:
    """Print the compact matrix (``check``: and the project's limits); return whether every limit passed."""
    names = list(IMPLEMENTATIONS)
    w = title_width(results)
    print("ns per call (median)".ljust(w) + "".join(f"{SHORT_NAMES[n]:>11}" for n in names))
    for scenario, series in results:
        cells = ""
        for n in names:
            s = series[n]
            cell = "n/a" if s.unsupported else "ERROR" if s.error else fmt_ns(s.median)
            cells += f"{cell:>11}"
        print(f"{scenario.title:<{w}}{cells}")
    print()
    print("x django (median over Django's, use_caching=False)")
    for scenario, series in results:
        cells = "".join(f"{fmt_ratio(ratio(series, n, DJANGO)) if not series[n].unsupported else 'n/a':>11}"
                        for n in names)
        print(f"{scenario.title:<{w}}{cells}")
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
    if check:
        print()
        print(f"project limits: {total - len(failures)} of {total} pass")
        for line in failures:
            print(line)
    return not failures


def print_gate(decisions: list[gate.Decision], confirmations: dict[str, gate.Decision]) -> bool:
    """Print the CI gate's verdict on every scenario; return whether it passed."""
    print(f"gate (cyd-c within its limit, {1 - gate.ALPHA:.0%} confidence, confirmed by a second measurement):")
    passed = True
    for decision in decisions:
        again = confirmations.get(decision.scenario)
        failed = decision.failed and (again is None or again.failed)
        verdict = "FAIL" if failed else "noise" if decision.failed else "pass"
        print(f"  {verdict:<5} {decision}")
        if again is not None:
            print(f"        measured again: {again}")
        passed = passed and not failed
    print(f"  gate: {'PASS' if passed else 'FAIL'}")
    return passed


def series_json(scenario: Scenario, series: dict[str, Series]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, s in series.items():
        if s.unsupported:
            out[name] = {"unsupported": s.unsupported, "note": NOTES[s.unsupported]}
            continue
        out[name] = {
            "ns_per_call": s.median,
            "noise_iqr": s.spread,
            "calls_per_run": s.number,
            "samples_ns": s.samples,
            "x_yardstick": ratio(series, name, YARDSTICK),
            "x_floor": ratio(series, name, FLOOR),
            "x_django": ratio(series, name, DJANGO),
            "notes": [NOTES[key] for key in scenario.notes(name)],
            "does_less": name in DOES_LESS,
            "error": s.error,
        }
    return out


def to_json(
    info: dict[str, Any], settings: dict[str, Any], results: list[tuple[Scenario, dict[str, Series]]],
    decisions: list[gate.Decision] | None, confirmations: dict[str, gate.Decision], gate_passed: bool,
    memories: list[memory.Memory] | None,
) -> dict[str, Any]:
    """The run as a JSON document; ``"gate"`` is ``None`` unless the gate ran (``decisions``)."""
    out: dict[str, Any] = {
        "environment": info,
        "settings": settings,
        "implementations": {name: {"description": text, "label": label(name)}
                            for name, text in IMPLEMENTATIONS.items()},
        "scenarios": [],
    }
    for scenario, series in results:
        out["scenarios"].append({
            "name": scenario.name,
            "title": scenario.title,
            "results": series_json(scenario, series),
            "limits": [
                {
                    "implementation": name,
                    "limit": verdict.limit.factor,
                    "baseline": verdict.limit.baseline,
                    "ratio": verdict.ratio,
                    "passed": verdict.passed,
                }
                for name, verdict in verdicts(scenario, series).items()
            ],
        })
    def decision_json(decision: gate.Decision) -> dict[str, Any]:
        return {**decision.__dict__, "above": decision.above, "threshold": decision.threshold,
                "median": decision.median, "lower_bound": decision.lower_bound, "failed": decision.failed}

    out["gate"] = None if decisions is None else {
        "passed": gate_passed,
        "alpha": gate.ALPHA,
        "decisions": [decision_json(decision) for decision in decisions],
        "measured_again": [decision_json(decision) for decision in confirmations.values()],
    }
    out["memory"] = None if memories is None else [m.as_dict() for m in memories]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds, smaller memory runs")
    parser.add_argument("--json", metavar="FILE", help="also write every sample and verdict to FILE")
    parser.add_argument("--chart", metavar="FILE", default=".benchmarks/benchmarks.png",
                        help="draw the chart into FILE (default: %(default)s)")
    parser.add_argument("--no-chart", action="store_true", help="draw no chart")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    parser.add_argument("--check", action="store_true",
                        help="judge the project's limits: print each verdict, exit 1 if one fails")
    parser.add_argument("--gate", action="store_true",
                        help="run the CI gate (failing scenarios are measured again): print its verdict, "
                        "exit 1 if it fails")
    parser.add_argument("--rounds", type=int, help=f"rounds per scenario (default: {FULL[0]}, quick: {QUICK[0]})")
    parser.add_argument(
        "--min-time", type=float, metavar="SECONDS",
        help=f"seconds per timing run (default: {FULL[1]}, quick: {QUICK[1]})",
    )
    parser.add_argument(
        "--scenario", action="append", choices=list(SCENARIOS_BY_NAME), metavar="NAME",
        help="only this scenario (repeatable); one of: " + ", ".join(SCENARIOS_BY_NAME),
    )
    args = parser.parse_args(argv)
    rounds, seconds = QUICK if args.quick else FULL
    rounds = args.rounds or rounds
    seconds = args.min_time or seconds
    memory_receivers, memory_cycles = MEMORY_QUICK if args.quick else MEMORY_FULL
    scenarios = [SCENARIOS_BY_NAME[name] for name in args.scenario] if args.scenario else SCENARIOS

    info = environment()
    for key, value in info.items():
        print(f"{key + ':':<18}{value}")
    settings: dict[str, Any] = {"rounds": rounds, "seconds_per_run": seconds, "quick": args.quick}
    print(
        f"{'method:':<18}{rounds} interleaved rounds x ~{seconds * 1000:g} ms timing runs per "
        "implementation, gc off, median ns per call"
    )
    print(flush=True)

    started = time.perf_counter()
    results = []
    for scenario in scenarios:
        print(f"  measuring: {scenario.title} ...", file=sys.stderr, flush=True)
        results.append((scenario, measure(scenario, rounds, seconds)))
    # The gate's decisions are taken only when it is asked for: they are verdicts, not figures.
    decisions = [decide(scenario, series) for scenario, series in results] if args.gate else None
    confirmations: dict[str, gate.Decision] = {}
    if decisions is not None:
        # Only a measured failure is worth a second look: errors and missing limits stay failures.
        for decision in decisions:
            if decision.failed and decision.ratios and decision.limit is not None:
                scenario = SCENARIOS_BY_NAME[decision.scenario]
                print(f"  measuring again: {scenario.title} ...", file=sys.stderr, flush=True)
                confirmations[scenario.name] = decide(scenario, measure(scenario, rounds, seconds))
    settings["elapsed_s"] = time.perf_counter() - started
    info["load average after"] = load_average()

    notes = Footnotes()
    print_table(results, notes, check=args.check)
    print(
        "noise: interquartile range of the rounds over their median; x yard, x floor, x django: median\n"
        "over the yardstick's, over the floor's (its calls from a C loop), over Django's\n"
        "Signal(use_caching=False);"
        + (
            " limits: compiled backend (cyd-c)\n"
            "from the project issues, pure backend (cyd-py) against Django (at most its time, 0.8x its\n"
            "time where sends come from many senders: see the limit column);\n"
            if args.check else "\n"
        )
        + "n/a: the library cannot do this (see the note); *: does less than the others (see the note).\n"
    )
    notes.print()
    print()
    passed = print_summary(results, check=args.check)
    gate_passed = True
    if decisions is not None:
        print()
        gate_passed = print_gate(decisions, confirmations)
    print(f"\n(timed in {settings['elapsed_s']:.0f} s; load average before: {info['load average']}, "
          f"after: {info['load average after']})\n")

    memories = None
    if not args.no_memory:
        memories = memory.measure_all(
            memory_receivers, memory_cycles,
            lambda name: print(f"  memory: {name} ...", file=sys.stderr, flush=True),
        )
        memory.print_memory(memories, memory_receivers, memory_cycles)
        settings["memory"] = {"receivers": memory_receivers, "cycles": memory_cycles}

    data = to_json(info, settings, results, decisions, confirmations, gate_passed, memories)
    status = 0
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")
        print(f"results: {args.json}")
    if not args.no_chart:
        try:
            import chart

            for written in chart.draw(data, args.chart):
                print(f"chart: {written}")
        except ImportError as error:
            print(f"chart not drawn ({error}): pip install '.[bench]' for matplotlib", file=sys.stderr)
            status = 1
    if args.check and not passed:
        status = 1
    if args.gate and not gate_passed:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
