"""The manual in docs/: it builds warning-free, and every code example in it runs.

The pages (Markdown, read by Sphinx through MyST) hold two kinds of Python
example: ``{doctest}`` blocks, which ``sphinx-build -b doctest`` runs, and
``{literalinclude}`` blocks that show the scripts of ``examples/``, which
``tests/test_examples.py`` runs. ``test_every_python_example_runs`` keeps it so:
a plain Python code block would be shown and never run. Output shown after a
``% The output of examples/NAME`` comment is compared with a run of the script.

The Sphinx builds need the docs extra (``pip install ".[docs]"``), which the
test extra does not hold: without Sphinx they are skipped, and ``nox -s docs``
runs both builds after installing it. Without ``docs/`` (the sdist ships
``tests/`` but not the manual) everything here is skipped.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
PAGES = sorted(path for path in DOCS.glob("*.md") if not path.name.startswith("_"))
pytestmark = pytest.mark.skipif(not (DOCS / "conf.py").is_file(), reason="no docs/ here (an sdist)")

#: A fenced block: its opening fence, info string, body.
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
PYTHON = {"python", "py", "python3", "pycon", "ipython"}
SPHINX_MISSING = [name for name in ("sphinx", "myst_parser", "furo") if importlib.util.find_spec(name) is None]
needs_sphinx = pytest.mark.skipif(
    bool(SPHINX_MISSING),
    reason=f"the docs extra is not installed (missing {', '.join(SPHINX_MISSING)}): pip install '.[docs]'",
)


def fenced_blocks(path: Path) -> list[tuple[str, str, str]]:
    """``(directive or language, argument, body)`` of each fenced block of a Markdown page."""
    blocks = []
    for match in FENCE.finditer(path.read_text()):
        info = match["info"].strip()
        directive = re.fullmatch(r"\{([\w:-]+)\}\s*(.*)", info)
        if directive:
            blocks.append((directive[1], directive[2].strip(), match["body"]))
        else:
            language, _, argument = info.partition(" ")
            blocks.append((language, argument.strip(), match["body"]))
    return blocks


def test_there_are_pages():
    assert {path.stem for path in PAGES} >= {
        "index", "getting-started", "migrating", "django", "performance", "guarantees", "building", "api",
    }


@pytest.mark.parametrize("page", PAGES, ids=[path.name for path in PAGES])
def test_every_python_example_runs(page):
    """Python is shown only as a ``{doctest}`` block or as an included script of examples/."""
    for kind, argument, body in fenced_blocks(page):
        if kind in ("code-block", "code", "sourcecode"):
            kind = argument.split()[0] if argument else ""
        assert kind not in PYTHON, (
            f"{page.name}: a Python block that nothing runs; make it a {{doctest}} block, or a "
            f"script in examples/ shown with {{literalinclude}}:\n{body}"
        )
        if kind == "literalinclude":
            included = (DOCS / argument).resolve()
            assert included.is_file(), f"{page.name}: {argument} does not exist"
            if included.suffix == ".py":
                assert included.is_relative_to(EXAMPLES), f"{page.name}: {argument} is not run by the tests"
        if kind == "doctest":
            assert body.lstrip().startswith(">>>"), f"{page.name}: a doctest block without >>>:\n{body}"


def shown_outputs():
    """``(page, script, shown output)`` for each block marked as the output of a script of examples/."""
    found = []
    marked = re.compile(r"^% The output of examples/(?P<script>\S+?):.*\n```text\n(?P<output>.*?)^```", re.M | re.S)
    for page in PAGES:
        for match in marked.finditer(page.read_text()):
            found.append(pytest.param(page, match["script"], match["output"], id=f"{page.name}-{match['script']}"))
    return found


def normalized(text: str) -> list[str]:
    """The lines of an output, without what changes between runs: times, the backend in use."""
    text = re.sub(r" in \d+\.\d+s", " in N s", text)
    text = re.sub(r"(compiled backend in use:) (True|False)", r"\1 ...", text)
    return [line.rstrip() for line in text.strip().splitlines()]


@pytest.mark.parametrize("page, script, shown", shown_outputs())
def test_shown_output_is_the_scripts(page, script, shown):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=300, cwd=EXAMPLES
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert normalized(result.stdout) == normalized(shown), f"{page.name} shows another output of {script}"


def test_there_are_shown_outputs():
    assert {script for _, script, _ in (param.values for param in shown_outputs())} >= {
        "quickstart.py", "django_startup.py"
    }


def test_readme_python_blocks_run():
    """Each of README.md's Python blocks runs in a fresh process; a closing ``# <repr>`` comment is its last value."""
    path = ROOT / "README.md"
    blocks = [body for kind, _, body in fenced_blocks(path) if kind in PYTHON]
    assert blocks
    for body in blocks:
        lines = body.rstrip().splitlines()
        want = None
        if lines[-1].startswith("# ") and lines[-2] and not lines[-2].startswith((" ", "#")):
            want = lines[-1][2:]
            lines = [*lines[:-2], f"print(repr({lines[-2]}))"]
        result = subprocess.run(
            [sys.executable, "-W", "error", "-c", "\n".join(lines)], capture_output=True, text=True, timeout=120,
            cwd=ROOT,
        )
        assert result.returncode == 0, f"{path.name}:\n{body}\n{result.stdout}{result.stderr}"
        if want is not None:
            assert doctest.OutputChecker().check_output(want + "\n", result.stdout, doctest.ELLIPSIS), (
                f"{path.name}: the block shows {want}, it gives {result.stdout}"
            )


