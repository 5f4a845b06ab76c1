"""Django's own signals on cydispatch, from each entry point of the site in djangosite/.

``cydispatch.django.install()`` is process-wide and must run before Django
builds its signals, so each entry point runs in a process of its own, as it
would in production: ``manage.py``, ``wsgi.py`` and ``asgi.py`` (each serving
one request), ``python -m cydispatch.django`` in place of ``django-admin``,
pytest with the ``use_cydispatch`` plugin (as ``python -m pytest`` and as
the plain ``pytest`` command), ``python -m django``, which bypasses
``install()`` and gets warned, and a program that calls ``install()`` too
late. Run it with ``python examples/django_startup.py``.
"""

import os
import pathlib
import shutil
import subprocess
import sys

SITE = pathlib.Path(__file__).parent / "djangosite"
#: The ``pytest`` command of this interpreter's environment.
PYTEST = shutil.which("pytest", path=str(pathlib.Path(sys.executable).parent)) or "pytest"
#: What django-admin needs: the settings module named, and the site importable.
ADMIN = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings"}


def run(*arguments, command=sys.executable, env=None):
    result = subprocess.run(
        [command, *arguments], cwd=SITE, capture_output=True, text=True, timeout=120, check=False, env=env
    )
    if result.returncode:
        sys.exit(f"{arguments} failed:\n{result.stdout}{result.stderr}")
    return (result.stdout + result.stderr).strip()


print(run("manage.py", "shell", "-v", "0", "-c", "import report; report.signals('manage.py')"))
print(run("-c", "import wsgi, report; report.wsgi_request(wsgi.application)"))
print(run("-c", "import asgi, report; report.asgi_request(asgi.application)"))
ADMIN_REPORT = "import report; report.signals('python -m cydispatch.django')"
print(run("-m", "cydispatch.django", "shell", "-v", "0", "-c", ADMIN_REPORT, env=ADMIN))
PYTEST_M = run("-m", "pytest", "-q", "-p", "no:cacheprovider")
print("python -m pytest -p use_cydispatch:", PYTEST_M.splitlines()[-1])
print("pytest -p use_cydispatch:", run("-q", "-p", "no:cacheprovider", command=PYTEST).splitlines()[-1])
warned = [line for line in run("-m", "django", "check", env=ADMIN).splitlines() if "W001" in line]
print("python -m django check:", warned[0][:90], "...")
print(run("too_late.py")[:120], "...")
