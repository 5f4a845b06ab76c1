"""``scaling.py`` runs end to end in quick mode: a series per implementation and a chart, no timing judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import scaling
from scenarios import IMPLEMENTATIONS


def test_quick_sweep_has_a_series_per_implementation_and_a_chart(tmp_path: Path) -> None:
    results, chart = tmp_path / "scaling.json", tmp_path / "scaling.png"
    assert scaling.main(["--quick", "--json", str(results), "--chart", str(chart)]) == 0
    data = json.loads(results.read_text())
    assert {"python", "django", "cpu"} <= set(data["environment"])
    assert [sweep["name"] for sweep in data["sweeps"]] == list(scaling.SWEEPS)
    for sweep in data["sweeps"]:
        _, _, _, scenario_of, sizes = scaling.SWEEPS[sweep["name"]]
        # An implementation may do a sweep up to some size only (see scenarios.NOTES).
        able = {size: scenario_of(size).implementations for size in sizes}
        lines = scaling.lines(sweep)
        assert set(lines) == set(able[sizes[0]]), sweep["name"]
        for name in lines:
            assert [n for n, _ in lines[name]] == [size for size in sizes if name in able[size]], (sweep["name"], name)
            assert all(ns > 0 for _, ns in lines[name])
    assert set(scaling.lines(data["sweeps"][0])) == set(IMPLEMENTATIONS)  # every one can send
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_a_run_writes_to_the_current_directory_unless_docs_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sweep itself is the test above's: here only where its files go.
    written: list[str] = []
    monkeypatch.setattr(scaling, "run", lambda rounds, seconds, progress: [])
    monkeypatch.setattr(scaling, "print_sweeps", lambda sweeps: None)
    monkeypatch.setattr(scaling, "draw", lambda data, path: written.append(str(path)))
    monkeypatch.setattr(scaling, "DOCS", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    assert scaling.main(["--quick"]) == 0
    assert written == [str(Path(".benchmarks") / "scaling.png")]
    assert (tmp_path / ".benchmarks" / "scaling.json").is_file()
    assert not (tmp_path / "docs").exists()
    assert scaling.main(["--quick", "--docs"]) == 0
    assert written[-1] == str(tmp_path / "docs" / "scaling.png")
    assert (tmp_path / "docs" / "scaling.json").is_file()
    with pytest.raises(SystemExit):
        scaling.main(["--docs", "--chart", "elsewhere.png"])
