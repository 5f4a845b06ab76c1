"""``python -m cydispatch``: version, backend and why, where from, Python, the Django followed."""

from __future__ import annotations

import os
import subprocess
import sys

from support import ENV_VAR

import cydispatch
from cydispatch import _flavour


def run_main(**env_vars: str) -> dict[str, str]:
    """The ``label: value`` lines of ``python -m cydispatch``, with ``env_vars`` set."""
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    env.update(env_vars)
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-m", "cydispatch"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    assert completed.stderr == ""
    pairs = (line.split(":", 1) for line in completed.stdout.splitlines())
    return {label: value.strip() for label, value in pairs}


def test_the_report(backend):
    pure = backend.__name__ == "cydispatch._pydispatch"
    lines = run_main(**({ENV_VAR: "1"} if pure else {}))
    assert lines["cydispatch"] == cydispatch.__version__
    if pure:
        assert lines["backend"] == f"pure Python ({ENV_VAR} is set)"
    else:
        assert lines["backend"] == "compiled (cydispatch._cdispatch)"
    assert lines["Signal"] == f"{backend.__name__}.Signal"
    assert lines["loaded from"] == os.path.dirname(cydispatch.__file__ or "")
    assert lines["Python"].startswith(sys.version.split()[0])
    installed = "{}.{}".format(*_flavour.installed_django())  # type: ignore[str-format]
    assert lines["Django installed"] == installed
    assert lines["Django followed"] == installed
    assert lines["Django series"] == ", ".join("{}.{}".format(*series) for series in _flavour.SERIES)


def test_it_imports_no_django():
    """As cheap as ``import cydispatch``: Django's version is read from its source."""
    code = "import runpy, sys; runpy.run_module('cydispatch', run_name='x'); print('django' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"
