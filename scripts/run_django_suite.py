#!/usr/bin/env python
"""Run Django's own test suite with Django's signals on cydispatch.

Django's ``tests/runtests.py`` imports ``django.db`` and ``django.test`` on its
first lines, and those imports build Django's signals. ``cydispatch.django.install()``
must run before that, so this script calls it and only then runs
``runtests.py`` in the same interpreter (``runpy.run_path`` with
``run_name="__main__"``, ``sys.argv`` set, the working directory and
``sys.path[0]`` set to the tests directory, as ``python runtests.py`` would).

Usage::

    python scripts/run_django_suite.py DJANGO_SRC BACKEND [runtests.py arguments ...]

``DJANGO_SRC``
    A Django source tree with its tests: a git checkout or an unpacked sdist
    (the directory that holds ``django/`` and ``tests/runtests.py``).
``BACKEND``
    ``stock``: Django's own dispatcher (cydispatch is not imported): the baseline.
    ``c``: ``install()`` with the compiled backend (``cydispatch._cdispatch``);
    refuses to run if it is not importable.
    ``py``: ``install()`` with the pure-Python backend (``cydispatch._pydispatch``),
    selected with ``CYDISPATCH_NO_EXTENSIONS=1``.
Everything after ``BACKEND`` goes to ``runtests.py`` unchanged: test labels and
options, e.g. ``dispatch signals --parallel 1 -v 2``.

The Django that runs is the importable one (install it into the environment,
e.g. ``pip install DJANGO_SRC``, as Django's tests/README.rst asks); the script
refuses to run when its version differs from the tree's, whose tests would
not match it. ``--django-from-tree`` (before ``DJANGO_SRC``) puts the tree
itself first on ``sys.path`` instead.

Checks, printed on lines starting ``[run_django_suite]``:

* before the run: ``django.dispatch.Signal`` is ``cydispatch.django.Signal``
  (or Django's own, for ``stock``), which cydispatch backend is loaded, and
  the MRO of ``type(django.db.models.signals.post_save)``;
* after the run: every signal object held by a loaded module (Django's, the
  test apps') is counted by class: with ``c`` or ``py`` none may be built on
  Django's original ``Signal``; if any is, the script says so and exits 3.

Parallel runs: the test processes must inherit the installed dispatcher, so
when ``--parallel`` is not 1 the script makes ``multiprocessing`` use ``fork``
for every backend (stock included, so that runs compare); a ``spawn`` or
``forkserver`` worker would start ``runtests.py`` afresh, on Django's own
dispatcher. As with Django's own parallel runs, ``tblib`` must be installed
for a failing test's traceback to reach the parent process (without it the
whole run stops at the first failure). ``--bisect`` and ``--pair`` start ``runtests.py`` in
subprocesses, and are refused except with ``stock``.

The exit status is runtests.py's (0 when all tests pass, 1 otherwise), 2 for a
usage error, 3 when the check after the run fails.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import runpy
import sys
import types
from pathlib import Path
from typing import NoReturn

PREFIX = "[run_django_suite]"
BACKENDS = ("stock", "c", "py")


def say(message: str) -> None:
    print(f"{PREFIX} {message}", file=sys.stderr, flush=True)


def fail(message: str, status: int = 2) -> NoReturn:
    say(f"error: {message}")
    sys.exit(status)


def tree_version(django_src: Path) -> tuple:
    """``VERSION`` from the tree's ``django/__init__.py``, read without importing it."""
    source = (django_src / "django" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^VERSION\s*=\s*(\(.*?\))", source, re.MULTILINE)
    if not match:
        fail(f"no VERSION in {django_src / 'django' / '__init__.py'}")
    return ast.literal_eval(match.group(1))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run Django's tests/runtests.py with Django's signals on cydispatch (or stock).",
        epilog="Arguments after BACKEND are passed to runtests.py unchanged.",
    )
    parser.add_argument(
        "--django-from-tree",
        action="store_true",
        help="import Django from DJANGO_SRC itself rather than from the environment",
    )
    parser.add_argument("django_src", metavar="DJANGO_SRC", type=Path, help="Django source tree")
    parser.add_argument("backend", metavar="BACKEND", choices=BACKENDS, help="one of: " + ", ".join(BACKENDS))
    parser.add_argument("runtests_args", nargs=argparse.REMAINDER, help="labels and options for runtests.py")
    return parser.parse_args(argv)


def parallel_requested(runtests_args: list[str]) -> bool:
    """Whether runtests.py may start worker processes (its default, ``auto``, may)."""
    value = None
    for i, arg in enumerate(runtests_args):
        if arg == "--parallel":
            value = runtests_args[i + 1] if i + 1 < len(runtests_args) else None
        elif arg.startswith("--parallel="):
            value = arg.split("=", 1)[1]
    if value is None:
        value = os.environ.get("DJANGO_TEST_PROCESSES", "auto")
    return value.strip() != "1"


def prepare_backend(backend: str) -> None:
    """Select the cydispatch backend through the environment, before cydispatch is imported."""
    if "cydispatch" in sys.modules:
        fail("cydispatch was imported before the backend could be chosen")
    if backend == "py":
        os.environ["CYDISPATCH_NO_EXTENSIONS"] = "1"
    else:
        # The compiled backend, and stock runs' subprocesses, must not inherit it.
        os.environ.pop("CYDISPATCH_NO_EXTENSIONS", None)


