"""Popular packages that reach into Django's signals, on cydispatch as on stock Django.

``djangoproject.clients`` runs each package against the test project and
reports what happened: sentry-sdk's spans (it replaces ``_live_receivers``),
factory_boy's and django-reversion's ``mute_signals`` (they assign
``receivers`` and the cache, reversion while holding ``lock``),
django-test-migrations' ``mute_migrate_signals``, django-debug-toolbar's
signals panel (it reads ``receivers``) and django-extensions' ``list_signals``
(it unpacks entries by the installed Django's arity). The report after ``install()``, on
each backend, must equal the report on stock Django, section by section.
"""

from __future__ import annotations

import types
from typing import Any

import django
import pytest
from support import project_report

SECTIONS = ["test_migrations", "sentry", "factory_boy", "reversion", "debug_toolbar", "django_extensions"]



@pytest.fixture(scope="session")
def stock() -> Any:
    """What the packages did on Django's own dispatcher."""
    return project_report("clients", "stock", None)


@pytest.fixture(scope="session")
def report(backend: types.ModuleType) -> Any:
    """What the packages did after ``install()``, on ``backend``."""
    return project_report("clients", "install", backend)


def test_the_packages_ran_on_the_backend(report, stock, backend):
    assert report["backend"] == backend.__name__
    assert stock["backend"] == "django.dispatch.dispatcher"


@pytest.mark.parametrize("section", SECTIONS)
def test_a_package_sees_what_it_sees_on_django(report, stock, section):
    assert report[section] == stock[section]


def test_what_the_packages_saw_on_django(stock):
    """The reference itself exercises what it should (a broken harness would compare nothing)."""
    assert stock["reversion"]["hung"] is False
    assert stock["reversion"]["inside"] == []
    assert stock["reversion"]["after"] == [["audit category", "post_save", "Category:unmuted"]]
    assert stock["factory_boy"]["context manager"] == stock["factory_boy"]["class decorator"] == []
    assert len(stock["factory_boy"]["after"]) == 1
    assert stock["test_migrations"]["muted"] == [] and stock["test_migrations"]["after"]
    spans = stock["sentry"]["spans"]
    assert spans.count("djangoproject.orders.update_stock") == 2 + ("asend" in stock["sentry"]["results"])
    assert spans.count("djangoproject.audit.models.category_changed") == 2
    assert stock["debug_toolbar"]["order_placed"] == ["send_confirmation", "update_stock"]
    if django.VERSION < (6, 0):  # its unpacking predates Django 6's entries
        assert any("audit.models" in line for line in stock["django_extensions"])
