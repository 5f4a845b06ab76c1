"""A project's test suite that patches Django's signals, as real ones do.

``python manage.py test djangoproject.patching_tests`` runs it (on stock
Django with ``CYDISPATCH_TEST_STOCK=1``, else after ``install()``). The
``Patched`` tests mute ``post_migrate`` and ``post_save`` the way
openwisp-notifications does (``@patch.object(post_migrate, "receivers", [])``)
and patch a signal's lock, cache and ``Signal.send``; the ``Unpatched`` tests,
which the runner runs after them (by name), must still see every receiver.
"""

from __future__ import annotations

import threading
from unittest import mock

from django.core.management.sql import emit_post_migrate_signal
from django.db.models.signals import post_migrate, post_save
from django.dispatch import Signal
from django.test import TestCase

from djangoproject.shop.models import Category

HEARD: list[str] = []


def on_post_save(sender, instance, **kwargs):
    HEARD.append(f"post_save {instance.name}")


def on_post_migrate(sender, **kwargs):
    HEARD.append(f"post_migrate {sender.label}")


post_save.connect(on_post_save, sender=Category)
post_migrate.connect(on_post_migrate)
CONNECTED = {"post_save": len(post_save.receivers), "post_migrate": len(post_migrate.receivers)}


def migrate():
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


class PatchedTests(TestCase):
    @mock.patch.object(post_migrate, "receivers", [])
    @mock.patch.object(post_save, "receivers", [])
    def test_muted_signals_call_nothing(self):
        HEARD.clear()
        Category.objects.create(name="muted")
        migrate()
        self.assertEqual(HEARD, [])

    @mock.patch.object(post_save, "lock", threading.RLock())
    @mock.patch.object(post_save, "sender_receivers_cache", {})
    @mock.patch.object(post_save, "use_caching", False)
    def test_patched_internals_still_dispatch(self):
        HEARD.clear()
        Category.objects.create(name="patched")
        self.assertEqual(HEARD, ["post_save patched"])

    def test_autospec_of_send_sees_the_signal(self):
        with mock.patch.object(Signal, "send", autospec=True) as send:
            Category.objects.create(name="spied")
        self.assertIn(post_save, [call.args[0] for call in send.call_args_list])


class UnpatchedTests(TestCase):
    def test_every_receiver_is_back(self):
        self.assertEqual(
            {"post_save": len(post_save.receivers), "post_migrate": len(post_migrate.receivers)}, CONNECTED
        )
        HEARD.clear()
        Category.objects.create(name="heard")
        migrate()
        self.assertEqual(HEARD[0], "post_save heard")
        self.assertIn("post_migrate shop", HEARD)
