"""``list_receivers`` and ``cydispatch.inspect`` in the test project; print a JSON report.

``python -m djangoproject.inspection install`` switches Django to cydispatch
first (the backend is the one ``CYDISPATCH_NO_EXTENSIONS`` selects); ``stock``
leaves Django's dispatcher in place. The settings add ``cydispatch.django``
(the command's app) and ``inventory`` (receivers of every kind). Each section
is what the command printed, or what the Python function returned.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any

MODE = sys.argv[1]
os.environ["DJANGO_SETTINGS_MODULE"] = "djangoproject.settings_inspect"

if MODE == "install":
    import cydispatch.django

    cydispatch.django.install()

import django  # noqa: E402

django.setup()

import django.dispatch  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402

from cydispatch.inspect import connections  # noqa: E402
from djangoproject.inventory.models import Stock  # noqa: E402
from djangoproject.inventory.signals import restocked  # noqa: E402
from djangoproject.shop.models import Category, Product  # noqa: E402


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("list_receivers", *args, stdout=out)
    return out.getvalue()


def listed(*args: str) -> Any:
    return json.loads(command("--format", "json", *args))


report: dict[str, Any] = {
    "backend": next(c.__module__ for c in django.dispatch.Signal.__mro__ if "send_robust" in vars(c)),
    "django": django.VERSION[:2],
    "text": command(),
    "json": listed(),
    "signal_post_save": listed("--signal", "post_save"),
    "signal_dotted": listed("--signal", "djangoproject.inventory.signals.restocked"),
    "signal_text": command("--signal", "pre_init"),
    "sender_stock": listed("--sender", "inventory.Stock"),
    "sender_stock_text": command("--sender", "inventory.Stock"),
    "app_audit": listed("--app", "audit"),
    "app_inventory_post_save": listed("--app", "inventory", "--signal", "post_save"),
    "app_text": command("--app", "audit"),
    "readme_text": command("--app", "inventory"),
    "readme_json": listed("--sender", "inventory.Stock", "--signal", "pre_save"),
    "no_match_text": command("--app", "audit", "--signal", "pre_init"),
    "no_match_json": listed("--app", "audit", "--signal", "pre_init"),
    "two_signals": listed("--signal", "pre_save", "--signal", "pre_delete", "--app", "inventory"),
    "two_signals_text": command("--signal", "pre_init", "--signal", "class_prepared"),
    "sender_product": listed("--sender", "shop.Product"),
    "two_senders": listed("--sender", "inventory.Stock", "--sender", "shop.Product"),
    "two_apps": listed("--app", "audit", "--app", "inventory"),
}
errors = {}
for args in (
    ["--signal", "nope"], ["--sender", "shop.Nope"], ["--app", "nope"], ["--format", "xml"],
    ["--signal", "post_sav"], ["--signal", "django.db.models.signals.pre_sav"], ["--sender", "shop.Prodcut"],
    ["--app", "inventori"], ["--signal", "post_save", "--signal", "restockd"],
):
    try:
        command(*args)
    except CommandError as err:
        errors[" ".join(args)] = str(err)
report["errors"] = errors

# From Python, a filter given once as a keyword argument is a string, not argparse's list.
out = io.StringIO()
call_command("list_receivers", signal="pre_init", app="audit", stdout=out)
report["keyword_no_match_text"] = out.getvalue()
out = io.StringIO()
call_command("list_receivers", signal="pre_init", stdout=out)
report["keyword_signal_text"] = out.getvalue()

# The function agrees with what a send reaches: receivers_for (cydispatch) or
# _live_receivers (Django's: one list before 5.0, else sync and async).
reaches = {}
for signal_name in ("post_save", "pre_save", "pre_delete", "post_delete"):
    signal = getattr(django.db.models.signals, signal_name)
    for model in (Stock, Product, Category):
        if hasattr(signal, "receivers_for"):
            live = signal.receivers_for(model)
        else:
            found = signal._live_receivers(model)
            live = found if django.VERSION < (5, 0) else [*found[0], *found[1]]
        reaches[f"{signal_name} {model._meta.label}"] = [
            len(live), len(connections(signal=signal, sender=model))
        ]
report["reaches"] = reaches
report["restocked_by_object"] = [c.receiver for c in connections(signal=restocked)]
print(json.dumps(report))
