"""The scripts in examples/ run and print what they promise (they are about the package)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def test_there_are_examples():
    assert SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_example_runs(script):
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        capture_output=True, text=True, timeout=120, cwd=script.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("pure", ["", "1"], ids=["default", "pure"])
def test_quickstart_output(pure):
    env = {**os.environ, "CYDISPATCH_NO_EXTENSIONS": pure}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")], capture_output=True, text=True, timeout=120,
        env=env,
    )
    assert "send_confirmation: 'confirmation e-mail for order 42'" in result.stdout
    assert "Inventory.reserve: 'stock reserved for order 42'" in result.stdout
    assert "receivers left: ['send_confirmation']" in result.stdout
    assert result.stderr == ""
