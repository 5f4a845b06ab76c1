"""Which backend ``import cydispatch`` picks: about the package, not a backend."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

import cydispatch
import cydispatch._pydispatch

ENV_VAR = "CYDISPATCH_NO_EXTENSIONS"

REPORT = """
import importlib, json
import cydispatch
try:
    importlib.import_module("cydispatch._cdispatch")
except ImportError:
    compiled = None
else:
    compiled = "cydispatch._cdispatch"
print(json.dumps({
    "use_extensions": cydispatch.USE_EXTENSIONS,
    "signal_module": cydispatch.Signal.__module__,
    "is_pure": cydispatch.Signal is importlib.import_module("cydispatch._pydispatch").Signal,
    "compiled": compiled,
}))
"""


def compiled_available():
    try:
        importlib.import_module("cydispatch._cdispatch")
    except ImportError:
        return False
    return sys.implementation.name == "cpython"


def report(env_value):
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    if env_value is not None:
        env[ENV_VAR] = env_value
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", REPORT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_no_extensions_variable_forces_the_pure_backend_in_a_subprocess():
    result = report("1")
    assert result["use_extensions"] is False
    assert result["is_pure"] is True
    assert result["signal_module"] == "cydispatch._pydispatch"


def test_without_the_variable_the_compiled_backend_is_used_when_importable():
    result = report(None)
    expected = result["compiled"] is not None and sys.implementation.name == "cpython"
    assert result["use_extensions"] is expected
    assert result["is_pure"] is (not expected)
    if expected:
        assert result["signal_module"] == "cydispatch._cdispatch"


def test_an_empty_variable_does_not_disable_the_extensions():
    assert report("") == report(None)


@pytest.fixture
def fresh_cydispatch(monkeypatch):
    """Import ``cydispatch`` anew; the original module is put back afterwards."""
    monkeypatch.delitem(sys.modules, "cydispatch")

    def reimport():
        sys.modules.pop("cydispatch", None)
        return importlib.import_module("cydispatch")

    return reimport


def test_no_extensions_variable_in_process(monkeypatch, fresh_cydispatch):
    original = cydispatch
    monkeypatch.setenv(ENV_VAR, "1")
    module = fresh_cydispatch()
    assert module is not original
    assert module.USE_EXTENSIONS is False
    assert module.Signal is sys.modules["cydispatch._pydispatch"].Signal


def test_without_variable_in_process(monkeypatch, fresh_cydispatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    module = fresh_cydispatch()
    expected = compiled_available()
    assert module.USE_EXTENSIONS is expected
    if expected:
        assert module.Signal is sys.modules["cydispatch._cdispatch"].Signal
    else:
        assert module.Signal is sys.modules["cydispatch._pydispatch"].Signal


def test_reimport_leaves_the_original_module_in_place():
    # Runs after the in-process tests above: their fixture restored sys.modules.
    assert sys.modules["cydispatch"] is cydispatch
    assert cydispatch.Signal in {
        sys.modules["cydispatch._pydispatch"].Signal,
        getattr(sys.modules.get("cydispatch._cdispatch"), "Signal", None),
    }


def test_public_names():
    assert set(cydispatch.__all__) == {"USE_EXTENSIONS", "Signal", "__version__", "receiver"}
    assert isinstance(cydispatch.__version__, str)
    assert cydispatch.receiver is importlib.import_module("cydispatch._decorator").receiver


DEFAULT_IS_COMPILED = (
    "import cydispatch; "
    "assert cydispatch.USE_EXTENSIONS is True and cydispatch.Signal is cydispatch._cdispatch.Signal"
)


def test_the_compiled_backend_is_the_default_after_installation(request, tmp_path):
    # Not skipped when the compiled module is missing: that is the failure this
    # test is for. Only a run that leaves the compiled backend out on purpose
    # skips it.
    if not request.config.getoption("--c-extensions"):
        pytest.skip("--no-c-extensions: the compiled backend is not expected to be installed")
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", DEFAULT_IS_COMPILED],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # the installed package, not whatever the working directory holds
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
