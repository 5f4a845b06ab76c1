"""The public API type-checks in user code, and the compiled module's stub matches it.

These tests run the type checkers (mypy, and mypy's stubtest) on the installed
package; they are about the package, not about a backend.
"""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the test extra has it)"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=HERE, timeout=300
    )


def test_user_code_type_checks_under_strict_mypy():
    result = run("-m", "mypy", "--strict", "--no-incremental", "--config-file", "/dev/null",
                 str(HERE / "typing" / "user_code.py"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_type_error_in_user_code_is_caught(tmp_path):
    # The check above can fail: the same setup rejects a misuse of the API.
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from cydispatch import Signal, receiver\n"
        "@receiver(Signal())\n"
        "def on_signal(sender: object, **kwargs: object) -> int:\n"
        "    return 1\n"
        "text: str = on_signal(None)\n"
    )
    result = run("-m", "mypy", "--strict", "--no-incremental", "--config-file", "/dev/null", str(bad))
    assert result.returncode == 1
    assert 'Incompatible types in assignment (expression has type "int"' in result.stdout


@pytest.mark.c_extension
def test_compiled_stub_matches_the_module():
    result = run("-m", "mypy.stubtest", "cydispatch._cdispatch",
                 "--allowlist", str(HERE / "typing" / "stubtest-allowlist.txt"))
    assert result.returncode == 0, result.stdout + result.stderr
