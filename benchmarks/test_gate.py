"""The timed gate's decision (``gate.py``), untimed: synthetic ratios, fixed seeds.

The simulation replays the paired-ratio noise of the committed full run
(``docs/benchmarks.json``), scenario by scenario, and checks what the gate's
docstring claims: a backend 20% beyond its limit is caught, one at 0.9x its
limit is not, one exactly at it almost never.
"""

from __future__ import annotations

import json
import math
import random

import gate
import pytest


def test_threshold() -> None:
    # P(X >= 19 | n=25, p=1/2) < 1% <= P(X >= 18); with 7 rounds only all 7 are that unlikely.
    assert gate.threshold(25) == 19
    assert gate.threshold(7) == 7
    assert gate.threshold(3) == 3


def test_failing_means_the_lower_confidence_bound_is_above_the_limit() -> None:
    rng = random.Random(1)
    for _ in range(500):
        ratios = [rng.uniform(0.8, 1.3) for _ in range(rng.choice((7, 15, 25)))]
        decision = gate.Decision("s", "yardstick", 1.05, ratios)
        assert decision.failed == (decision.lower_bound > 1.05)


def test_a_scenario_fails_only_when_consistently_beyond_its_limit() -> None:
    assert gate.Decision("s", "yardstick", 1.1, [1.2] * 25).failed
    # Beyond the limit in the median, but in only 13 of 25 rounds: noise, not a regression.
    assert not gate.Decision("s", "yardstick", 1.1, [1.12] * 13 + [1.08] * 12).failed
    # Missing data or a missing limit never passes.
    assert gate.Decision("s", "yardstick", None, [1.0] * 25).failed
    assert gate.Decision("s", "yardstick", 1.1, [], error="ImportError").failed


def _measured_noise() -> dict[str, list[float]]:
    if not gate.RUN.exists():
        pytest.skip(f"{gate.RUN} is missing: no measured noise to replay")
    noise = gate.measured_noise(json.loads(gate.RUN.read_text()))
    assert noise, f"{gate.RUN} has no paired samples"
    return noise


@pytest.mark.parametrize("factor, most, least", [(1.2, 1.0, 0.95), (1.0, 0.01, 0.0), (0.9, 0.001, 0.0)])
def test_simulated_gate_on_the_measured_noise(factor: float, most: float, least: float) -> None:
    for name, noise in _measured_noise().items():
        probability = gate.simulate(noise, factor, trials=1000)
        assert least <= probability <= most, (name, factor, probability)


def test_simulated_gate_on_heavier_noise() -> None:
    # Log-normal ratios with twice the largest interquartile range of the quiet run in gate_noise.json (~4%),
    # so the claim does not rest on one quiet run.
    rng = random.Random(7)
    noise = [math.exp(rng.gauss(0.0, 0.06)) for _ in range(200)]
    assert gate.simulate(noise, 1.2) >= 0.99
    assert gate.simulate(noise, 1.1) >= 0.9
    assert gate.simulate(noise, 0.9) <= 0.001
    assert gate.simulate(noise, 1.0) <= 0.01
