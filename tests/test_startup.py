"""``install()`` under a runner that loads Django first: OpenTelemetry's ``opentelemetry-instrument``.

The runner imports Django's signals before any user code, so ``install()``
in ``manage.py`` can only refuse; cydispatch's ``opentelemetry_pre_instrument``
entry point installs before that when ``CYDISPATCH_DJANGO_INSTALL=1``. These
run the real runner on the test project (``djangoproject.otel``), on each
backend, and check that OpenTelemetry still traces the request.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from support import ENV_VAR, TESTS

#: The runner's console script, beside this interpreter (``.exe`` on Windows).
RUNNER = Path(shutil.which("opentelemetry-instrument", path=str(Path(sys.executable).parent)) or "missing")


def run_under_opentelemetry(backend: types.ModuleType, opt_in: bool) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in (ENV_VAR, "CYDISPATCH_DJANGO_INSTALL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = "djangoproject.settings"
    if backend.__name__ == "cydispatch._pydispatch":
        env[ENV_VAR] = "1"
    if opt_in:
        env["CYDISPATCH_DJANGO_INSTALL"] = "1"
    command = [str(RUNNER), "--traces_exporter", "console", "--metrics_exporter", "none"]
    command += ["--logs_exporter", "none", sys.executable, "-m", "djangoproject.otel"]
    return subprocess.run(command, cwd=TESTS, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_runner_and_the_hook_are_installed():
    assert RUNNER.is_file()
    from importlib.metadata import entry_points

    [hook] = [e for e in entry_points(group="opentelemetry_pre_instrument") if e.name == "cydispatch"]
    assert hook.value == "cydispatch._startup:opentelemetry_pre_instrument"


def test_opting_in_installs_before_opentelemetry_loads_django(backend):
    completed = run_under_opentelemetry(backend, opt_in=True)
    assert completed.returncode == 0, completed.stderr
    [report] = [line.split(" ", 1)[1] for line in completed.stdout.splitlines() if line.startswith("REPORT ")]
    report = json.loads(report)
    assert report["post_save"][:3] == [
        "django.db.models.signals.ModelSignal",
        "cydispatch.django.Signal",
        f"{backend.__name__}.Signal",
    ]
    assert report["ping"] == [200, "pong"]
    # OpenTelemetry's Django instrumentation still traced the request.
    assert '"name": "GET ping/"' in completed.stdout


def test_without_opting_in_install_refuses_as_before(backend):
    completed = run_under_opentelemetry(backend, opt_in=False)
    assert completed.returncode != 0
    assert "cydispatch.django.install() was called too late" in completed.stderr
    # The message names the variable that fixes it, under this runner only.
    assert "Under opentelemetry-instrument" in completed.stderr
    assert "CYDISPATCH_DJANGO_INSTALL=1" in completed.stderr


def test_the_hook_does_nothing_unasked():
    code = (
        "import sys; from cydispatch._startup import opentelemetry_pre_instrument as hook; hook(); "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    env = {key: value for key, value in os.environ.items() if key != "CYDISPATCH_DJANGO_INSTALL"}
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


@pytest.mark.parametrize("value", ["0", "", "yes"])
def test_only_1_opts_in(value, monkeypatch):
    import cydispatch._startup as startup

    called = []
    monkeypatch.setenv(startup.ENVIRONMENT_VARIABLE, value)
    monkeypatch.setattr("cydispatch.django.install", lambda: called.append(True))
    startup.opentelemetry_pre_instrument()
    assert called == []
