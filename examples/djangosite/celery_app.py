"""The site's Celery application, as Celery's Django guide has it, with cydispatch installed first.

``celery -A celery_app worker`` imports this module before Django loads its
signals (Celery's Django fixup calls ``django.setup()`` when the worker
starts), so ``install()`` goes at its top, as in ``manage.py``.
"""

import os

import cydispatch.django

cydispatch.django.install()  # before Celery sets Django up

from celery import Celery  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
app = Celery("djangosite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
