"""Which Django cydispatch follows: the installed one, read once at import without importing it.

Each case runs in a fresh interpreter, since the choice is made when
cydispatch is first imported. Then: the Django series cydispatch follows are
listed once (``_flavour.SERIES``), and pyproject.toml and noxfile.py follow that list.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import django
import hypothesis
import pytest
from hypothesis import strategies as st

from cydispatch import _flavour

REPORT = """
import json, sys
import cydispatch._flavour as flavour
from cydispatch import _pydispatch
backends = [_pydispatch]
try:  # absent from a pure install
    from cydispatch import _cdispatch
    backends.append(_cdispatch)
except ImportError:
    pass
imported = "django" in sys.modules
def receiver(**kwargs): pass
shapes = []
for each in (backend.Signal() for backend in backends):
    each.connect(receiver, weak=False)
    shapes.append(len(each.receivers[0]))
print(json.dumps({"django": flavour.DJANGO, "imported": imported,
                  "fields": flavour.ENTRY_FIELDS, "shapes": shapes}))
"""


def report(prelude: str = "", path: str | None = None) -> dict:
    env_path = [path] if path else []
    code = textwrap.dedent(prelude) + REPORT
    completed = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = {env_path!r}\n{code}"],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_installed_django_is_followed_without_importing_it():
    found = report()
    assert found["django"] == list(django.VERSION[:2])
    assert found["imported"] is False
    assert found["shapes"] and set(found["shapes"]) == {len(found["fields"])}


@pytest.mark.parametrize(
    ("version", "fields"),
    [
        ("(4, 2, 30, 'final', 0)", ["lookup_key", "receiver"]),
        ("(5, 2, 19, 'final', 0)", ["lookup_key", "receiver", "is_async"]),
        ("(6, 0, 3, 'final', 0)", ["lookup_key", "receiver", "sender_ref", "is_async"]),
    ],
    ids=["4.2", "5.2", "6.0"],
)
def test_the_version_line_of_another_django_is_read(tmp_path, version, fields):
    (tmp_path / "django").mkdir()
    (tmp_path / "django" / "__init__.py").write_text(f"from x import y\nVERSION = {version}\n")
    found = report(path=str(tmp_path))
    assert found["django"] == list(ast.literal_eval(version)[:2])
    assert found["fields"] == fields
    assert found["shapes"] and set(found["shapes"]) == {len(fields)}


def test_without_django_the_newest_that_runs_on_this_python():
    hide_django = """
        import importlib.machinery
        find = importlib.machinery.PathFinder.find_spec
        def without_django(name, path=None, target=None):
            return None if name == "django" else find(name, path, target)
        importlib.machinery.PathFinder.find_spec = without_django
    """
    found = report(hide_django)
    assert found["django"] == ([6, 1] if sys.version_info >= (3, 12) else [5, 2])
    assert found["imported"] is False


ROOT = Path(__file__).resolve().parent.parent
OLDEST, NEWEST = min(_flavour.SERIES), max(_flavour.SERIES)


def test_the_series_are_listed_oldest_first_each_with_its_pythons():
    assert list(_flavour.SERIES) == sorted(_flavour.SERIES)
    for pythons in _flavour.SERIES.values():
        assert pythons and list(pythons) == sorted(pythons, key=lambda python: tuple(map(int, python.split("."))))


def test_pyproject_bounds_django_by_the_oldest_and_newest_series():
    """``Django>=OLDEST,<NEXT`` in the test and docs extras, ``>=OLDEST`` in the others.

    A Django newer than the newest series is not installed for the tests: its
    dispatcher may differ in a way cydispatch does not know yet.
    """
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    django_in = {
        extra: [requirement for requirement in requirements if re.match(r"django\s*[<>=~!]", requirement, re.I)]
        for extra, requirements in extras.items()
    }
    lower = ">={}.{}".format(*OLDEST)
    bounded = f"{lower},<{NEWEST[0]}.{NEWEST[1] + 1}"
    assert django_in["test"] == [f"Django{bounded}"]
    assert django_in["docs"] == [f"Django{bounded}"]
    for extra, requirements in django_in.items():
        assert all(requirement.startswith(f"Django{lower}") for requirement in requirements), extra


def test_noxfile_matrix_is_the_series():
    """noxfile.py reads ``SERIES`` from _flavour.py's source (it runs outside the project's environment)."""
    noxfile = ROOT / "noxfile.py"
    if not noxfile.exists():
        pytest.skip("no noxfile.py (the sdist does not ship it)")
    namespace = {"__file__": str(noxfile), "__name__": "noxfile"}
    with mock.patch.dict(sys.modules, {"nox": mock.MagicMock()}):
        exec(compile(noxfile.read_text(encoding="utf-8"), str(noxfile), "exec"), namespace)
    expected = [
        (python, "{}.{}".format(*series)) for series, pythons in _flavour.SERIES.items() for python in pythons
    ]
    assert namespace["MATRIX"] == expected


VERSION_PATTERN = re.compile(r"^VERSION\s*=\s*\(\s*(\d+)\s*,\s*(\d+)", re.MULTILINE)
#: Pieces of Django's VERSION line and of near misses: other whitespace, other digits.
VERSION_TOKENS = [
    "VERSION", "VERSIONS", "X", "=", "==", "(", ")", ",", " ", "\t", "\n", "\r", "\x0b", "\x1c",
    "\u2003", "0", "5", "12", "\u0663", "\u00b2", "#", "'final'",
]


def version_by_regex(source: str) -> tuple[int, int] | None:
    found = VERSION_PATTERN.search(source)
    return (int(found[1]), int(found[2])) if found else None


@hypothesis.settings(max_examples=2000, deadline=None)
@hypothesis.given(st.lists(st.sampled_from(VERSION_TOKENS), max_size=24).map("".join))
def test_the_version_line_is_read_as_the_regex_reads_it(source):
    """``_flavour`` reads it without ``re`` (an import that costs milliseconds), to the same result."""
    assert _flavour.version_line(source) == version_by_regex(source)


@pytest.mark.parametrize("source", [
    "VERSION = (5, 2, 19, 'final', 0)\n",
    "# VERSION = (1, 0)\nVERSION=(6,1)",
    "VERSION = (\n    4,\n    2,\n)",
    "x\nVERSION = ()\nVERSION = (3, 1)",
    "VERSION = (\u0663, \u0664)",
    "VERSION = (\u00b2, 1)",
    "",
])
def test_the_version_line_examples(source):
    assert _flavour.version_line(source) == version_by_regex(source)


def test_pyproject_classifiers_name_the_series():
    """One ``Framework :: Django :: X.Y`` classifier for each series of ``SERIES``, and no other."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["classifiers"]
    listed = [c.removeprefix("Framework :: Django :: ") for c in classifiers if c.startswith("Framework :: Django ::")]
    assert "Framework :: Django" in classifiers
    assert listed == ["{}.{}".format(*series) for series in _flavour.SERIES]
