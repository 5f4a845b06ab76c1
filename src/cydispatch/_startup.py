"""``install()`` at start-up, for runners that import Django before any user code.

OpenTelemetry's ``opentelemetry-instrument`` runner loads its Django
instrumentation, and with it Django's signals, from a ``sitecustomize`` that
runs before ``manage.py``: ``install()`` there can only refuse. The runner
calls every ``opentelemetry_pre_instrument`` entry point first, with nothing
of Django loaded yet; cydispatch registers this function there, and it
installs when asked to, with ``CYDISPATCH_DJANGO_INSTALL=1``::

    CYDISPATCH_DJANGO_INSTALL=1 opentelemetry-instrument python manage.py runserver

Without the variable it does nothing (and imports nothing but this module):
installing cydispatch does not change a program that did not ask for it.
``install()`` stays in ``manage.py``: it does nothing once this has run, and
it still raises when it has not.
"""

from __future__ import annotations

import os

#: The variable that asks a runner's start-up hook to call ``install()``.
ENVIRONMENT_VARIABLE = "CYDISPATCH_DJANGO_INSTALL"


def opentelemetry_pre_instrument() -> None:
    """The ``opentelemetry_pre_instrument`` entry point: ``install()`` if asked to."""
    if os.environ.get(ENVIRONMENT_VARIABLE) != "1":
        return
    from .django import install

    install()
