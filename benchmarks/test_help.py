"""Every script in ``benchmarks/`` answers ``--help`` with its usage, as a user's first command would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
#: The scripts: modules that run as ``python benchmarks/NAME.py`` (the others are imported only).
SCRIPTS = sorted(
    path for path in HERE.glob("*.py")
    if not path.name.startswith("test_") and path.name != "conftest.py" and "__main__" in path.read_text()
)


def test_the_scripts_are_found() -> None:
    assert {"chart.py", "compare.py", "scaling.py", "tables.py"} <= {path.name for path in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_help(script: Path, tmp_path: Path) -> None:
    # From elsewhere: --help must neither read nor write the current directory.
    completed = subprocess.run(
        [sys.executable, str(script), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"usage: {script.name} "), completed.stdout
    assert list(tmp_path.iterdir()) == []
