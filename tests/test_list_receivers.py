"""``list_receivers`` and ``cydispatch.inspect.connections()`` in the real test project.

The project (``tests/djangoproject``, settings ``settings_inspect``) has
``cydispatch.django`` in ``INSTALLED_APPS`` and an app, ``inventory``, with
receivers of every kind: weak and strong, a function, a bound method, a
callable instance, a ``functools.partial``, an asynchronous one, with and
without ``dispatch_uid``, for a model, for another class and for any sender.
Its ``inspection`` module runs the command through ``call_command`` in a
subprocess, after ``install()`` on each backend and on Django's own
dispatcher, and prints what it listed.
"""

from __future__ import annotations

import ast
import json
import re
import types
from pathlib import Path
from typing import Any

import django
import pytest
from support import TESTS, project_report, run_python

RECEIVERS = TESTS / "djangoproject" / "inventory" / "receivers.py"
AUDIT = TESTS / "djangoproject" / "audit" / "models.py"
KEYS = ["signal", "receiver", "kind", "module", "file", "line", "sender", "weak", "is_async", "dispatch_uid"]
MODEL_SIGNALS = "django.db.models.signals."
RESTOCKED = "djangoproject.inventory.signals.restocked"
INVENTORY = "djangoproject.inventory.receivers."
SUPPLIER = INVENTORY + "Supplier"

#: (signal, receiver, kind, sender, weak, is_async, dispatch_uid, where: the
#: function whose first line, its first decorator's, is the record's line),
#: in the order listed: a signal's receivers in the order a send runs them.
EXPECTED = [
    (MODEL_SIGNALS + "post_save", INVENTORY + "stock_saved", "function", "inventory.Stock", True, False, None,
     "stock_saved"),
    (MODEL_SIGNALS + "post_save", INVENTORY + "Auditor.on_save", "method", "inventory.Stock", True, False, None,
     "Auditor.on_save"),
    (MODEL_SIGNALS + "pre_delete", INVENTORY + "stock_deleting", "function", "inventory.Stock", False, False, None,
     "stock_deleting"),
    (MODEL_SIGNALS + "pre_save", INVENTORY + "stock_saving", "function", "inventory.Stock", True, False,
     "inventory-pre-save", "stock_saving"),
    (MODEL_SIGNALS + "post_delete", INVENTORY + "anything_deleted", "function", "any", True, False, None,
     "anything_deleted"),
    (RESTOCKED, INVENTORY + "Counter", "instance", "any", True, False, None, "Counter.__call__"),
    (RESTOCKED, INVENTORY + "log_restock", "partial", "any", False, False, "('inventory', 1)", "log_restock"),
    (RESTOCKED, INVENTORY + "supplier_restocked", "function", SUPPLIER, True, False, None, "supplier_restocked"),
    # Connected first, but async: a send runs it after the sync ones, and it is listed there.
    (RESTOCKED, INVENTORY + "notify_restock", "function", "any", True, True, None, "notify_restock"),
    ("django.core.signals.request_finished", INVENTORY + "request_done", "function", "any", True, False, None,
     "request_done"),
]


def first_lines(path: Path) -> dict[str, int]:
    """Each function's (and method's) first line, its first decorator's, by qualified name."""
    lines = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines[prefix + child.name] = min([child.lineno, *(d.lineno for d in child.decorator_list)])
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(path.read_text()), "")
    return lines


def project(records: list[dict[str, Any]], prefix: str = "djangoproject.inventory.") -> list[dict[str, Any]]:
    return [record for record in records if record["receiver"].startswith(prefix)]


@pytest.fixture(scope="session")
def report(backend: types.ModuleType) -> Any:
    """What the command listed after ``install()``, on ``backend``."""
    return project_report("inspection", "install", backend)


@pytest.fixture(scope="session")
def stock() -> Any:
    """What the command listed on Django's own dispatcher."""
    return project_report("inspection", "stock", None)


def test_the_project_runs_on_the_backend(report: Any, backend: types.ModuleType) -> None:
    assert report["backend"] == backend.__name__


