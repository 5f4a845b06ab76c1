"""The compiled backend never crashes the interpreter, whatever it is given.

``fuzz_cdispatch.py`` calls every public method of
``cydispatch._cdispatch.Signal`` with random garbage (see its docstring) in a
subprocess, so that a crash is a failed test rather than a dead test run.
The default run fuzzes for ``SHORT_SECONDS`` with a fixed seed (0), so that
it makes the same calls every time; with ``CYDISPATCH_FRESH_SEEDS=1``
(``support.py``) it uses the run's fresh seed, printed at the start and end
of the run (``CYDISPATCH_SEED=N`` replays it), for ``CYDISPATCH_FUZZ_SECONDS``
if set (CI fuzzes a fresh seed for longer: a fresh seed is where a new crash
shows, and the fixed one has found what it can). ``python -m pytest -m slow``
fuzzes for ``LONG_SECONDS`` with each of ``LONG_SEEDS``.

The first version of the fuzz found two crashes, fixed in ``_cdispatch.pyx``
and checked here in-process too: Cython's methods do not check the type of
an unbound call's ``self`` (``Signal.connect(object(), f)`` read an
``object`` as a signal), and a signal made by ``Signal.__new__`` without
``__init__`` (or a non-plan put into ``sender_receivers_cache``) was used
without a check: both are tested on both backends in
``test_django_compat_attributes.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from support import SEED

pytestmark = pytest.mark.c_extension


@pytest.fixture
def _cdispatch():
    """The compiled backend, imported here so that a pure install can collect this module
    (``--no-c-extensions`` deselects it); a missing compiled backend errors."""
    import cydispatch._cdispatch

    return cydispatch._cdispatch

SCRIPT = os.path.join(os.path.dirname(__file__), "fuzz_cdispatch.py")
SHORT_SECONDS = 3
LONG_SECONDS = 60
LONG_SEEDS = [1, 2, 3, 4]


def fuzz(seconds, seed):
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", SCRIPT, str(seconds), str(seed)],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-5000:]
    match = re.search(r"^ok calls=(\d+) errors=(\d+)$", completed.stderr, re.MULTILINE)
    assert match, completed.stderr[-5000:]
    calls, errors = int(match[1]), int(match[2])
    # It did call the API, and most calls were garbage that raised.
    assert calls > 1000 * seconds
    assert 0 < errors < calls


def test_fuzz_short():
    seconds = int(os.environ.get("CYDISPATCH_FUZZ_SECONDS", SHORT_SECONDS))
    fuzz(seconds, seed=0 if SEED is None else SEED)


@pytest.mark.slow
@pytest.mark.parametrize("seed", LONG_SEEDS)
def test_fuzz_long(seed):
    fuzz(LONG_SECONDS, seed)


METHODS = [
    ("connect", (lambda **kwargs: None,)),
    ("_connect", (None, None, True, None)),
    ("disconnect", ()),
    ("connected_to", (lambda **kwargs: None,)),
    ("muted", ()),
    ("receivers_for", ()),
    ("has_listeners", ()),
    ("_clear_dead_receivers", ()),
    ("_live_receivers", (None,)),
    ("send", (None,)),
    ("send_robust", (None,)),
]


@pytest.mark.parametrize("wrong_self", [object(), "text", None, 42], ids=["object", "str", "None", "int"])
@pytest.mark.parametrize(("name", "args"), METHODS, ids=[name for name, _ in METHODS])
def test_unbound_method_with_a_wrong_self_is_a_type_error(Signal, backend, name, args, wrong_self):
    method = getattr(Signal, name)
    # The shared methods are SignalCore's; the compiled send and send_robust
    # are FastSignal's C methods.
    owner = "_signal\\.SignalCore"
    if name in ("send", "send_robust"):
        if backend.__name__ != "cydispatch._cdispatch":
            pytest.skip("the pure send is a Python function: a wrong self fails on its first attribute, as Django's")
        owner = "_cdispatch\\.FastSignal"
    expected = (
        f"^descriptor '{name}' for 'cydispatch\\.{owner}' objects "
        f"doesn't apply to a '{type(wrong_self).__name__}' object$"
    )
    with pytest.raises(TypeError, match=expected):
        method(wrong_self, *args)


@pytest.mark.parametrize("name", ["asend", "asend_robust"])
def test_unbound_async_method_with_a_wrong_self_is_a_type_error(Signal, name):
    coroutine = getattr(Signal, name)(object(), None)
    with pytest.raises(TypeError, match=f"descriptor '{name}' for 'cydispatch._signal.SignalCore' objects"):
        coroutine.send(None)
