"""What ``import cydispatch`` costs: no module that only some uses need.

``asyncio`` and ``asgiref`` serve asynchronous receivers and ``asend`` alone,
``logging`` the reports of ``send_robust``, ``inspect`` receivers that are
not plain functions; together they cost several times what cydispatch does.
``typing`` serves type checkers only, and ``re`` (with ``enum``) is not needed
to read Django's version.
Each test runs a fresh interpreter on one backend (``CYDISPATCH_NO_EXTENSIONS``
chooses the pure one), so that nothing imported by this process counts.
The time itself is measured in ``benchmarks/import_time.py``, not here.
"""

from __future__ import annotations

import json
import textwrap
import types

from support import needs_async_receivers, run_python

#: Modules that ``import cydispatch`` must not import.
DEFERRED = (
    "asyncio", "asgiref", "asgiref.sync", "logging", "inspect", "typing", "re", "enum", "cydispatch._bridge",
)
#: Those that only asynchronous receivers and ``asend`` may import.
ASYNC_ONLY = ("asyncio", "asgiref", "asgiref.sync", "cydispatch._bridge")

PRELUDE = """
import sys
before = set(sys.modules)
DEFERRED = {deferred!r}

def imported():
    # The deferred modules imported since the start (none was, before it).
    return sorted(name for name in DEFERRED if name in sys.modules and name not in before)

import cydispatch
report = {{"extensions": cydispatch.USE_EXTENSIONS, "preloaded": sorted(set(DEFERRED) & before)}}
report["import"] = imported()
"""


def run_report(body: str, backend: types.ModuleType) -> dict[str, object]:
    """Run ``PRELUDE`` then ``body`` on ``backend``; return the ``report`` dict it printed."""
    code = PRELUDE.format(deferred=DEFERRED) + textwrap.dedent(body) + "\nimport json\nprint(json.dumps(report))\n"
    completed = run_python(["-c", code], backend)
    assert completed.returncode == 0, completed.stderr
    report: dict[str, object] = json.loads(completed.stdout)
    assert report["extensions"] is (backend.__name__ == "cydispatch._cdispatch")
    assert report["preloaded"] == [], "the interpreter's start-up imports them: nothing to check"
    return report


def test_import_imports_none_of_the_deferred_modules(backend):
    report = run_report("", backend)
    assert report["import"] == []


def test_synchronous_use_imports_none_of_them(backend):
    report = run_report(
        """
        import functools

        signal = cydispatch.Signal(use_caching=True)

        def plain(**kwargs):
            return "plain"

        class Handler:
            def method(self, **kwargs):
                return "method"

            def __call__(self, **kwargs):
                return "instance"

        handler = Handler()
        signal.connect(plain)
        signal.connect(handler.method)
        report["functions"] = imported()
        signal.connect(handler)
        assert [r for _, r in signal.send(None, a=1)] == ["plain", "method", "instance"]
        assert [r for _, r in signal.send_robust(None, a=1)] == ["plain", "method", "instance"]
        assert signal.has_listeners() and len(signal.receivers_for(None)) == 3
        with signal.muted():
            assert signal.send(None) == []
        report["sync"] = imported()
        """,
        backend,
    )
    assert report["functions"] == []
    # A receiver that is not a plain function is checked with inspect, as in
    # Django: it imports inspect (and what inspect imports), never asyncio.
    assert "inspect" in report["sync"]  # type: ignore[operator]
    assert not set(ASYNC_ONLY) & set(report["sync"]) and "logging" not in report["sync"]  # type: ignore[arg-type,operator]


@needs_async_receivers
def test_async_receivers_and_asend_import_what_they_need_on_first_use(backend):
    report = run_report(
        """
        signal = cydispatch.Signal()

        def plain(**kwargs):
            return "sync"

        async def coroutine(**kwargs):
            return "async"

        signal.connect(plain)
        signal.connect(coroutine)
        report["connect"] = imported()  # a plain coroutine function: its code flags tell
        report["send"] = [r for _, r in signal.send(None)]
        report["after_send"] = imported()

        import asyncio

        report["asend"] = [r for _, r in asyncio.run(signal.asend_robust(None))]
        """,
        backend,
    )
    assert report["connect"] == []
    assert report["send"] == ["sync", "async"]
    assert {"asyncio", "asgiref.sync", "cydispatch._bridge"} <= set(report["after_send"])  # type: ignore[arg-type]
    assert report["asend"] == ["sync", "async"]


def test_asend_alone_imports_the_bridge(backend):
    report = run_report(
        """
        import asyncio

        signal = cydispatch.Signal()

        def plain(**kwargs):
            return "sync"

        signal.connect(plain)
        report["asend"] = [r for _, r in asyncio.run(signal.asend(None))]
        report["after"] = imported()
        """,
        backend,
    )
    assert report["asend"] == ["sync"]
    assert "cydispatch._bridge" in report["after"]  # type: ignore[operator]


def test_a_failing_receiver_logs_to_django_dispatch(backend):
    report = run_report(
        """
        signal = cydispatch.Signal()

        def failing(**kwargs):
            raise ValueError("boom")

        signal.connect(failing)
        report["before"] = imported()
        import logging

        records = []

        class Keep(logging.Handler):
            def emit(self, record):
                records.append((record.name, record.levelname, record.getMessage()))

        logging.getLogger("django.dispatch").addHandler(Keep())
        [(_, err)] = signal.send_robust(None)
        report["response"] = repr(err)
        report["records"] = records
        from cydispatch import _calls

        report["same_logger"] = _calls.logger is logging.getLogger("django.dispatch")
        """,
        backend,
    )
    assert report["before"] == []
    assert report["response"] == "ValueError('boom')"
    assert report["records"] == [
        ["django.dispatch", "ERROR", "Error calling failing in Signal.send_robust() (boom)"]
    ]
    assert report["same_logger"] is True


def test_connect_leaves_django_conf_alone_until_something_imports_it(backend):
    # Django's settings exist once django.conf is imported (it imports asyncio):
    # before, receivers are checked as outside a project, and it stays unimported.
    report = run_report(
        """
        signal = cydispatch.Signal()

        def no_kwargs(sender):
            pass

        try:
            signal.connect(no_kwargs)
        except ValueError as err:
            report["before"] = str(err)
        report["imported"] = imported() + sorted({"django.conf"} & set(sys.modules))

        from django.conf import settings

        settings.configure(DEBUG=False)
        signal.connect(no_kwargs)  # no check outside DEBUG, as in Django
        report["after"] = len(signal.receivers)
        """,
        backend,
    )
    assert report["before"] == "Signal receivers must accept keyword arguments (**kwargs)."
    assert report["imported"] == []
    assert report["after"] == 1
