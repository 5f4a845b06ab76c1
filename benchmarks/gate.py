"""The timed CI gate's decision: is the compiled backend beyond its limit, or is it noise?

``compare.py --gate`` times the compiled backend and its baseline (the
yardstick, or Django where there is none) in the same interleaved rounds, so
each round gives one *paired ratio*, compiled time over baseline time; machine
noise that hits both in a round cancels out of it. ``decide`` turns a
scenario's paired ratios and its limit into a verdict:

    fail when at least ``threshold(n)`` of the n paired ratios exceed the limit,

a one-sided sign test of "the median paired ratio is at most the limit" at
level ``ALPHA`` (1%): a backend whose true median sits exactly at the limit
is above it in each round with probability 1/2, so it reaches the threshold
with probability at most 1%, whatever the shape of the noise (no normality,
outliers count once). Equivalently, the gate fails when the one-sided 99%
distribution-free lower confidence bound of the median ratio (the
``n - threshold + 1``-th smallest ratio: the 7th smallest of 25) is above the
limit. ``compare.py`` then measures a failing scenario again, and the gate
fails only if that second measurement fails too, so a scenario at its limit
fails with probability at most 1% x 1% = 0.01%.

With fewer than 7 rounds no count is that unlikely: the threshold is every
round, and a false alarm at the limit has probability 2**-n per measurement
(1/128 for the 7 rounds of ``--quick``).

How often does it catch a regression? That depends on the noise of the paired
ratios, so ``simulate`` answers it from a real run: it takes each scenario's
paired ratios from ``compare.py --json``, divides them by their median (the
noise, as measured), multiplies resamples of them by the true ratio to test,
and runs ``decide`` twice per trial (measurement and confirmation)::

    python benchmarks/gate.py benchmarks/gate_noise.json

prints, per scenario, the probability of failing for a backend at 0.9, 1.0,
1.05, 1.1 and 1.2 times its limit.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The significance level of one measurement (one-sided sign test over the paired rounds).
ALPHA = 0.01
#: The noise ``python gate.py`` replays by default: a full ``compare.py --json`` run on a quiet
#: machine (2026-12-01, load average 0.4-0.9), kept apart from ``docs/benchmarks.json``, which
#: holds the latest figures, however noisy the machine that measured them.
RUN = Path(__file__).resolve().parent / "gate_noise.json"
#: Issue 23's rule: the compiled send at most its scenario's limit times the yardstick, or, where
#: the floor (the same calls from a bare C loop) is beyond that limit itself, at most this much
#: above the floor (see ``allowance``). ``compare.py`` gates on it in time; ``callgrind.py``
#: prints it for instructions.
FLOOR_MARGIN = 0.05


def allowance(limit: float, yardstick: float, floor: float) -> float:
    """What issue 23's rule lets the compiled send take: the larger of ``limit`` x yardstick and the floor + 5%.

    The larger of the two, rather than the floor's allowance only once the
    floor is beyond the limit, so that a floor measured on either side of the
    limit cannot flip a verdict.
    """
    return max(limit * yardstick, (1 + FLOOR_MARGIN) * floor)


def floor_counts(limit: float, yardstick: float, floor: float) -> bool:
    """Whether the floor sets the allowance (its 5% more is beyond ``limit`` x yardstick)."""
    return (1 + FLOOR_MARGIN) * floor > limit * yardstick


#: Multiples of the limit at which ``python gate.py`` reports the probability of failing.
FACTORS = (0.9, 1.0, 1.05, 1.1, 1.2)


def threshold(rounds: int, alpha: float = ALPHA) -> int:
    """The fewest rounds out of ``rounds`` that a fair coin reaches with probability <= alpha.

    ``rounds`` itself when no count is that unlikely (fewer than 7 rounds at 1%).
    """
    tail = 0.0
    for k in range(rounds, -1, -1):
        tail += math.comb(rounds, k) / 2**rounds
        if tail > alpha:
            return min(k + 1, rounds)
    return 0


@dataclass
class Decision:
    """The gate's verdict on one scenario: the compiled backend's paired ratios against its limit."""

    scenario: str
    baseline: str  #: what the ratios are over: the yardstick, or Django
    limit: float | None  #: the most the compiled backend may take, as a multiple of the baseline
    ratios: list[float]  #: compiled time over baseline time, one per round
    alpha: float = ALPHA
    error: str | None = None  #: why the scenario could not be judged (which fails it)
    note: str = ""  #: why this baseline and limit (the floor rule)

    @property
    def rounds(self) -> int:
        return len(self.ratios)

    @property
    def threshold(self) -> int:
        return threshold(self.rounds, self.alpha)

    @property
    def above(self) -> int:
        """Rounds in which the compiled backend took more than the limit allows."""
        return 0 if self.limit is None else sum(r > self.limit for r in self.ratios)

    @property
    def median(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    @property
    def lower_bound(self) -> float | None:
        """The one-sided (1 - alpha) lower confidence bound of the median ratio."""
        if not self.ratios:
            return None
        return sorted(self.ratios)[self.rounds - self.threshold]

    @property
    def failed(self) -> bool:
        """Beyond the limit with 1 - alpha confidence (or not judged: missing data never passes)."""
        if self.error or self.limit is None or not self.ratios:
            return True
        return self.above >= self.threshold

    def __str__(self) -> str:
        if self.error:
            return f"{self.scenario}: {self.error}"
        if self.limit is None:
            return f"{self.scenario}: no compiled_limit in scenarios.py"
        return (
            f"{self.scenario}: cyd-c {self.median:.2f}x {self.baseline} (limit {self.limit:.2f}x), "
            f"above the limit in {self.above} of {self.rounds} paired rounds (fails from "
            f"{self.threshold}); {1 - self.alpha:.0%} lower bound {self.lower_bound:.2f}x{self.note}"
        )


def paired_ratios(values: Sequence[float], baselines: Sequence[float]) -> list[float]:
    """Each round's value over the same round's baseline."""
    return [value / base for value, base in zip(values, baselines)]


# --- how well it decides: a simulation on measured noise -----------------------------------


def residuals(ratios: Sequence[float]) -> list[float]:
    """A run's paired ratios over their median: the noise around the true ratio."""
    middle = statistics.median(ratios)
    return [r / middle for r in ratios]


