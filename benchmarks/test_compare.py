"""``compare.py`` and ``chart.py`` run end to end (one short round each), so the reports cannot rot.

Nothing here judges a time: the smoke run asks for no verdict, so its status
cannot depend on the machine's load, and the verdicts of ``--check`` and
``--gate`` are tested on synthetic timings (and the gate's statistics in
``test_gate.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import chart as chart_script
import compare
import pytest
from scenarios import IMPLEMENTATIONS

SMOKE = ["send-1-of-100-senders", "asend-10-async", "connect-disconnect", "send-new-sender"]


def test_compare_writes_the_table_the_json_and_the_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results, chart = tmp_path / "results.json", tmp_path / "chart.png"
    status = compare.main([
        *(arg for name in SMOKE for arg in ("--scenario", name)),
        "--rounds", "2", "--min-time", "0.001", "--no-memory", "--json", str(results), "--chart", str(chart),
    ])
    out = capsys.readouterr().out
    # Without --check or --gate nothing is judged: status 0 whatever the times, and no verdict printed.
    assert status == 0, out
    for verdict in ("PASS", "FAIL", "gate", "project limits", "limit"):
        assert verdict not in out, verdict
    assert "send, 1 match among 100 senders" in out and "n/a" in out and "psygnal.emit*" in out
    assert "x yard" in out and "x django (median over Django's" in out
    data = json.loads(results.read_text())
    assert data["gate"] is None
    titles = [scenario["title"] for scenario in data["scenarios"]]
    assert titles == [compare.SCENARIOS_BY_NAME[name].title for name in SMOKE]
    for scenario in data["scenarios"]:
        django = scenario["results"]["django"]["ns_per_call"]
        for name, result in scenario["results"].items():
            if "unsupported" in result:
                continue
            # Every implementation measured, and its ratio is its time over Django's.
            assert result["error"] is None and result["ns_per_call"] > 0, (name, result)
            assert len(result["samples_ns"]) == 2, (name, result)
            assert result["x_django"] == pytest.approx(result["ns_per_call"] / django), (name, result)
    assert chart.read_bytes().startswith(b"\x89PNG")
    # chart.py redraws it from the JSON.
    assert chart_script.main([str(results), str(tmp_path / "again.png")]) == 0
    assert (tmp_path / "again.png").read_bytes().startswith(b"\x89PNG")


def test_check_prints_the_project_limits_and_fails_on_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The pure backend twice Django's time: beyond its limit, 0.8x where sends come from many senders.
    def fake_measure(scenario: compare.Scenario, rounds: int, seconds: float) -> dict[str, compare.Series]:
        series = _series(scenario.name, [100.0] * rounds, [100.0] * rounds)
        series["cydispatch-py"].samples = [200.0] * rounds
        return series

    monkeypatch.setattr(compare, "measure", fake_measure)
    argv = ["--scenario", "send-new-sender", "--rounds", "3", "--no-memory", "--no-chart"]
    assert compare.main(argv) == 0
    assert "FAIL" not in capsys.readouterr().out
    assert compare.main([*argv, "--check"]) == 1
    out = capsys.readouterr().out
    assert "<= 0.80x django" in out and "FAIL" in out and "project limits:" in out
    assert "gate" not in out


def test_chart_draws_memory_figures(tmp_path: Path) -> None:
    import chart
    import memory

    data = json.loads(json.dumps({
        "environment": compare.environment(),
        "settings": {"rounds": 1, "memory": {"receivers": 50, "cycles": 100}},
        "implementations": {name: {"label": compare.label(name)} for name in IMPLEMENTATIONS},
        "scenarios": [],
        "memory": [memory.measure(library, 50, 100).as_dict() for library in ("django", "blinker")],
    }))
    chart.draw(data, tmp_path / "memory.png")
    assert (tmp_path / "memory.png").read_bytes().startswith(b"\x89PNG")


def test_every_scenario_has_a_compiled_limit() -> None:
    # The CI gate judges the compiled backend in every scenario: a new scenario needs its limit.
    assert [s.name for s in compare.SCENARIOS if s.compiled_limit is None] == []


def _series(scenario_name: str, compiled: list[float], baseline: list[float]) -> dict[str, compare.Series]:
    scenario = compare.SCENARIOS_BY_NAME[scenario_name]
    series = {name: compare.Series(name, unsupported=scenario.unsupported(name)) for name in IMPLEMENTATIONS}
    for name in scenario.implementations:
        series[name].number = 1
        series[name].samples = list(baseline if name != compare.COMPILED else compiled)
    return series


def test_gate_judges_the_compiled_backend_against_its_limit() -> None:
    scenario = compare.SCENARIOS_BY_NAME["send-1"]  # limit: 1.3x the yardstick
    beyond = compare.decide(scenario, _series("send-1", [140.0] * 25, [100.0] * 25))
    assert (beyond.baseline, beyond.limit, beyond.failed) == ("yardstick", 1.3, True)
    within = compare.decide(scenario, _series("send-1", [125.0] * 25, [100.0] * 25))
    assert not within.failed
    connect = compare.SCENARIOS_BY_NAME["connect-disconnect"]  # no yardstick: against Django
    assert compare.decide(connect, _series("connect-disconnect", [10.0] * 25, [100.0] * 25)).baseline == "django"


def test_gate_allows_five_percent_over_the_floor_where_the_floor_nears_the_limit() -> None:
    # Issue 23's rule: the compiled send within 5% of the floor where the floor
    # itself takes more than the limit (1.2x the yardstick for bound methods);
    # the larger of the two allowances, so that the verdict does not flip as
    # the floor's measurement crosses the limit.
    scenario = compare.SCENARIOS_BY_NAME["send-10-methods"]

    def decided(compiled: float, floor: float) -> compare.gate.Decision:
        series = _series(scenario.name, [compiled] * 25, [100.0] * 25)
        series[compare.FLOOR].samples = [floor] * 25
        return compare.decide(scenario, series)

    at_floor = decided(126.0, 123.0)
    assert (at_floor.baseline, at_floor.limit, at_floor.failed) == ("allowance", 1.0, False)
    assert "1.05x the floor, which is 1.23x the yardstick" in str(at_floor)
    assert decided(130.0, 123.0).failed  # 1.057x the floor
    assert not decided(120.0, 119.0).failed  # the floor just under the limit: 1.2x the yardstick allowed
    assert not decided(124.0, 119.0).failed  # ... or 1.05x the floor
    assert decided(126.0, 119.0).failed
    far_under = decided(126.0, 110.0)  # a floor far within the limit: the yardstick's rule alone
    assert (far_under.baseline, far_under.limit, far_under.failed) == ("yardstick", 1.2, True)


def test_gate_fails_on_a_confirmed_regression(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    measured: list[str] = []

    def fake_measure(scenario: compare.Scenario, rounds: int, seconds: float) -> dict[str, compare.Series]:
        measured.append(scenario.name)
        return _series(scenario.name, [200.0] * rounds, [100.0] * rounds)

    monkeypatch.setattr(compare, "measure", fake_measure)
    argv = ["--scenario", "send-1", "--rounds", "9", "--no-memory", "--no-chart", "--gate"]
    assert compare.main(argv) == 1
    assert measured == ["send-1", "send-1"]  # measured, then measured again to confirm
    assert "gate: FAIL" in capsys.readouterr().out


def test_gate_passes_a_failure_that_is_not_confirmed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ratios = iter([2.0, 1.0])  # slow on the first measurement only

    def fake_measure(scenario: compare.Scenario, rounds: int, seconds: float) -> dict[str, compare.Series]:
        return _series(scenario.name, [100.0 * next(ratios)] * rounds, [100.0] * rounds)

    monkeypatch.setattr(compare, "measure", fake_measure)
    argv = ["--scenario", "send-1", "--rounds", "9", "--no-memory", "--no-chart", "--gate"]
    assert compare.main(argv) == 0
    out = capsys.readouterr().out
    assert "noise" in out and "gate: PASS" in out
