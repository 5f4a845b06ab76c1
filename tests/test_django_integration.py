"""Django's own signals on cydispatch: ``cydispatch.django.install()`` in a real project.

``install()`` changes ``django.dispatch`` for the whole process, so the test
project (``tests/djangoproject``) runs in subprocesses: its ``scenarios``
module drives Django's signals through the ORM, the test client and
``override_settings`` and prints what the receivers saw. Each backend gets a
run with ``install()`` (``CYDISPATCH_NO_EXTENSIONS`` selects the backend, from
the ``backend`` fixture), and one run on stock Django is the reference that
the installed runs must match.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

import django
import pytest
from support import project_report, run_python

#: Django's built-in signals, by the module that defines them.
BUILT_IN_SIGNALS = [
    "django.core.signals.request_started",
    "django.core.signals.request_finished",
    "django.core.signals.got_request_exception",
    "django.core.signals.setting_changed",
    "django.db.models.signals.class_prepared",
    "django.db.models.signals.pre_init",
    "django.db.models.signals.post_init",
    "django.db.models.signals.pre_save",
    "django.db.models.signals.post_save",
    "django.db.models.signals.pre_delete",
    "django.db.models.signals.post_delete",
    "django.db.models.signals.m2m_changed",
    "django.db.models.signals.pre_migrate",
    "django.db.models.signals.post_migrate",
    "django.db.backends.signals.connection_created",
    "django.test.signals.template_rendered",
    "django.contrib.auth.signals.user_logged_in",
    "django.contrib.auth.signals.user_logged_out",
    "django.contrib.auth.signals.user_login_failed",
    "django.utils.autoreload.autoreload_started",
    "django.utils.autoreload.file_changed",
]



@pytest.fixture(scope="session")
def stock() -> Any:
    """The report of the test project on Django's own dispatcher."""
    return project_report("scenarios", "stock", None)


@pytest.fixture(scope="session")
def report(backend: types.ModuleType) -> Any:
    """The report of the test project after ``install()``, on ``backend``."""
    return project_report("scenarios", "install", backend)


# -- the switch ---------------------------------------------------------------------


def test_install_makes_djangos_signal_and_receiver_cydispatchs(report, backend):
    assert report["backend"] == backend.__name__
    assert report["signal_class"] == "cydispatch.django.Signal"
    assert report["same_in_dispatcher"]
    assert report["receiver_is_cydispatchs"] == [True, True]
    # cydispatch.django.Signal, then the backend's Signal on the shared
    # SignalCore (through FastSignal, its C send, in the compiled backend).
    fast = ["FastSignal"] if backend.__name__ == "cydispatch._cdispatch" else []
    assert report["model_signal_mro"] == [
        "ModelSignal", "Signal", "Signal", "SignalAttributes", *fast, "SignalCore", "object"
    ]


def test_every_built_in_signal_runs_on_cydispatch(report, stock, backend):
    assert set(BUILT_IN_SIGNALS) <= set(stock["signals"])
    assert set(stock["signals"].values()) == {"django.dispatch.dispatcher"}
    assert report["signals"] == dict.fromkeys(stock["signals"], backend.__name__)


def test_install_is_idempotent(report):
    # scenarios called install() twice before django.setup(), and once after.
    assert report["installed_again"] is True


@pytest.mark.parametrize(
    ("mode", "found"),
    [
        ("late", "django.core.signals.got_request_exception"),
        ("user-module", "(myapp_signals.Signal)"),
    ],
    ids=["after-django-setup", "after-a-module-bound-Signal"],
)
def test_install_too_late_raises_and_changes_nothing(backend, mode, found):
    outcome = project_report("scenarios", mode, backend)
    first, second = outcome["errors"]  # every call raises: nothing was half switched
    assert first == second
    assert first.startswith("cydispatch.django.install() was called too late")
    assert found in first
    for where in ("before django.setup()", "manage.py", "wsgi.py", "asgi.py", "test bootstrap"):
        assert where in first
    assert outcome["still_djangos"] == "django.dispatch.dispatcher"


