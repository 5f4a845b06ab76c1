"""``compare.py`` and ``chart.py`` run end to end (one short round each), so the reports cannot rot.

Nothing here judges a time: ``compare.py --check`` and ``--check-django`` do
that on purpose, in a quiet run.
"""

from __future__ import annotations

import json
from pathlib import Path

import compare
import pytest
from scenarios import IMPLEMENTATIONS


def test_compare_writes_the_table_the_json_and_the_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results, chart = tmp_path / "results.json", tmp_path / "chart.png"
    status = compare.main([
        "--scenario", "send-1-of-100-senders", "--scenario", "asend-10-async", "--scenario", "connect-disconnect",
        "--scenario", "send-new-sender",
        "--rounds", "2", "--min-time", "0.001", "--no-memory", "--json", str(results), "--chart", str(chart),
    ])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "send, 1 match among 100 senders" in out and "n/a" in out and "psygnal.emit*" in out
    assert "<= 0.80x django" in out  # the pure backend's limit where sends come from many senders
    data = json.loads(results.read_text())
    titles = [scenario["title"] for scenario in data["scenarios"]]
    assert titles == [
        "send, 1 match among 100 senders", "asend, 10 async receivers", "connect+disconnect, 10 others",
        "send, 3 receivers, a new sender per send",
    ]
    for scenario in data["scenarios"]:
        for name, result in scenario["results"].items():
            assert "unsupported" in result or (result["error"] is None and result["ns_per_call"] > 0), (name, result)
    assert chart.read_bytes().startswith(b"\x89PNG")


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


def test_sign_test_threshold() -> None:
    # P(X >= 19 | n=25, p=1/2) < 1% <= P(X >= 18); with 7 rounds only all 7 are that unlikely.
    assert compare.sign_test_threshold(25) == 19
    assert compare.sign_test_threshold(7) == 7
    assert compare.sign_test_threshold(3) == 3


def _series(scenario_name: str, compiled: list[float], django: list[float]) -> dict[str, compare.Series]:
    scenario = compare.SCENARIOS_BY_NAME[scenario_name]
    series = {name: compare.Series(name, unsupported=scenario.unsupported(name)) for name in IMPLEMENTATIONS}
    for name in scenario.implementations:
        series[name].number = 1
        series[name].samples = list(django if name != compare.COMPILED else compiled)
    return series


def test_gate_fails_only_when_consistently_slower() -> None:
    scenario = compare.SCENARIOS_BY_NAME["send-1"]
    slower = compare.gates(scenario, _series("send-1", [110.0] * 25, [100.0] * 25))
    assert [gate.slower for gate in slower] == [True, True]
    # Slower in the median, but in only 13 of 25 paired rounds: noise, not a regression.
    mixed = compare.gates(scenario, _series("send-1", [101.0] * 13 + [99.0] * 12, [100.0] * 25))
    assert [gate.slower for gate in mixed] == [False, False]


def test_check_django_fails_on_a_confirmed_regression(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    measured: list[str] = []

    def fake_measure(scenario: compare.Scenario, rounds: int, seconds: float) -> dict[str, compare.Series]:
        measured.append(scenario.name)
        return _series(scenario.name, [200.0] * rounds, [100.0] * rounds)

    monkeypatch.setattr(compare, "measure", fake_measure)
    argv = ["--scenario", "send-1", "--rounds", "9", "--no-memory", "--no-chart", "--check-django"]
    assert compare.main(argv) == 1
    assert measured == ["send-1", "send-1"]  # measured, then measured again to confirm
    assert "gate: FAIL" in capsys.readouterr().out
