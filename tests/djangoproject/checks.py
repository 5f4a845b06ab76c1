"""cydispatch's system checks in the test project; print the ids of what they report, as JSON.

``python -m djangoproject.checks MODE``, the project having ``cydispatch.django``
in ``INSTALLED_APPS``. MODE ``install`` runs ``install()`` first (on the
backend ``CYDISPATCH_NO_EXTENSIONS`` selects); ``stock`` does not; ``missing``
runs it with the compiled backend made unimportable, as in a build without
its core.
"""

from __future__ import annotations

import json
import os
import sys

MODE = sys.argv[1]
os.environ["DJANGO_SETTINGS_MODULE"] = "djangoproject.settings_inspect"

if MODE == "missing":
    # None in sys.modules makes the import raise ImportError, as a missing .so does.
    sys.modules["cydispatch._cdispatch"] = None  # type: ignore[assignment]
if MODE in ("install", "missing"):
    import cydispatch.django

    cydispatch.django.install()

import django  # noqa: E402

django.setup()

from django.core import checks  # noqa: E402

print(json.dumps({
    "ids": [message.id for message in checks.run_checks() if str(message.id).startswith("cydispatch.")],
    "messages": [str(message) for message in checks.run_checks()],
}))