# -- model signals through the ORM ---------------------------------------------------


def test_class_prepared_and_migrate_signals(report, stock):
    assert report["class_prepared"] == stock["class_prepared"]
    assert ["class_prepared", "Product"] in report["class_prepared"]
    assert report["migrate"] == stock["migrate"]
    assert report["migrate"][0] == ["connection_created", "sqlite"]
    assert ["post_migrate", "shop"] in report["migrate"]


def test_save(report, stock):
    assert report["save"] == stock["save"]
    assert report["save"][:2] == [
        ["audit category", "post_save", "Category:books"],
        ["post_save", "Category:books", True, []],
    ]
    assert ["pre_save", "Product:novel 2", False, "default", ["name"]] in report["save"]
    assert ["post_save", "Product:novel 2", False, ["name"]] in report["save"]
    assert ["pre_init", "Tag", ["args", "kwargs"]] in report["save"]


def test_many_to_many_add_remove_clear(report, stock):
    assert report["m2m"] == stock["m2m"]
    actions = [entry[3] for entry in report["m2m"]]
    assert actions == ["pre_add", "post_add"] * 2 + [
        "pre_remove", "post_remove", "pre_add", "post_add", "pre_clear", "post_clear",
    ]
    assert report["m2m"][6] == [
        "m2m_changed", "Product_tags", "Tag:green", "pre_add", True, "Product", ["atlas", "novel 2"],
    ]


def test_bulk_operations(report, stock):
    # bulk_create and update() send no save signals; instances still initialise.
    assert report["bulk"] == stock["bulk"]
    assert {entry[0] for entry in report["bulk"]} == {"pre_init", "post_init"}


def test_delete_queryset_and_cascade(report, stock):
    assert report["delete"] == stock["delete"]
    kinds = [entry[0] for entry in report["delete"]]
    assert kinds.count("pre_delete") == kinds.count("post_delete") == 3
    assert ["pre_delete", "Product:chess", "Category:games"] in report["delete"]
    # Tag has no delete receivers: has_listeners() lets Django delete them in bulk.
    assert not any("Tag:" in str(entry) for entry in report["delete"])


def test_string_senders(report, stock):
    # "shop.Product" from the audit app, connected before the model existed.
    assert ["audit post_save", "Product", "Product:novel", True] in report["save"]
    assert report["lazy"] == stock["lazy"] == [["lazy post_save", "Tag", "Tag:lazy 1"]]


# -- requests, settings -------------------------------------------------------------


def test_request_signals_through_the_test_client(report, stock):
    assert report["requests"] == stock["requests"]
    assert [entry[0] for entry in report["requests"]] == [
        "request_started", "request_finished", "response",
        "request_started", "got_request_exception", "request_finished", "response",
        "audit category", "post_save",
    ]


def test_setting_changed_through_override_settings(report, stock):
    assert report["settings"] == stock["settings"]
    assert report["settings"][:3] == [
        ["setting_changed", "SHOP_GREETING", "hello", True],
        ["inside", "hello"],
        ["setting_changed", "SHOP_GREETING", None, False],
    ]


def test_database_override_warning_points_at_the_override(report, stock):
    # django.test.signals warns with a stacklevel that counts send's frame.
    *warned, expected = report["warnings"]
    assert report["warnings"] == stock["warnings"]
    assert warned[0] == [*expected, "Overriding setting DATABASES can lead to unexpected behavior."]
    assert len(warned) == 2  # the decorator form too, where Django's points


# -- asynchronous receivers -----------------------------------------------------------


