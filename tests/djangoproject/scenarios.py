"""Drive the test project through Django's signals; print a JSON report.

``python -m djangoproject.scenarios install`` switches Django to cydispatch
first (the backend is the one ``CYDISPATCH_NO_EXTENSIONS`` selects);
``stock`` leaves Django's dispatcher in place, to compare with. ``late`` and
``user-module`` call ``install()`` too late, in two ways, and report the
error. Each section of the report is what the receivers saw, as plain data.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import warnings
from typing import Any

MODE = sys.argv[1]
os.environ["DJANGO_SETTINGS_MODULE"] = "djangoproject.settings"


def too_late(prepare: str) -> dict[str, Any]:
    """Call ``install()`` after ``prepare`` ran, twice; report what happened."""
    import cydispatch.django

    exec(prepare, {})
    import django.dispatch

    errors = []
    for _ in range(2):
        try:
            cydispatch.django.install()
        except RuntimeError as err:
            errors.append(str(err))
    return {"errors": errors, "still_djangos": django.dispatch.Signal.__module__}


if MODE == "late":
    print(json.dumps(too_late("import django; django.setup()")))
    sys.exit()
if MODE == "user-module":
    # A project module that bound Django's class before install() ran.
    prepare = "import sys, types; from django.dispatch import Signal; "
    prepare += "sys.modules['myapp_signals'] = m = types.ModuleType('myapp_signals'); m.Signal = Signal"
    print(json.dumps(too_late(prepare)))
    sys.exit()

if MODE == "install":
    import cydispatch.django

    cydispatch.django.install()
    cydispatch.django.install()  # idempotent

import django  # noqa: E402
from django.db.models.signals import class_prepared  # noqa: E402

import cydispatch  # noqa: E402
from djangoproject.events import label, record, take  # noqa: E402

report: dict[str, Any] = {"django": django.VERSION[:2]}


def on_class_prepared(sender, **kwargs):
    if sender._meta.app_label in ("audit", "shop"):
        record("class_prepared", label(sender))


class_prepared.connect(on_class_prepared)
django.setup()
report["class_prepared"] = take()

import django.contrib.auth.signals  # noqa: E402,F401
import django.core.signals  # noqa: E402
import django.db.backends.signals  # noqa: E402
import django.dispatch  # noqa: E402
import django.dispatch.dispatcher  # noqa: E402
import django.test.signals  # noqa: E402
import django.utils.autoreload  # noqa: E402,F401
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import (  # noqa: E402
    got_request_exception,
    request_finished,
    request_started,
    setting_changed,
)
from django.db.backends.signals import connection_created  # noqa: E402
from django.db.models.signals import (  # noqa: E402
    m2m_changed,
    post_delete,
    post_init,
    post_migrate,
    post_save,
    pre_delete,
    pre_init,
    pre_migrate,
    pre_save,
)
from django.dispatch import receiver  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from djangoproject.shop.models import Category, Product, Tag  # noqa: E402


def signals_in_django() -> dict[str, str]:
    """Every signal a loaded Django module defines: ``module.name`` -> its class's module."""
    found = {}
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("django.") and module is not None:
            for name, value in vars(module).items():
                if hasattr(type(value), "send_robust") and not isinstance(value, type):
                    found[f"{module_name}.{name}"] = next(
                        c.__module__ for c in type(value).__mro__ if "send_robust" in vars(c)
                    )
    return found


report["backend"] = next(c.__module__ for c in django.dispatch.Signal.__mro__ if "send_robust" in vars(c))
report["signal_class"] = f"{django.dispatch.Signal.__module__}.{django.dispatch.Signal.__qualname__}"
report["same_in_dispatcher"] = django.dispatch.dispatcher.Signal is django.dispatch.Signal
report["receiver_is_cydispatchs"] = [
    module.receiver is cydispatch.receiver for module in (django.dispatch, django.dispatch.dispatcher)
]
report["signals"] = signals_in_django()
report["model_signal_mro"] = [c.__qualname__ for c in type(post_save).__mro__]

# -- migrate: pre_migrate, post_migrate, connection_created ------------------------