def simulate(
    noise: Sequence[float], factor: float, rounds: int = 25, trials: int = 2000, seed: int = 13,
    alpha: float = ALPHA,
) -> float:
    """The probability that the gate fails a backend at ``factor`` times its limit.

    Each trial draws two measurements of ``rounds`` paired ratios, ``factor``
    times resamples of ``noise`` (residuals, see ``residuals``), and fails when
    ``decide`` fails both, as ``compare.py --gate`` does with its confirmation.
    """
    rng = random.Random(seed)

    def measurement_fails() -> bool:
        ratios = [factor * rng.choice(noise) for _ in range(rounds)]
        return Decision("simulated", "baseline", 1.0, ratios, alpha).failed

    return sum(measurement_fails() and measurement_fails() for _ in range(trials)) / trials


def measured_noise(data: dict[str, Any], compiled: str = "cydispatch-c") -> dict[str, list[float]]:
    """Scenario name -> residuals of its paired ratios, from ``compare.py --json`` output."""
    out = {}
    for scenario in data["scenarios"]:
        results = scenario["results"]
        baseline = "yardstick" if "samples_ns" in results.get("yardstick", {}) else "django"
        values = results.get(compiled, {}).get("samples_ns")
        bases = results[baseline].get("samples_ns")
        if values and bases:
            out[scenario["name"]] = residuals(paired_ratios(values, bases))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", nargs="?", type=Path, default=RUN, help="compare.py --json output")
    parser.add_argument("--rounds", type=int, default=25, help="rounds per measurement (default: %(default)s)")
    parser.add_argument("--trials", type=int, default=2000, help="simulated gate runs (default: %(default)s)")
    args = parser.parse_args(argv)
    noise = measured_noise(json.loads(args.json.read_text()))
    print(f"P(gate fails), {args.rounds} rounds, confirmed by a second measurement, noise of {args.json}")
    print(f"{'scenario':<28}{'IQR/median':>11}" + "".join(f"{f:>8.2f}x" for f in FACTORS))
    for name, residual in noise.items():
        q1, _, q3 = statistics.quantiles(residual, n=4)
        cells = "".join(f"{simulate(residual, f, args.rounds, args.trials):>9.3f}" for f in FACTORS)
        print(f"{name:<28}{q3 - q1:>11.3f}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