def test_every_kind_of_receiver_is_listed_with_its_facts(report: Any) -> None:
    lines = first_lines(RECEIVERS)
    for record in report["json"]:
        assert list(record) == KEYS
    listed = project(report["json"])
    assert [
        (r["signal"], r["receiver"], r["kind"], r["sender"], r["weak"], r["is_async"], r["dispatch_uid"])
        for r in listed
    ] == sorted((expected[:-1] for expected in EXPECTED), key=lambda expected: expected[0])
    for record, expected in zip(listed, sorted(EXPECTED, key=lambda expected: expected[0])):
        assert record["module"] == "djangoproject.inventory.receivers"
        assert Path(record["file"]) == RECEIVERS
        assert record["line"] == lines[expected[-1]], record


def test_receivers_connected_by_model_label_are_listed(report: Any) -> None:
    # audit connects with sender="shop.Product" before the model exists.
    lines = first_lines(AUDIT)
    audit = [
        (r["signal"], r["receiver"], r["sender"], r["dispatch_uid"], Path(r["file"]), r["line"])
        for r in project(report["json"], "djangoproject.audit.")
    ]
    saved = ("djangoproject.audit.models.product_saved", "shop.Product", "audit-product-saved", AUDIT,
             lines["product_saved"])
    changed = ("djangoproject.audit.models.category_changed", "shop.Category", None, AUDIT, lines["category_changed"])
    assert audit == [
        (MODEL_SIGNALS + "post_delete", *changed),
        (MODEL_SIGNALS + "post_save", *changed),
        (MODEL_SIGNALS + "post_save", *saved),
    ]


def test_djangos_own_signals_and_receivers_are_listed(report: Any) -> None:
    text = report["text"]
    for name in ("request_started", "request_finished", "got_request_exception", "setting_changed"):
        assert f"\ndjango.core.signals.{name} (" in f"\n{text}"
    for name in ("pre_init", "post_init", "pre_save", "post_save", "m2m_changed", "class_prepared", "post_migrate"):
        assert f"\ndjango.db.models.signals.{name} (" in f"\n{text}"
    # Named where they are defined, not where they are imported.
    assert "\ndjango.utils.autoreload.autoreload_started (" in text
    assert "django.template.autoreload.autoreload_started" not in text
    assert "django.db.models.signals.pre_init (no receivers)" in text
    closing = [r for r in report["json"] if r["receiver"] == "django.db.close_old_connections"]
    assert {r["signal"] for r in closing} == {f"django.core.signals.request_{when}" for when in ("started", "finished")}
    assert all(r["file"].endswith("django/db/__init__.py") and r["sender"] == "any" for r in closing)


def test_text_lists_each_receiver_under_its_signal_in_the_order_a_send_runs_them(report: Any) -> None:
    lines = first_lines(RECEIVERS)
    text = report["text"].splitlines()
    start = text.index(f"{RESTOCKED} (4 receivers: 3 sync, then 1 async)")
    assert text[start + 1 : start + 11] == [
        f"  {INVENTORY}Counter",
        f"      sender=any  weak  sync  instance  djangoproject/inventory/receivers.py:{lines['Counter.__call__']}",
        f"  {INVENTORY}log_restock",
        "      sender=any  strong  sync  partial  dispatch_uid=('inventory', 1)",
        f"      djangoproject/inventory/receivers.py:{lines['log_restock']}",
        f"  {INVENTORY}supplier_restocked",
        f"      sender={SUPPLIER}  weak  sync",
        f"      djangoproject/inventory/receivers.py:{lines['supplier_restocked']}",
        f"  {INVENTORY}notify_restock",
        f"      sender=any  weak  async  djangoproject/inventory/receivers.py:{lines['notify_restock']}",
    ]


def test_text_lines_fit_a_terminal(report: Any) -> None:
    # Details wrap between fields; only a field longer than a line (none here) could exceed it.
    long = [line for line in report["text"].splitlines() if len(line) > 100]
    assert long == []