@receiver([pre_migrate, post_migrate])
def on_migrate(sender, signal, app_config, **kwargs):
    record("pre_migrate" if signal is pre_migrate else "post_migrate", app_config.label)


@receiver(connection_created)
def on_connection(sender, connection, **kwargs):
    record("connection_created", connection.vendor)


call_command("migrate", run_syncdb=True, verbosity=0)
report["migrate"] = take()

# -- model signals through the ORM ------------------------------------------------


@receiver([pre_init, post_init], sender=Tag)
def on_tag_init(sender, signal, **kwargs):
    record("pre_init" if signal is pre_init else "post_init", label(sender), sorted(kwargs))


@receiver(pre_save, sender=Product)
def on_pre_save(sender, instance, raw, using, update_fields, **kwargs):
    record("pre_save", label(instance), raw, using, sorted(update_fields or []))


@receiver(post_save)
def on_post_save(sender, instance, created, update_fields, **kwargs):
    record("post_save", label(instance), created, sorted(update_fields or []))


@receiver([pre_delete, post_delete], sender=Product)
def on_product_delete(sender, signal, instance, origin, **kwargs):
    kind = "pre_delete" if signal is pre_delete else "post_delete"
    record(kind, label(instance), label(origin))


@receiver(m2m_changed, sender=Product.tags.through)
def on_tags_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    names = None
    if pk_set is not None:
        names = sorted(model.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    record("m2m_changed", label(sender), label(instance), action, reverse, label(model), names)


books = Category.objects.create(name="books")
games = Category(name="games")
games.save()
novel = Product.objects.create(name="novel", category=books)
atlas = Product.objects.create(name="atlas", category=books)
novel.name = "novel 2"
novel.save(update_fields=["name"])
red, blue, green = (Tag.objects.create(name=name) for name in ("red", "blue", "green"))
report["save"] = take()

novel.tags.add(red, blue)
novel.tags.add(red)  # already there: Django reports an empty change
novel.tags.remove(blue)
green.products.add(novel, atlas)  # reverse
novel.tags.clear()
report["m2m"] = take()

Tag.objects.bulk_create([Tag(name="bulk 1"), Tag(name="bulk 2")])
Product.objects.filter(category=books).update(name="renamed")  # no signal
list(Tag.objects.filter(name__startswith="bulk"))  # post_init from the database
report["bulk"] = take()

chess = Product.objects.create(name="chess", category=games)
take()
Product.objects.filter(name="renamed").delete()  # per object: Product has delete receivers
Tag.objects.filter(name__startswith="bulk").delete()  # fast delete: no receivers for Tag
games.delete()  # cascades to chess
report["delete"] = take()

# -- string senders: lazy references ----------------------------------------------


def on_tag_saved(sender, instance, **kwargs):
    record("lazy post_save", label(sender), label(instance))


post_save.connect(on_tag_saved, sender="shop.Tag")  # the model exists: connected at once
Tag.objects.create(name="lazy 1")
post_save.disconnect(on_tag_saved, sender="shop.Tag")
Tag.objects.create(name="lazy 2")
report["lazy"] = [entry for entry in take() if entry[0].startswith(("lazy", "audit"))]

# -- requests through the test client ----------------------------------------------


@receiver(request_started)
def on_request_started(sender, environ, **kwargs):
    record("request_started", label(sender), environ["PATH_INFO"])


@receiver(request_finished)
def on_request_finished(sender, **kwargs):
    record("request_finished", label(sender))


@receiver(got_request_exception)
def on_exception(sender, request, **kwargs):
    record("got_request_exception", request.path)


client = Client(raise_request_exception=False)
for path in ("/ping/", "/boom/"):
    response = client.get(path)
    record("response", path, response.status_code)
Category.objects.create(name="after requests")  # the in-memory database survived them
report["requests"] = take()

# -- settings ---------------------------------------------------------------------


@receiver(setting_changed)
def on_setting_changed(sender, setting, value, enter, **kwargs):
    if setting.startswith("SHOP_"):
        record("setting_changed", setting, value, enter)


with override_settings(SHOP_GREETING="hello"):
    record("inside", settings.SHOP_GREETING)


@override_settings(SHOP_GREETING="decorated")
def decorated():
    record("inside", settings.SHOP_GREETING)


decorated()
report["settings"] = take()


def database_override_warnings() -> list[list[Any]]:
    """Where Django's warning about overriding ``DATABASES`` points, and where it should."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = sys._getframe().f_lineno + 1
        with override_settings(DATABASES=settings.DATABASES):
            pass
        override_settings(DATABASES=settings.DATABASES)(lambda: None)()
    return [
        [os.path.basename(w.filename), w.lineno, str(w.message)] for w in caught
    ] + [[os.path.basename(__file__), expected]]


report["warnings"] = database_override_warnings()

# -- asynchronous receivers -------------------------------------------------------

if django.VERSION < (5, 0):
    # Django 4.2 has no asynchronous receivers: send() calls one as any
    # other, and its response is its coroutine.

    async def on_tag_saved_async(sender, instance, created, **kwargs):
        record("async post_save", label(instance), created)

    post_save.connect(on_tag_saved_async, sender=Tag)
    for receiver, response in post_save.send(
        sender=Tag, instance=Tag(name="async"), created=True, update_fields=None, raw=False, using="default"
    ):
        record(receiver.__name__, type(response).__name__)
        if asyncio.iscoroutine(response):
            response.close()
    post_save.disconnect(on_tag_saved_async, sender=Tag)
    report["async"] = take()
else:

    async def on_tag_saved_async(sender, instance, created, **kwargs):
        await asyncio.sleep(0)
        record("async post_save", label(instance), created)
        return "async"

    def on_tag_saved_sync(sender, instance, **kwargs):
        record("sync post_save", label(instance))
        return "sync"

    post_save.connect(on_tag_saved_async, sender=Tag)
    post_save.connect(on_tag_saved_sync, sender=Tag)
    tag = Tag.objects.create(name="async")  # send() runs the async receiver too

    async def asend():
        return await post_save.asend(sender=Tag, instance=tag, created=False, update_fields=None)

    responses = asyncio.run(asend())
    record("asend", [(r.__name__, response) for r, response in responses])
    ordered = []

    async def asend_robust():
        signal = django.dispatch.Signal()

        async def fails(**kwargs):
            raise LookupError("async failure")

        signal.connect(fails)
        signal.connect(on_tag_saved_sync)
        return await signal.asend_robust(sender=Tag, instance=tag)

    for r, response in asyncio.run(asend_robust()):
        ordered.append([r.__name__, repr(response)])
    record("asend_robust", ordered)
    post_save.disconnect(on_tag_saved_async, sender=Tag)
    post_save.disconnect(on_tag_saved_sync, sender=Tag)
    report["async"] = [entry for entry in take() if entry[0] != "post_save"]

# -- the internals code written for Django reaches into ------------------------------

if MODE == "install":
    from django.dispatch.dispatcher import _make_id

    keys = [entry[0] for entry in post_save.receivers]
    live = post_save._live_receivers(Product)  # one list before Django 5.0
    sync_receivers, async_receivers = live if django.VERSION >= (5, 0) else (live, [])
    with post_save.lock:
        post_save._clear_dead_receivers()
    report["internals"] = {
        "keys_are_make_id": (_make_id(on_post_save), _make_id(None)) in keys
        and (_make_id(on_pre_save), _make_id(Product)) in [e[0] for e in pre_save.receivers],
        "use_caching": post_save.use_caching,
        "cache_is_dict": isinstance(post_save.sender_receivers_cache, dict),
        "live_receivers": sorted(r.__name__ for r in sync_receivers),
        "live_async": len(async_receivers),
        "connect": [django.dispatch.Signal.connect.__module__, django.dispatch.Signal.connect.__name__],
    }
    saved = post_save.receivers
    post_save.receivers = []  # silences the signal, as in Django
    Category.objects.create(name="silent")
    post_save.receivers = saved
    Category.objects.create(name="heard")
    report["internals"]["silenced"] = take()
    cydispatch.django.install()  # again, with every signal built: still nothing to do
    report["installed_again"] = django.dispatch.Signal is cydispatch.django.Signal

print(json.dumps(report))
