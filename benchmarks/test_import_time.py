"""``import_time.py`` runs end to end (one round), and reads ``-X importtime``'s report right.

Nothing here judges a time: the figures are the report's.
"""

from __future__ import annotations

import json
from pathlib import Path

import import_time
import pytest

REPORT = """\
import time: self [us] | cumulative | imported package
import time:       290 |        290 |   _io
import time:       371 |       1116 | _frozen_importlib_external
import time:      1350 |       4288 | site
import time:       247 |        247 |   __future__
import time:      3245 |      13652 |   typing
import time:      2065 |      14000 | cydispatch
import time:       100 |        500 | other
"""


def test_parse_counts_the_top_level_imports_after_site() -> None:
    assert import_time.parse_importtime(REPORT) == 14_500


def test_parse_refuses_a_report_without_site() -> None:
    with pytest.raises(ValueError):
        import_time.parse_importtime(REPORT.replace("| site", "| elsewhere"))


def test_quick_run_reports_every_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "import.json"
    assert import_time.main(["--quick", "--json", str(results)]) == 0
    out = capsys.readouterr().out
    data = json.loads(results.read_text())
    labels = [result["label"] for result in data["results"]]
    assert labels == [target.label for target in import_time.TARGETS]
    for result in data["results"]:
        assert len(result["runs"]) == 1 and result["median_us"] > 0, result
        assert result["label"] in out