def install(backend: str) -> type:
    """Install cydispatch into Django (unless ``stock``); return Django's original ``Signal``."""
    import django
    import django.dispatch.dispatcher

    original = django.dispatch.dispatcher.Signal
    say(f"Django {django.get_version()} from {Path(django.__file__).parent}")
    say(f"Python {sys.version.split()[0]} ({sys.executable})")
    if backend == "stock":
        say("backend: stock (django.dispatch, cydispatch not imported)")
        return original

    import cydispatch
    import cydispatch.django

    if backend == "c" and not cydispatch.USE_EXTENSIONS:
        fail("backend 'c' asked for, but cydispatch._cdispatch could not be imported (pure install?)")
    if backend == "py" and cydispatch.USE_EXTENSIONS:
        fail("backend 'py' asked for, but the compiled backend was loaded")
    cydispatch.django.install()

    import django.dispatch

    for module in (django.dispatch, django.dispatch.dispatcher):
        if module.Signal is not cydispatch.django.Signal:
            fail(f"install() did not take effect: {module.__name__}.Signal is {module.Signal!r}")
    say(
        f"backend: {backend}: cydispatch {cydispatch.__version__} from "
        f"{Path(cydispatch.__file__).parent}, base {cydispatch.Signal.__module__}.Signal, "
        f"USE_EXTENSIONS={cydispatch.USE_EXTENSIONS}"
    )
    return original


def report_signal_classes(stage: str, original: type) -> dict[str, int]:
    """Count the signals held by loaded modules, by class; name those on Django's original Signal."""
    counts: dict[str, int] = {}
    seen: set[int] = set()
    on_original: list[str] = []
    cydispatch = sys.modules.get("cydispatch")
    bases = (original, cydispatch.Signal) if cydispatch is not None else (original,)
    for module_name, module in list(sys.modules.items()):
        if not issubclass(type(module), types.ModuleType):
            continue
        try:
            namespace = list(vars(module).items())
        except TypeError:
            continue
        for name, value in namespace:
            kind = type(value)
            # type(), never isinstance(): lazy objects evaluate themselves on isinstance().
            if not issubclass(kind, bases) or id(value) in seen:
                continue
            seen.add(id(value))
            on = "django.dispatch" if issubclass(kind, original) else "cydispatch"
            label = f"{kind.__module__}.{kind.__qualname__} (on {on})"
            counts[label] = counts.get(label, 0) + 1
            if issubclass(kind, original):
                on_original.append(f"{module_name}.{name}")
    shown = ", ".join(f"{count} {label}" for label, count in sorted(counts.items()))
    say(f"{stage}: signals held by loaded modules: {shown or 'none'}")
    if on_original and original is not bases[-1]:
        say(f"{stage}: built on Django's original Signal: {', '.join(sorted(on_original)[:20])}")
    return {"on_original": len(on_original), "total": len(seen)}


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    django_src = args.django_src.resolve()
    tests_dir = django_src / "tests"
    runtests = tests_dir / "runtests.py"
    if not runtests.is_file():
        fail(f"{runtests} not found: DJANGO_SRC must be a Django source tree with its tests")
    forks = {"--bisect", "--pair"} & {a.split("=", 1)[0] for a in args.runtests_args}
    if forks and args.backend != "stock":
        fail(f"{', '.join(sorted(forks))} runs runtests.py in subprocesses, without install(): use 'stock'")

    if args.django_from_tree:
        sys.path.insert(0, str(django_src))
    prepare_backend(args.backend)

    # Importing the package alone builds no signal: install() can still follow.
    import django

    expected = tree_version(django_src)
    if tuple(django.VERSION) != tuple(expected):
        fail(
            f"the importable Django ({django.__file__}) is {django.VERSION}, the tree's tests "
            f"are for {expected}: `pip install {django_src}`, or pass --django-from-tree"
        )
    original = install(args.backend)

    import django.db.models.signals

    mro = " -> ".join(f"{c.__module__}.{c.__qualname__}" for c in type(django.db.models.signals.post_save).__mro__)
    say(f"type(post_save).__mro__: {mro}")
    if args.backend != "stock":
        import cydispatch.django

        if not isinstance(django.db.models.signals.post_save, cydispatch.django.Signal):
            fail("post_save is not a cydispatch signal after install()")

    if parallel_requested(args.runtests_args):
        import multiprocessing

        before = multiprocessing.get_start_method(allow_none=True)
        if before != "fork":
            multiprocessing.set_start_method("fork", force=True)
        say(f"worker processes: multiprocessing start method 'fork' (was {before or 'unset'})")

    # As `cd DJANGO_SRC/tests && python runtests.py ...` would run it.
    os.chdir(tests_dir)
    sys.path.insert(0, str(tests_dir))
    sys.argv = [str(runtests), *args.runtests_args]
    say(f"running: {runtests} {' '.join(args.runtests_args)}")
    status = 0
    try:
        runpy.run_path(str(runtests), run_name="__main__")
    except SystemExit as exit_:
        code = exit_.code
        status = code if isinstance(code, int) else (0 if code is None else 1)

    after = report_signal_classes("after the run", original)
    if args.backend != "stock" and after["on_original"]:
        say("error: some signals were built on Django's own Signal: install() did not cover them")
        return 3
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
