"""Every CI step, defined once: ``.ci/run`` and the workflows call these sessions.

``nox -l`` lists them; ``nox -s NAME`` runs one, ``nox -s "tests(python='3.12', django='6.1')"``
one combination of a matrix. Locally, ``nox -R`` reuses the virtual environments.

* ``lint``: ruff, mypy and cython-lint.
* ``tests(python, django)``: README's test command, on each supported Python
  with each supported Django series (the matrix: ``SERIES`` in
  ``src/cydispatch/_flavour.py``, the one list of both).
* ``pure(python)``: the suite on the pure-Python build, with the newest Django
  that runs on that Python.
* ``django_suite(python, django)``: Django's own tests of its signals, on stock
  Django and on each backend after ``install()`` (``scripts/run_django_suite.py``).
* ``docs``: the manual built warning-free as Read the Docs builds it, its
  ``>>>`` examples run, and ``tests/test_docs.py``.
* ``benchmarks``: each benchmark run once, untimed, and the ORM benchmark for a
  few short rounds, so that they cannot rot.
* ``callgrind``: the instructions-per-send gate (``benchmarks/callgrind.py``; needs valgrind).
* ``compare``: the timed gate against the yardstick (``benchmarks/compare.py --gate``).
* ``coverage``: the suite under coverage, Cython code included (a tracing build).
* ``dist``: the packaging checks (``scripts/check_dist.py``).

Options after ``--`` go to the session's main command (pytest, callgrind.py, compare.py).
"""

from __future__ import annotations

import ast
import atexit
import shutil
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).resolve().parent


def django_series() -> dict[str, tuple[str, ...]]:
    """``_flavour.SERIES`` as ``{"6.1": ("3.12", ...)}``, read from its source.

    nox runs outside the project's environment, where cydispatch may not be
    importable (and its import would read the installed Django): the literal
    is parsed instead.
    """
    module = ast.parse((ROOT / "src" / "cydispatch" / "_flavour.py").read_text(encoding="utf-8"))
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "SERIES" for target in node.targets
        ):
            series = ast.literal_eval(node.value)
            return {f"{major}.{minor}": pythons for (major, minor), pythons in series.items()}
    raise LookupError("src/cydispatch/_flavour.py assigns no SERIES")


#: Each supported Django series, with the Pythons it supports.
DJANGO = django_series()
#: ``(python, django)``: every combination.
MATRIX = [(python, django) for django, pythons in DJANGO.items() for python in pythons]
#: Every Python some supported Django runs on.
PYTHONS = sorted({python for python, _ in MATRIX}, key=lambda version: tuple(map(int, version.split("."))))
#: The apps of Django's own test suite that exercise its signals.
DJANGO_APPS = (
    "dispatch signals m2m_signals delete delete_regress auth_tests migrate_signals handlers "
    "save_delete_hooks fixtures test_client"
).split()
#: What ``benchmarks/floor.py`` compiles the floor with, in the ``bench`` extra since the floor came:
#: ``callgrind --project`` installs another commit's project, whose extra may predate it, under
#: this checkout's benchmarks, which compile it.
FLOOR_BUILD = ("Cython>=3.1", "setuptools>=77")
#: The linters, pinned: a new release's new rules must not fail a commit that passed.
LINTERS = ("ruff==0.17.6", "mypy==2.4.1", "cython-lint==0.22.1")

#: The project's wheels, built once per source tree and interpreter (or pure)
#: in a nox run: compiling the core takes about a minute, and several sessions
#: share an interpreter.
_WHEELS: dict[tuple[Path, str], Path] = {}


def install_project(
    session: nox.Session, extras: str = "", *requirements: str, pure: bool = False, source: Path = ROOT
) -> None:
    """Install the project in ``source`` from its wheel, with ``extras`` (``"test"``, ``"docs"``) and ``requirements``.

    ``pure=True`` builds the pure-Python wheel (``CYDISPATCH_NO_EXTENSIONS=1``);
    otherwise the variable is unset for the build, which compiles the core.
    """
    build = "pure" if pure else session.run(
        "python", "-c", "import sys; print(sys.implementation.cache_tag)", silent=True
    ).strip()
    if (source, build) not in _WHEELS:
        out = Path(tempfile.mkdtemp(prefix="cydispatch-wheel-"))
        atexit.register(shutil.rmtree, out, ignore_errors=True)
        session.run(
            "python", "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(source),
            env={"CYDISPATCH_NO_EXTENSIONS": "1" if pure else None},
        )
        (_WHEELS[source, build],) = out.glob("cydispatch-*.whl")
    wheel = _WHEELS[source, build]
    session.install(f"{wheel}[{extras}]" if extras else str(wheel), *requirements)
    # A reused environment (-R) holds an earlier build of the same version, which pip would keep.
    session.install("--no-deps", "--force-reinstall", str(wheel))


