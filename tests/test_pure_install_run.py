"""The suite on an install without the compiled backend: deselected on purpose, an error otherwise.

Each case runs ``tests/test_main.py`` (tests of both backends) in a fresh
pytest, against a copy of the package without its extension modules: a
pure install (no ``.pyx`` either, as in the pure wheel, or
``CYDISPATCH_NO_EXTENSIONS`` set) deselects the compiled tests and says so in
the header; a copy that still has its ``.pyx`` is a build that went missing,
and its compiled tests error, naming ``--no-c-extensions``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ENV_VAR, TESTS

import cydispatch


def run_suite(tmp_path: Path, *, with_pyx: bool, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """``pytest tests/test_main.py`` against a copy of cydispatch with no extension module."""
    package = Path(cydispatch.__file__ or "").parent
    dropped = ["*.so", "*.pyd", "*.c", "__pycache__", "*.pyx", "*.pxd", "*.pyi", "*.h"]
    shutil.copytree(package, tmp_path / "cydispatch", ignore=shutil.ignore_patterns(*dropped))
    if with_pyx:
        # Its presence is what tells a build (a source tree, a compiled wheel)
        # from the pure wheel; this copy may come from the pure wheel itself.
        (tmp_path / "cydispatch" / "_cdispatch.pyx").touch()
    # Neither the outer run's backend choice nor its pytest options (a
    # plugin, -x, -k) belong to this run.
    env = {key: value for key, value in os.environ.items() if key not in (ENV_VAR, "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = str(tmp_path)
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(TESTS / "test_main.py"), "-p", "no:cacheprovider"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.mark.parametrize(
    ("with_pyx", "env_vars", "reason"),
    [
        (False, {}, "a pure install, without the Cython sources"),
        (True, {ENV_VAR: "1"}, f"{ENV_VAR} is set"),
    ],
    ids=["pure-wheel", "env-var"],
)
def test_a_pure_install_deselects_the_compiled_tests(tmp_path, with_pyx, env_vars, reason):
    completed = run_suite(tmp_path, with_pyx=with_pyx, **env_vars)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    line = f"cydispatch: the compiled backend's tests are deselected: {reason}"
    assert completed.stdout.count(line) == 2  # in the header and, for -q runs, at the end
    assert "2 passed, 1 deselected" in completed.stdout


def test_a_missing_build_errors_and_names_the_flag(tmp_path):
    completed = run_suite(tmp_path, with_pyx=True)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "2 passed, 1 error" in completed.stdout
    assert "the compiled backend cannot be imported" in completed.stdout
    assert "--no-c-extensions" in completed.stdout
    assert "deselected" not in completed.stdout
