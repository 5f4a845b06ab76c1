"""cydispatch's Django system checks, in the test project (``djangoproject/checks.py``).

``cydispatch.W001``: the app is installed and ``install()`` did not run.
``cydispatch.W002``: the pure backend runs on CPython, unasked for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support import ENV_VAR, TESTS, project_report

import cydispatch


def test_no_warning_once_installed(backend):
    """On either backend, chosen on purpose (the pure one by ``CYDISPATCH_NO_EXTENSIONS``)."""
    assert project_report("checks", "install", backend)["ids"] == []


def test_w001_when_install_did_not_run(backend):
    report = project_report("checks", "stock", backend)
    assert report["ids"] == ["cydispatch.W001"]
    (message,) = report["messages"]
    # The hint gives the fix for each entry point that bypasses manage.py.
    for fix in ("cydispatch.django.install()", "python -m cydispatch.django", "pythonpath = .",
                "CYDISPATCH_DJANGO_INSTALL=1", "Celery"):
        assert fix in message


def run_django_command(module: str) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE check`` on the test project, with ``cydispatch.django`` in ``INSTALLED_APPS``."""
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    if not cydispatch.USE_EXTENSIONS:
        # A pure install, asked for: W002 (the compiled backend missing) is not this test's.
        env[ENV_VAR] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = "djangoproject.settings_inspect"
    return subprocess.run(
        [sys.executable, "-m", module, "check"],
        cwd=TESTS, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_python_m_cydispatch_django_is_django_admin_after_install():
    """``django-admin`` and ``python -m django`` never call ``install()``: W001 says so and names the fix."""
    stock = run_django_command("django")
    assert stock.returncode == 0, stock.stderr
    assert "cydispatch.W001" in stock.stderr and "python -m cydispatch.django" in stock.stderr
    installed = run_django_command("cydispatch.django")
    assert installed.returncode == 0, installed.stderr
    assert "cydispatch.W001" not in installed.stdout + installed.stderr
    assert "System check identified no issues" in installed.stdout


def test_w002_when_the_compiled_backend_is_missing_unasked_for():
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-m", "djangoproject.checks", "missing"],
        cwd=TESTS, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["ids"] == ["cydispatch.W002"]
    (message,) = report["messages"]
    assert "pure-Python backend" in message and "cydispatch._cdispatch" in message
    assert f"{ENV_VAR}=1" in message and "SILENCED_SYSTEM_CHECKS" in message
