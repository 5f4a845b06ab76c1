"""The test matrix: the suite on each supported Python with each supported Django.

``nox -s tests`` runs every combination; ``nox -s "tests(python='3.12', django='6.1')"``
one of them (``nox -l`` lists them). Each session installs the project (the
compiled backend is built) with its test extra and the Django series named,
and runs the README's test command. ``.ci/run`` runs the combinations that
the interpreters on these machines allow; GitHub Actions runs them all
(``.github/workflows/django.yml``).

``nox -s django_suite`` runs Django's own tests of its dispatcher and of the
code around it with Django's signals on cydispatch (``scripts/run_django_suite.py``).
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True

#: Each supported Django series, with the Pythons it supports.
DJANGO = {
    "4.2": ("3.10", "3.11", "3.12"),
    "5.2": ("3.10", "3.11", "3.12", "3.13", "3.14"),
    "6.1": ("3.12", "3.13", "3.14", "3.15"),
}
#: ``(python, django)``: every combination.
MATRIX = [(python, django) for django, pythons in DJANGO.items() for python in pythons]
#: The apps of Django's own test suite that exercise its signals.
DJANGO_APPS = (
    "dispatch signals m2m_signals delete delete_regress auth_tests migrate_signals handlers "
    "save_delete_hooks fixtures test_client"
).split()


@nox.session
@nox.parametrize("python,django", MATRIX)
def tests(session: nox.Session, django: str) -> None:
    """The test suite with the newest release of one Django series."""
    session.install(".[test]", f"Django~={django}.0")
    session.run("python", "-c", "import django, cydispatch; print(django.get_version(), cydispatch.USE_EXTENSIONS)")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
@nox.parametrize("python,django", MATRIX)
def django_suite(session: nox.Session, django: str) -> None:
    """Django's own tests of its signals, on stock Django and on each backend after install()."""
    session.install(".", f"Django~={django}.0", "tblib")
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
