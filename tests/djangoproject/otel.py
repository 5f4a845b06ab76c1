"""The test project run under OpenTelemetry's runner, as ``manage.py`` would start.

``opentelemetry-instrument python -m djangoproject.otel`` with
``DJANGO_SETTINGS_MODULE`` exported (the runner reads the settings before any
user code). Like a project's ``manage.py``, it calls ``install()`` first:
that raises unless the runner's start-up hook already installed cydispatch.
Prints ``REPORT`` and a JSON line; the runner's console exporter prints the
spans as JSON too.
"""

import os

if not os.environ.get("CYDISPATCH_TEST_STOCK"):
    import cydispatch.django

    cydispatch.django.install()

import json  # noqa: E402

import django  # noqa: E402

django.setup()

from django.db.models.signals import post_save  # noqa: E402
from django.test import Client  # noqa: E402
from opentelemetry import trace  # noqa: E402

response = Client().get("/ping/")
trace.get_tracer_provider().force_flush()
print(
    "REPORT",
    json.dumps(
        {
            "post_save": [f"{c.__module__}.{c.__qualname__}" for c in type(post_save).__mro__],
            "ping": [response.status_code, response.content.decode()],
        }
    ),
    flush=True,
)
