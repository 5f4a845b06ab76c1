"""Django's own signals on cydispatch, from each entry point of the site in djangosite/.

``cydispatch.django.install()`` is process-wide and must run before Django
builds its signals, so each entry point runs in a process of its own, as it
would in production: ``manage.py``, ``wsgi.py`` and ``asgi.py`` (each serving
one request), pytest with the ``use_cydispatch`` plugin, and a program that
calls ``install()`` too late. Run it with ``python examples/django_startup.py``.
"""

import pathlib
import subprocess
import sys

SITE = pathlib.Path(__file__).parent / "djangosite"


def run(*arguments):
    result = subprocess.run(
        [sys.executable, *arguments], cwd=SITE, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode:
        sys.exit(f"{arguments} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


print(run("manage.py", "shell", "-v", "0", "-c", "import report; report.signals('manage.py')"))
print(run("-c", "import wsgi, report; report.wsgi_request(wsgi.application)"))
print(run("-c", "import asgi, report; report.asgi_request(asgi.application)"))
print("pytest -p use_cydispatch:", run("-m", "pytest", "-q", "-p", "no:cacheprovider").splitlines()[-1])
print(run("too_late.py")[:120], "...")