@needs_sphinx
@pytest.mark.parametrize("builder", ["html", "doctest"])
def test_sphinx_build(builder, tmp_path):
    """``sphinx-build -W --keep-going``: warning-free HTML, and every ``>>>`` example passes."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder, str(DOCS), str(tmp_path)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONWARNINGS": ""},
    )
    report = tmp_path / "output.txt"
    details = report.read_text() if builder == "doctest" and report.is_file() else ""
    assert result.returncode == 0, result.stdout + result.stderr + details
    if builder == "doctest":
        assert re.search(r"^\s*[1-9]\d* tests\n\s*0 failures in tests", details, re.M), details
    else:
        api = (tmp_path / "api.html").read_text()
        shown = re.sub(r"<[^>]+>", "", api)  # the text, as a reader sees it
        # Public names only, and every public module (conf.py's nitpicky = True
        # has already failed the build on an unresolved reference).
        assert "Signal(use_caching=False" in shown
        for private in ("_Connectable", "cydispatch._calls", "(*args"):
            assert private not in shown, f"the API reference shows {private}"
        for public in ('id="cydispatch.django.receiver"', 'id="module-cydispatch.inspect"',
                       'id="cydispatch.Receiver"'):
            assert public in api, f"the API reference lacks {public}"
        assert "https://github.com/cydispatch/cydispatch" in (tmp_path / "index.html").read_text()


def load_tables():
    """``benchmarks/tables.py``, which prints the performance page's figures from a run's JSON."""
    spec = importlib.util.spec_from_file_location("tables", ROOT / "benchmarks" / "tables.py")
    assert spec is not None and spec.loader is not None
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    return tables


def test_the_performance_page_shows_the_committed_run():
    """Its table is what ``benchmarks/tables.py`` prints from ``docs/benchmarks.json``."""
    run = json.loads((DOCS / "benchmarks.json").read_text())
    table = load_tables().speed_table(run)
    assert table in (DOCS / "performance.md").read_text()
    assert not re.search(r"\| \*{0,2}0\.00\*{0,2} ", table), "a ratio printed as 0.00"


def test_readme_and_the_performance_page_give_one_headline_figure():
    """Both say how much faster than Django, from the committed run (``tables.headline``)."""
    run = json.loads((DOCS / "benchmarks.json").read_text())
    claim = f"{load_tables().headline(run)} faster than Django's"
    for path in (ROOT / "README.md", DOCS / "performance.md"):
        text = " ".join(path.read_text().split())  # lines joined
        assert claim in text, f"{path.name} does not say {claim!r}"


def test_readme_images_and_links_work_on_the_package_index():
    """PyPI shows README.md without the repository: a relative image or link breaks there."""
    text = (ROOT / "README.md").read_text()
    targets = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", text)
    assert targets
    for target in targets:
        assert target.startswith("https://"), f"README.md: {target} is relative, broken on PyPI"
    assert "https://github.com/cydispatch/cydispatch" in text
