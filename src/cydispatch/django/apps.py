"""``cydispatch.django`` as a Django app: add it to ``INSTALLED_APPS`` for ``list_receivers``."""

from __future__ import annotations

from django.apps import AppConfig


class CydispatchConfig(AppConfig):  # type: ignore[misc]  # Django is untyped here
    """The app that provides the ``list_receivers`` management command; it has no models."""

    name = "cydispatch.django"
    label = "cydispatch"
    verbose_name = "cydispatch"
