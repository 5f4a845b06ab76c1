"""Which Django cydispatch follows: the installed one, read once at import without importing it.

Each case runs in a fresh interpreter, since the choice is made when
cydispatch is first imported.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap

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
