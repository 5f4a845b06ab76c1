"""Both backends' ``Signal`` classes offer one API: the same names, signatures and docstrings.

The state machine is one class, ``cydispatch._signal.SignalCore``; each
backend adds only ``send`` and ``send_robust``. This checks what a user (or
code written for Django) reads of each class: its public names, Django's
private ones, and what ``help()`` and ``inspect.signature`` show of them.
"""

from __future__ import annotations

import inspect

import pytest

pytestmark = pytest.mark.c_extension

#: Django's private names that code reaches for (see docs/guarantees.md).
DJANGO_PRIVATE = ("_live_receivers", "_clear_dead_receivers", "_dead_receivers")


def parameters(value: object) -> str | None:
    """What a caller can pass: each parameter's name, kind and default, without annotations.

    The compiled ``send`` is a C method, whose ``self`` is positional-only
    (Django's refuses ``self=`` too: see test_keyword_boundary).
    """
    if not callable(value):
        return None
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return None
    shown = [
        parameter.replace(annotation=parameter.empty, kind=parameter.POSITIONAL_OR_KEYWORD)
        if parameter.name == "self"
        else parameter.replace(annotation=parameter.empty)
        for parameter in signature.parameters.values()
    ]
    return str(signature.replace(parameters=shown, return_annotation=signature.empty))


def api(cls: type) -> dict[str, tuple[str | None, str | None]]:
    """Each public or Django-private name of ``cls``: (its docstring, its signature)."""
    found = {}
    for name in dir(cls):
        if name.startswith("_") and name not in DJANGO_PRIVATE:
            continue
        value = getattr(cls, name)
        found[name] = (inspect.getdoc(value), parameters(value))
    return found


def test_both_signal_classes_offer_the_same_names_signatures_and_docstrings():
    from cydispatch import _cdispatch, _pydispatch

    compiled, pure = api(_cdispatch.Signal), api(_pydispatch.Signal)
    assert compiled.keys() == pure.keys()
    assert {name: compiled[name] for name in compiled if compiled[name] != pure[name]} == {}
    assert inspect.getdoc(_cdispatch.Signal) == inspect.getdoc(_pydispatch.Signal)
    # Every method a user calls is documented.
    undocumented = [name for name, (doc, signature) in pure.items() if signature is not None and not doc]
    assert undocumented == []
