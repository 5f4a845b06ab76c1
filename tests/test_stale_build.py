"""A source checkout whose compiled modules are older than their sources stops the test session.

``pip install -e .`` and ``python setup.py build_ext --inplace`` put each
compiled module beside its source, and Python imports the ``.so`` ahead of
the ``.py``: an edit to ``_flavour.py`` is ignored until the next build.
``conftest.py`` refuses to run the tests then, and says how to rebuild.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import EXTENSION_SUFFIX, TESTS, build_sources, stale_compiled_modules

PACKAGE = TESTS.parent / "src" / "cydispatch"


def write(path: Path, text: str, mtime: float) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_a_compiled_module_is_built_from_its_source_and_what_it_cimports(tmp_path):
    write(tmp_path / "_leaf.py", "def f(): pass\n", 100)
    write(tmp_path / "_leaf.pxd", "cpdef f()\n", 100)
    write(tmp_path / "_core.pyx", 'from cydispatch._leaf cimport f\ncdef extern from *:\n    """\n'
          '    #include "_stack.h"\n    """\n', 100)
    write(tmp_path / "_stack.h", "", 100)
    write(tmp_path / "_other.pxd", "", 100)
    assert [path.name for path in build_sources(tmp_path, "_core")] == ["_core.pyx", "_leaf.pxd", "_stack.h"]
    assert [path.name for path in build_sources(tmp_path, "_leaf")] == ["_leaf.pxd", "_leaf.py"]


def test_a_compiled_module_older_than_a_source_is_stale(tmp_path):
    write(tmp_path / "_leaf.py", "", 100)
    write(tmp_path / "_leaf.pxd", "", 100)
    write(tmp_path / "_core.pyx", "from cydispatch._leaf cimport f\n", 100)
    write(tmp_path / f"_leaf{EXTENSION_SUFFIX}", "", 200)
    write(tmp_path / f"_core{EXTENSION_SUFFIX}", "", 200)
    assert stale_compiled_modules(tmp_path) == []
    os.utime(tmp_path / "_leaf.py", (300, 300))  # _leaf.py edited: _core cimports the .pxd only
    assert stale_compiled_modules(tmp_path) == [f"_leaf{EXTENSION_SUFFIX} is older than _leaf.py"]
    os.utime(tmp_path / "_leaf.pxd", (300, 300))
    assert stale_compiled_modules(tmp_path) == [
        f"_core{EXTENSION_SUFFIX} is older than _leaf.pxd",
        f"_leaf{EXTENSION_SUFFIX} is older than _leaf.pxd, _leaf.py",
    ]


@pytest.mark.c_extension
def test_the_session_stops_with_the_rebuild_command(tmp_path):
    """A copy of this checkout with the compiled modules that run here; then ``_flavour.py`` is edited.

    The compiled modules come from wherever this run imports them: built in
    place, or installed (README's ``pip install .``), whose are newer than the
    checkout's sources.
    """
    from cydispatch import _cdispatch

    built = sorted(Path(_cdispatch.__file__).parent.glob("*" + EXTENSION_SUFFIX))
    (tmp_path / "setup.py").write_text("", encoding="utf-8")
    copy = tmp_path / "src" / "cydispatch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*" + EXTENSION_SUFFIX))
    for module in built:
        shutil.copy2(module, copy / module.name)
    (tmp_path / "tests").mkdir()
    for name in ("conftest.py", "support.py"):
        shutil.copy2(TESTS / name, tmp_path / "tests" / name)
    (tmp_path / "tests" / "test_one.py").write_text("def test_one():\n    pass\n", encoding="utf-8")

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
            # Only the copy: no plugin that an outer run asks every pytest to load.
            env={
                **{key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"},
                "PYTHONPATH": str(tmp_path / "src"),
            },
        )

    fresh = run()
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    source = tmp_path / "src" / "cydispatch" / "_flavour.py"
    later = max(path.stat().st_mtime for path in source.parent.glob("*" + EXTENSION_SUFFIX)) + 10
    os.utime(source, (later, later))
    stale = run()
    assert stale.returncode == pytest.ExitCode.USAGE_ERROR, stale.stdout + stale.stderr
    assert f"_flavour{EXTENSION_SUFFIX} is older than _flavour.py" in stale.stderr
    assert "python setup.py build_ext --inplace" in stale.stderr
    assert "passed" not in stale.stdout