def print_versions(session: nox.Session) -> None:
    session.run(
        "python", "-c",
        "import django, cydispatch; print('Django', django.get_version(), '- compiled:', cydispatch.USE_EXTENSIONS)",
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, mypy (on the pure install: it reads the dependencies' types) and cython-lint."""
    install_project(session, "test", *LINTERS, pure=True)
    session.run("ruff", "check", ".")
    session.run("mypy")  # files and options: [tool.mypy] in pyproject.toml
    session.run("cython-lint", *(str(path.relative_to(ROOT)) for suffix in ("pyx", "pxd")
                                 for path in sorted(ROOT.glob(f"src/cydispatch/*.{suffix}"))))


@nox.session
@nox.parametrize("python,django", MATRIX)
def tests(session: nox.Session, django: str) -> None:
    """The test suite with the newest release of one Django series."""
    install_project(session, "test", f"Django~={django}.0")
    print_versions(session)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=PYTHONS)
def pure(session: nox.Session) -> None:
    """The test suite on the pure-Python build, which must be the one that loads."""
    install_project(session, "test", pure=True)
    print_versions(session)
    session.run("python", "-c", "import cydispatch, sys; sys.exit(cydispatch.USE_EXTENSIONS is not False)")
    session.run("python", "-m", "pytest", "--no-c-extensions", *session.posargs)


@nox.session
@nox.parametrize("python,django", MATRIX)
def django_suite(session: nox.Session, django: str) -> None:
    """Django's own tests of its signals, on stock Django and on each backend after install()."""
    install_project(session, "", f"Django~={django}.0", "tblib")
    version = session.run(
        "python", "-c", "import django; print(django.get_version())", silent=True
    ).strip()
    source = session.create_tmp()
    session.run(
        "python", "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
        f"Django=={version}", "--dest", source,
    )
    session.run("tar", "xzf", f"{source}/django-{version}.tar.gz", "-C", source, external=True)
    tree = f"{source}/django-{version}"
    for backend in ("stock", "c", "py"):
        session.run("python", "scripts/run_django_suite.py", tree, backend, *DJANGO_APPS, "--parallel", "2")


@nox.session
def docs(session: nox.Session) -> None:
    """The manual, as Read the Docs builds it (.readthedocs.yaml), into docs/_build; its tests.

    ``tests/test_docs.py`` runs the same two Sphinx builds (``test_sphinx_build``),
    deselected here, where they have just run.
    """
    install_project(session, "docs", "pytest", "hypothesis")
    for builder in ("html", "doctest"):
        session.run("python", "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder, "docs",
                    f"docs/_build/{builder}")
    session.run("python", "-m", "pytest", "tests/test_docs.py", "-q", "-p", "no:cacheprovider",
                "-k", "not test_sphinx_build", *session.posargs)


@nox.session
def benchmarks(session: nox.Session) -> None:
    """Each benchmark once, untimed, and the ORM benchmark for a few short rounds, so that they cannot rot."""
    install_project(session, "bench", "pytest")
    session.run("python", "-m", "pytest", "benchmarks", "--benchmark-disable", "-q", *session.posargs)
    session.run("python", "benchmarks/django_orm.py", "--rounds", "2", "--saves", "100")


@nox.session
def callgrind(session: nox.Session) -> None:
    """Instructions per send of the compiled backend against a baseline (benchmarks/callgrind.py).

    ``nox -s callgrind -- --baseline FILE [--update]``: options of callgrind.py.
    ``--project DIR`` first counts the project in DIR (another commit's
    checkout) with this checkout's scenarios.
    """
    args = list(session.posargs)
    source = ROOT
    if args[:1] == ["--project"]:
        source, args = Path(args[1]).resolve(), args[2:]
    install_project(session, "bench", *FLOOR_BUILD, source=source)
    session.run("python", "benchmarks/callgrind.py", *args)


@nox.session
def compare(session: nox.Session) -> None:
    """The timed gate: cydispatch against the yardstick and the others (benchmarks/compare.py --gate).

    Times are not reliable on shared machines: this runs in benchmarks.yml only.
    """
    install_project(session, "bench")
    # The compiled backend, from the installed wheel (src/ is not on sys.path), is what is measured.
    session.run("python", "-c", "import cydispatch, sys; print(cydispatch.__file__); "
                "sys.exit(not cydispatch.USE_EXTENSIONS)")
    session.run("python", "benchmarks/compare.py", "--gate", *session.posargs)


@nox.session
def coverage(session: nox.Session) -> None:
    """The suite under coverage of the Python and the Cython code; reports in htmlcov/, coverage.xml, coverage.md.

    The build is in place and editable, without build isolation: Cython.Coverage,
    from the same Cython that generated the C, finds each module's C file beside
    its source. ``CYDISPATCH_CYTHON_TRACE=1`` turns on linetrace (setup.py).
    The tests that measure object counts and traced memory across rounds
    would count coverage's own data: they run in the other sessions.
    """
    session.install("setuptools>=77", "Cython>=3.1", "coverage")
    session.install("--no-build-isolation", "--editable", ".[test]", env={"CYDISPATCH_CYTHON_TRACE": "1"})
    session.run("python", "-m", "coverage", "run", "-m", "pytest", "-k", "not stays_flat", *session.posargs)
    session.run("python", "-m", "coverage", "report")
    with open(ROOT / "coverage.md", "w", encoding="utf-8") as markdown:
        session.run("python", "-m", "coverage", "report", "--format=markdown", stdout=markdown)
    session.run("python", "-m", "coverage", "html")
    session.run("python", "-m", "coverage", "xml")


@nox.session
def dist(session: nox.Session) -> None:
    """The packaging checks (scripts/check_dist.py: Python 3.11+; it makes its own environments)."""
    session.run("python", "scripts/check_dist.py")