def test_a_filter_that_matches_nothing_says_so(report: Any) -> None:
    assert report["no_match_text"] == "No receivers match --signal pre_init --app audit.\n"
    assert report["no_match_json"] == []
    # call_command with keyword arguments: the same, each value a string.
    assert report["keyword_no_match_text"] == report["no_match_text"]
    assert report["keyword_signal_text"] == report["signal_text"]


def test_each_filter_can_be_given_several_times(report: Any) -> None:
    # Any value of a filter, and every filter given.
    assert [(r["signal"], r["receiver"]) for r in report["two_signals"]] == [
        (MODEL_SIGNALS + "pre_delete", INVENTORY + "stock_deleting"),
        (MODEL_SIGNALS + "pre_save", INVENTORY + "stock_saving"),
    ]
    assert report["two_signals_text"] == (
        "django.db.models.signals.class_prepared (no receivers)\n"
        "django.db.models.signals.pre_init (no receivers)\n"
    )
    assert {r["sender"] for r in report["two_senders"]} == {"any", "inventory.Stock", "shop.Product"}
    assert report["two_senders"] == [
        r for r in report["json"] if r in report["sender_stock"] or r in report["sender_product"]
    ]
    assert report["two_apps"] == [
        r for r in report["json"] if r in report["app_audit"] or r["module"] == "djangoproject.inventory.receivers"
    ]


def test_filter_by_signal(report: Any) -> None:
    assert {r["signal"] for r in report["signal_post_save"]} == {MODEL_SIGNALS + "post_save"}
    assert report["signal_post_save"] == [r for r in report["json"] if r["signal"] == MODEL_SIGNALS + "post_save"]
    assert [r["receiver"] for r in report["signal_dotted"]] == [
        INVENTORY + name for name in ("Counter", "log_restock", "supplier_restocked", "notify_restock")
    ]
    assert report["restocked_by_object"] == [r["receiver"] for r in report["signal_dotted"]]
    assert report["signal_text"] == "django.db.models.signals.pre_init (no receivers)\n"


def test_filter_by_sender_lists_what_a_send_from_it_reaches(report: Any) -> None:
    # The model's own receivers, and those to any sender of the model signals.
    assert [(r["signal"], r["receiver"]) for r in report["sender_stock"]] == [
        (MODEL_SIGNALS + "post_delete", INVENTORY + "anything_deleted"),
        (MODEL_SIGNALS + "post_save", INVENTORY + "stock_saved"),
        (MODEL_SIGNALS + "post_save", INVENTORY + "Auditor.on_save"),
        (MODEL_SIGNALS + "pre_delete", INVENTORY + "stock_deleting"),
        (MODEL_SIGNALS + "pre_save", INVENTORY + "stock_saving"),
    ]
    assert "request_finished" not in report["sender_stock_text"]
    # The same count as receivers_for (Django's _live_receivers on stock Django).
    assert all(reached == listed for reached, listed in report["reaches"].values()), report["reaches"]


def test_filter_by_app(report: Any) -> None:
    assert {r["module"] for r in report["app_audit"]} == {"djangoproject.audit.models"}
    assert len(report["app_audit"]) == 3
    assert [r["receiver"] for r in report["app_inventory_post_save"]] == [
        INVENTORY + "stock_saved", INVENTORY + "Auditor.on_save"
    ]
    assert report["app_text"].splitlines()[0] == "django.db.models.signals.post_delete (1 receiver)"


def test_unknown_names_are_command_errors(report: Any) -> None:
    assert {key: value for key, value in report["errors"].items() if "nope" in key.lower() or "xml" in key} == {
        "--signal nope": "no loaded module defines a signal named 'nope'",
        "--sender shop.Nope": "no model labelled 'shop.Nope'",
        "--app nope": "no installed app labelled 'nope'",
        "--format xml": "Error: argument --format: invalid choice: 'xml' (choose from 'text', 'json')",
    }


