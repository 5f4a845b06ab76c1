"""pytest configuration of the benchmarks (independent of ``tests/conftest.py``).

Run them with pytest-benchmark::

    pytest benchmarks/ --benchmark-only            # timed, grouped per scenario
    pytest benchmarks/ --benchmark-disable         # untimed: each benchmark runs once

This file only makes ``scenarios`` importable whatever ``--import-mode`` is,
and prints the machine in the report header.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def pytest_report_header() -> list[str]:
    from compare import cpu_model

    return [f"benchmarks: {platform.python_implementation()} {platform.python_version()}, "
            f"{platform.platform()}, {cpu_model()}"]
