"""``scaling.py`` runs end to end in quick mode: a series per implementation and a chart, no timing judged."""

from __future__ import annotations

import json
from pathlib import Path

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