def test_mistyped_names_get_a_hint(report: Any) -> None:
    expected = {
        "--signal post_sav":
            "no loaded module defines a signal named 'post_sav'; did you mean 'post_save', 'pre_save' or "
            "'post_migrate'?",
        "--signal django.db.models.signals.pre_sav":
            "no loaded module defines a signal named 'django.db.models.signals.pre_sav'; did you mean "
            "'django.db.models.signals.pre_save', 'django.db.models.signals.post_save' or "
            "'django.db.models.signals.pre_init'?",
        "--sender shop.Prodcut": "no model labelled 'shop.Prodcut'; did you mean 'shop.Product' or 'shop.Tag'?",
        "--app inventori": "no installed app labelled 'inventori'; did you mean 'inventory'?",
        # Each value of a repeated filter is checked.
        "--signal post_save --signal restockd":
            "no loaded module defines a signal named 'restockd'; did you mean 'restocked'?",
    }
    assert {args: report["errors"].get(args) for args in expected} == expected


def test_stock_django_lists_the_same(report: Any, stock: Any) -> None:
    """Django's own Signal, read through the same flavour functions, gives the same records.

    Except where Django keeps nothing but an id: before 6.0, a sender that
    is not a model cannot be named.
    """
    assert stock["backend"] == "django.dispatch.dispatcher"
    stock = dict(stock)  # a session fixture: changed here in a copy
    if django.VERSION < (6, 0):
        unknown = [r for r in stock["json"] if r["sender"].startswith("<unknown sender id ")]
        assert [r["receiver"] for r in unknown] == [INVENTORY + "supplier_restocked"]
        for key in ("json", "signal_dotted", "two_apps"):
            stock[key] = [r if r["sender"] != unknown[0]["sender"] else {**r, "sender": SUPPLIER} for r in stock[key]]
    for key in ("json", "signal_post_save", "signal_dotted", "sender_stock", "app_audit", "app_inventory_post_save",
                "errors", "reaches", "restocked_by_object", "two_signals", "two_senders", "two_apps",
                "no_match_json"):
        assert stock[key] == report[key], key


def test_the_command_line(backend: types.ModuleType) -> None:
    completed = run_python(
        ["djangoproject/manage.py", "list_receivers", "--settings=djangoproject.settings_inspect",
         "--signal", "pre_save", "--app", "inventory"],
        backend,
    )
    assert completed.returncode == 0, completed.stderr
    line = first_lines(RECEIVERS)["stock_saving"]
    assert completed.stdout == (
        "django.db.models.signals.pre_save (1 receiver)\n"
        f"  {INVENTORY}stock_saving\n"
        "      sender=inventory.Stock  weak  sync  dispatch_uid='inventory-pre-save'\n"
        f"      djangoproject/inventory/receivers.py:{line}\n"
    )


def test_help_lists_the_command_under_cydispatch(backend: types.ModuleType) -> None:
    # manage.py help groups commands by the last component of their app's name.
    completed = run_python(["djangoproject/manage.py", "help", "--settings=djangoproject.settings_inspect"], backend)
    assert completed.returncode == 0, completed.stderr
    groups = {
        block.splitlines()[0]: block.split()[1:] for block in completed.stdout.split("\n\n") if block.startswith("[")
    }
    assert groups["[cydispatch]"] == ["list_receivers"]
    assert "list_receivers" not in groups["[django]"]


@pytest.mark.skipif(
    not (TESTS.parent / "docs" / "django.md").is_file(), reason="no docs/ here (an sdist)"
)
def test_the_docs_show_real_output(report: Any) -> None:
    readme = (TESTS.parent / "docs" / "django.md").read_text()
    blocks = dict(re.findall(r"```\n\$ python manage.py list_receivers (.*?)\n(.*?)```", readme, re.S))
    assert blocks["--app inventory"] == report["readme_text"]
    shown = json.loads(blocks["--sender inventory.Stock --signal pre_save --format json"])
    assert shown == [{**record, "file": shown[0]["file"]} for record in report["readme_json"]]
    assert shown[0]["file"].endswith("/djangoproject/inventory/receivers.py")