def test_async_receivers_with_send_and_asend(report, stock):
    if django.VERSION < (5, 0):
        # No asynchronous receivers in 4.2: send() returns one's coroutine.
        assert report["async"] == stock["async"]
        assert ["on_tag_saved_async", "coroutine"] in report["async"]
        return
    expected = [
        ["pre_init", "Tag", ["args", "kwargs"]],
        ["post_init", "Tag", ["instance"]],
        ["sync post_save", "Tag:async"],
        ["async post_save", "Tag:async", True],
        ["sync post_save", "Tag:async"],  # asend
        ["async post_save", "Tag:async", False],
        ["asend", [["on_post_save", None], ["on_tag_saved_sync", "sync"], ["on_tag_saved_async", "async"]]],
        ["sync post_save", "Tag:async"],
        ["asend_robust", [["on_tag_saved_sync", "'sync'"], ["fails", "LookupError('async failure')"]]],
    ]

    def settled(records):
        # Before Django 6.1 asend's synchronous batch runs concurrently with
        # the asynchronous receiver: the order of their two records is a race.
        if django.VERSION >= (6, 1):
            return records
        return records[:4] + sorted(records[4:6], key=repr) + records[6:]

    assert settled(report["async"]) == settled(expected)
    if django.VERSION >= (5, 0):
        assert settled(report["async"]) == settled(stock["async"])


# -- what code written for Django reaches into ------------------------------------------


def test_internals_that_code_written_for_django_uses(report):
    internals = report["internals"]
    assert internals["keys_are_make_id"]  # django.dispatch.dispatcher._make_id, unchanged
    assert internals["use_caching"] is True
    assert internals["cache_is_dict"]
    assert internals["live_receivers"] == ["on_post_save", "product_saved"]
    assert internals["live_async"] == 0
    assert internals["connect"] == ["django.dispatch.dispatcher", "connect"]
    # "receivers = []" silenced post_save; restoring the list restored it.
    assert internals["silenced"] == [
        ["audit category", "post_save", "Category:heard"],
        ["post_save", "Category:heard", True, []],
    ]


def test_lazy_reference_check_reports_a_missing_sender(backend):
    completed = run_python(
        ["djangoproject/manage.py", "check", "--settings=djangoproject.settings_broken"], backend
    )
    assert completed.returncode == 1
    assert f"(broken.I001) post_save runs on {backend.__name__}" in completed.stderr
    assert (
        "djangoproject.broken.models: (signals.E001) The function 'on_missing' was connected "
        "to the 'post_save' signal with a lazy reference to the sender 'shop.missing', but "
        "app 'shop' doesn't provide model 'missing'."
    ) in completed.stderr


# -- the frame hook install() relies on ---------------------------------------------------


def caller_of_receiver(**kwargs):
    return sys._getframe(1).f_code.co_name


def test_send_calls_receivers_one_frame_below_the_sender_when_asked(Signal, backend):
    signal = Signal()
    signal.connect(caller_of_receiver)
    if backend.__name__ == "cydispatch._pydispatch":
        # Its send is Python code, as Django's: the receivers' caller.
        assert signal.send(sender=None) == [(caller_of_receiver, "send")]
        return
    here = sys._getframe().f_code.co_name
    assert signal.send(sender=None) == [(caller_of_receiver, here)]  # a C function: no frame
    seen = []

    def frame(calls):
        seen.append(calls.robust)
        return calls()

    signal._send_frame = frame
    assert signal.send(sender=None) == [(caller_of_receiver, "frame")]
    assert signal.send_robust(sender=None) == [(caller_of_receiver, "frame")]
    assert seen == [False, True]
    unheard = Signal()
    unheard._send_frame = frame
    assert unheard.send(sender=None) == []
    assert seen == [False, True]  # no receivers to call: no frame


@pytest.mark.c_extension
def test_receiver_calls_are_made_once_and_during_the_send_only():
    Signal = importlib.import_module("cydispatch._cdispatch").Signal
    signal = Signal()
    signal.connect(caller_of_receiver)
    kept = []

    def twice(calls):
        kept.append(calls)
        calls()
        return calls()

    signal._send_frame = twice
    with pytest.raises(RuntimeError, match="only be made once, during the send"):
        signal.send(sender=None)
    with pytest.raises(RuntimeError, match="only be made once, during the send"):
        kept[0]()  # after the send: its arguments are gone
    signal._send_frame = lambda calls: "not a list"
    with pytest.raises(TypeError):
        signal.send(sender=None)
