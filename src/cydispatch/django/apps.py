"""``cydispatch.django`` as a Django app: the ``list_receivers`` command and two system checks.

The checks (``python manage.py check``, and every ``runserver``, ``migrate``,
``test``) say what would otherwise go unseen, since Django runs correctly
without cydispatch and cydispatch runs correctly without its compiled core:

* ``cydispatch.W001``: the app is installed but ``install()`` did not run (or
  ran after Django built its signals and was undone), so Django's signals
  run on Django's own dispatcher;
* ``cydispatch.W002``: the pure-Python backend runs on CPython although
  nobody asked for it with ``CYDISPATCH_NO_EXTENSIONS``: a build without its
  compiled core, or a pure wheel picked for want of a compiled one. Set the
  variable where the pure backend is deliberate, or silence the check
  (``SILENCED_SYSTEM_CHECKS``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.apps import AppConfig
from django.core import checks


class CydispatchConfig(AppConfig):  # type: ignore[misc]  # Django is untyped here
    """The app that provides the ``list_receivers`` management command and the checks; it has no models."""

    # The app is installed as "cydispatch.django", but its name is the package's:
    # ``manage.py help`` groups a command under the last component of its app's
    # name (not its label), which for "cydispatch.django" is "[django]", as
    # if the command were Django's. The commands are therefore in
    # cydispatch/management/, where Django looks for the app named "cydispatch".
    name = "cydispatch"
    label = "cydispatch"
    verbose_name = "cydispatch"

    def ready(self) -> None:
        # The registry holds a set: a second ready() registers nothing new.
        checks.register(check_installed)
        checks.register(check_backend)


def check_installed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``cydispatch.W001`` when Django's ``Signal`` is not cydispatch's: ``install()`` did not run."""
    import django.dispatch

    from . import Signal

    if django.dispatch.Signal is Signal:
        return []
    return [
        checks.Warning(
            "cydispatch.django is in INSTALLED_APPS, but Django's signals run on Django's own dispatcher: "
            f"django.dispatch.Signal is {django.dispatch.Signal.__module__}.{django.dispatch.Signal.__qualname__}.",
            hint="Call cydispatch.django.install() as the first lines of manage.py, wsgi.py, asgi.py, your Celery "
            "app module and your test bootstrap, before django.setup() (pytest-django: a plugin module loaded "
            "with -p, and pythonpath = . for a plain `pytest`). In place of django-admin or python -m django, "
            "run python -m cydispatch.django. Under opentelemetry-instrument, set CYDISPATCH_DJANGO_INSTALL=1. "
            "See https://cydispatch.readthedocs.io/en/latest/django.html#start-up-order",
            id="cydispatch.W001",
        )
    ]


def check_backend(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``cydispatch.W002`` when the pure backend runs on CPython and ``CYDISPATCH_NO_EXTENSIONS`` is not set."""
    from ..__main__ import ENV_VAR, pure_reason

    reason = pure_reason()
    if reason is None or os.environ.get(ENV_VAR) or sys.implementation.name != "cpython":
        return []
    return [
        checks.Warning(
            f"cydispatch runs on its pure-Python backend, which is slower: {reason}.",
            hint=f"Install a compiled wheel, or build one with a C compiler (pip install --no-binary cydispatch "
            f"--force-reinstall cydispatch); where the pure backend is deliberate, set {ENV_VAR}=1 or add "
            "'cydispatch.W002' to SILENCED_SYSTEM_CHECKS. `python -m cydispatch` shows the backend in use.",
            id="cydispatch.W002",
        )
    ]
