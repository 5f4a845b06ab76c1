"""``callgrind.py``: its parsing and its verdicts on sample data, and one tiny real count.

The real count needs valgrind (it is skipped, with the reason, without it);
the rest is pure.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import callgrind
import pytest
from adapters import FLOOR
from scenarios import COMPILED, YARDSTICK

SAMPLE = """\
# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 4242
cmd:  python callgrind.py --child 500 send-0:cydispatch-c
part: 2
desc: Trigger: --dump-before=getppid
events: Ir
summary: 20463217
fl=(1) ???
fn=(1) getppid
0 5
totals: 20463217
"""


def test_read_total(tmp_path: Path) -> None:
    out = tmp_path / "callgrind.out.2"
    out.write_text(SAMPLE)
    assert callgrind.read_total(out) == 20463217
    out.write_text(SAMPLE.replace("totals: 20463217\n", ""))
    assert callgrind.read_total(out) == 20463217  # the summary line, when totals is missing
    out.write_text("events: Ir\n")
    with pytest.raises(ValueError):
        callgrind.read_total(out)


def test_per_send_subtracts_the_n_stretch_from_the_2n_stretch() -> None:
    # Two measurements: (set-up, N sends, 2N sends) each, N = 10.
    parts = [5_000, 1_100, 2_100, 7_000, 300, 500]
    assert callgrind.per_send(parts, 10, 2) == [100.0, 20.0]
    with pytest.raises(RuntimeError, match="dumps"):
        callgrind.per_send(parts[:-1], 10, 2)


def test_judge_fails_beyond_the_tolerance_relative_to_the_yardstick() -> None:
    baseline = {"scenarios": {"send-1": {COMPILED: 1000.0, YARDSTICK: 1000.0}}}
    same_build = callgrind.judge({"send-1": {COMPILED: 1020.0, YARDSTICK: 1000.0, FLOOR: 990.0}}, baseline)
    assert [v.failed for v in same_build] == [False]
    regressed = callgrind.judge({"send-1": {COMPILED: 1050.0, YARDSTICK: 1000.0, FLOOR: 990.0}}, baseline)
    assert [v.failed for v in regressed] == [True]
    # Another build of the interpreter: both 10% dearer, the compiled send no worse relatively.
    other_build = callgrind.judge({"send-1": {COMPILED: 1100.0, YARDSTICK: 1100.0, FLOOR: 1090.0}}, baseline)
    assert [v.failed for v in other_build] == [False]
    unknown = callgrind.judge({"send-0": {COMPILED: 10.0, YARDSTICK: 10.0, FLOOR: 10.0}}, baseline)
    assert [v.failed for v in unknown] == [True]


@pytest.mark.parametrize(
    ("scenario", "compiled", "floor", "floor_rule", "met"),
    [
        ("send-10-functions", 1100.0, 1000.0, False, True),   # within its 1.1x of the yardstick
        ("send-10-functions", 1150.0, 1000.0, False, False),  # beyond it, with a floor within it
        ("send-10-functions", 1150.0, 1120.0, True, True),    # the floor is beyond 1.1x: within 5% of the floor
        ("send-10-functions", 1200.0, 1120.0, True, False),   # ... or not
        ("send-10-methods", 1150.0, 1000.0, False, True),     # within its own limit, 1.2x
        ("send-10-methods", 1250.0, 1100.0, False, False),    # beyond it, with a floor within it
        ("send-10-methods", 1300.0, 1250.0, True, True),      # the floor is beyond 1.2x: within 5% of the floor
        ("send-10-methods", 1205.0, 1150.0, True, True),      # a floor just within 1.2x: 5% above it still allowed
        ("send-10-methods", 1250.0, 1150.0, True, False),     # ... and no more
    ],
)
def test_issue_23_rule_is_the_scenario_limit_or_the_floor_where_the_floor_is_beyond_it(
    scenario: str, compiled: float, floor: float, floor_rule: bool, met: bool
) -> None:
    baseline = {"scenarios": {scenario: {COMPILED: compiled, YARDSTICK: 1000.0}}}
    (verdict,) = callgrind.judge({scenario: {COMPILED: compiled, YARDSTICK: 1000.0, FLOOR: floor}}, baseline)
    assert (verdict.floor_rule, verdict.meets_rule, verdict.failed) == (floor_rule, met, False)


def test_no_baseline_for_this_python_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"2.7": {"scenarios": {}}}))
    assert callgrind.main(["--baseline", str(baseline)]) == 0
    assert f"no baseline for Python {sys.version_info[0]}.{sys.version_info[1]}" in capsys.readouterr().out


def test_the_committed_baseline_covers_every_send_scenario() -> None:
    baselines = json.loads(callgrind.BASELINE.read_text())
    for key, entry in baselines.items():
        assert sorted(entry["scenarios"]) == sorted(callgrind.gated_scenarios()), (
            f"Python {key}: run python benchmarks/callgrind.py --update"
        )


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_counts_one_scenario_under_valgrind() -> None:
    counts = callgrind.measure(["send-0"], sends=50)
    assert set(counts) == {"send-0"}
    assert all(counts["send-0"][name] > 0 for name in (COMPILED, YARDSTICK, FLOOR))


def test_the_asend_scenarios_are_counted_where_django_has_asend(monkeypatch: pytest.MonkeyPatch) -> None:
    import django.dispatch

    monkeypatch.setattr(django.dispatch.Signal, "asend", lambda self, sender, **named: [], raising=False)
    assert callgrind.against_django() == list(callgrind.AGAINST_DJANGO)
    monkeypatch.delattr(django.dispatch.Signal, "asend")  # as on Django 4.2
    assert callgrind.against_django() == ["connect-disconnect"]
