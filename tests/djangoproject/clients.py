"""Real packages that reach into Django's signals, run in the test project; print a JSON report.

``python -m djangoproject.clients install`` switches Django to cydispatch
first (the backend is the one ``CYDISPATCH_NO_EXTENSIONS`` selects); ``stock``
leaves Django's dispatcher in place, to compare with. Each section is what
the package and the project's receivers did, as plain data:

* sentry-sdk's Django integration replaces ``Signal._live_receivers`` to
  record a span per receiver; its transport here keeps envelopes in memory.
* factory_boy's ``mute_signals`` assigns ``receivers`` and clears the cache
  under ``lock`` (as a context manager and as a class decorator).
* django-reversion's ``mute_signals`` assigns ``receivers`` while holding
  ``lock``; it runs in a thread with a timeout, so a deadlock is reported
  instead of hanging the run.
* django-test-migrations' ``mute_migrate_signals`` swaps ``receivers`` around
  a migration.
* django-debug-toolbar's signals panel lists every receiver from ``receivers``.
* django-extensions' ``list_signals`` unpacks ``receivers`` entries with the
  arity of the installed Django.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from typing import Any

MODE = sys.argv[1]
# One in-memory database for every thread: django-reversion's block runs in one.
os.environ["DJANGO_SETTINGS_MODULE"] = "djangoproject.settings_clients"
#: How long a muted block may take before it counts as a deadlock.
TIMEOUT = 30

if MODE == "install":
    import cydispatch.django

    cydispatch.django.install()

import django  # noqa: E402
import sentry_sdk  # noqa: E402
from sentry_sdk.integrations.django import DjangoIntegration  # noqa: E402
from sentry_sdk.transport import Transport  # noqa: E402


class MemoryTransport(Transport):
    """Keeps what sentry-sdk would send."""

    envelopes: list[Any] = []

    def capture_envelope(self, envelope: Any) -> None:
        self.envelopes.append(envelope)


sentry_sdk.init(
    dsn="https://key@sentry.invalid/1",
    transport=MemoryTransport,
    integrations=[DjangoIntegration(signals_spans=True)],
    default_integrations=False,
    traces_sample_rate=1.0,
)
django.setup()

import django.dispatch  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models.signals import post_migrate, post_save, pre_migrate  # noqa: E402
from django.dispatch import receiver  # noqa: E402

from djangoproject.events import label, record, take  # noqa: E402
from djangoproject.orders import order_placed  # noqa: E402
from djangoproject.shop.models import Category  # noqa: E402

report: dict[str, Any] = {
    "backend": next(c.__module__ for c in django.dispatch.Signal.__mro__ if "send_robust" in vars(c))
}


@receiver([pre_migrate, post_migrate])
def on_migrate(sender, signal, app_config, **kwargs):
    if app_config.label == "shop":
        record("pre_migrate" if signal is pre_migrate else "post_migrate", app_config.label)


# -- django-test-migrations ----------------------------------------------------------

from django_test_migrations.signals import mute_migrate_signals  # noqa: E402

with mute_migrate_signals():
    call_command("migrate", run_syncdb=True, verbosity=0)
    muted_listeners = [pre_migrate.has_listeners(), post_migrate.has_listeners()]
report["test_migrations"] = {
    "muted": take(),
    "muted_listeners": muted_listeners,
    "restored_listeners": [pre_migrate.has_listeners(), post_migrate.has_listeners()],
}
call_command("migrate", run_syncdb=True, verbosity=0)
report["test_migrations"]["after"] = take()

# -- sentry-sdk -------------------------------------------------------------------------

def results(responses):
    return [[r.__qualname__, repr(v) if isinstance(v, Exception) else v] for r, v in responses]


with sentry_sdk.start_transaction(name="signals", op="test"):
    sent = {
        "send": results(order_placed.send(sender=Category, order_id=1)),
        "send_robust": results(order_placed.send_robust(sender=Category, order_id=0)),
        "has_listeners": order_placed.has_listeners(Category),
    }
    if django.VERSION >= (5, 0):
        sent["asend"] = results(asyncio.run(order_placed.asend(sender=Category, order_id=2)))
    category = Category.objects.create(name="traced")
    category.delete()
sentry_sdk.flush()
spans = []
for envelope in MemoryTransport.envelopes:
    for item in envelope.items:
        event = item.payload.json
        if event and event.get("type") == "transaction":
            spans += [span["description"] for span in event["spans"] if span["op"] == "event.django"]
report["sentry"] = {"results": sent, "spans": sorted(spans), "log": take()}

# -- factory_boy ------------------------------------------------------------------------

import factory  # noqa: E402
from factory.django import DjangoModelFactory, mute_signals  # noqa: E402


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"factory {n}")


@mute_signals(post_save)
class QuietCategoryFactory(CategoryFactory):
    pass


factory_boy = {}
with mute_signals(post_save):
    CategoryFactory()
factory_boy["context manager"] = take()
QuietCategoryFactory()
factory_boy["class decorator"] = take()
CategoryFactory()
factory_boy["after"] = take()
report["factory_boy"] = factory_boy

# -- django-reversion -------------------------------------------------------------------

from reversion.utils import mute_signals as reversion_mute  # noqa: E402

reversion: dict[str, Any] = {}


def muted_block():
    with reversion_mute(post_save):
        Category.objects.create(name="muted")
        reversion["inside"] = take()


worker = threading.Thread(target=muted_block, daemon=True)
worker.start()
worker.join(TIMEOUT)
reversion["hung"] = worker.is_alive()
if not reversion["hung"]:
    Category.objects.create(name="unmuted")
    reversion["after"] = take()
report["reversion"] = reversion

# -- django-debug-toolbar ---------------------------------------------------------------

from debug_toolbar.panels.signals import SignalsPanel  # noqa: E402


class Toolbar:
    """What the signals panel reads of a toolbar."""

    config = {"EXTRA_SIGNALS": ["djangoproject.orders.order_placed"]}
    request_id = "cydispatch"

    def __init__(self):
        self.stats: dict[str, Any] = {}

        class Store:
            @staticmethod
            def save_panel(request_id, panel_id, data):
                pass

        self.store = Store


panel = SignalsPanel(Toolbar(), lambda request: None)
panel.generate_stats(None, None)
report["debug_toolbar"] = {
    name: receivers for name, receivers in panel.get_stats()["signals"] if name in ("order_placed", "post_save")
}

# -- django-extensions ------------------------------------------------------------------

from django_extensions.management.commands.list_signals import Command as ListSignals  # noqa: E402

try:
    listed = ListSignals().handle()
except Exception as err:  # it unpacks entries by Django version: 6.x's stock ones fail it
    report["django_extensions"] = ["raised", type(err).__name__, str(err)]
else:
    report["django_extensions"] = [line for line in listed.splitlines() if "djangoproject" in line]

print(json.dumps(report, default=label))
sys.stdout.flush()
if reversion["hung"]:
    os._exit(0)  # the deadlocked thread holds the lock: leave without waiting on it
