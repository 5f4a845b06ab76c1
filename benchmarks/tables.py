"""The Markdown tables of the manual's performance page, from a ``compare.py`` JSON file.

    python benchmarks/tables.py [docs/benchmarks.json]

The page shows these tables as printed here, so its figures are the run's
(``tests/test_docs.py`` checks that they still are), and so does the headline
figure that README.md and the page share (``headline``).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.json"

#: (column title, implementation, figure): "x" is the time over Django's, "yard" over the yardstick's.
COLUMNS = (
    ("cydispatch compiled", "cydispatch-c", "ns"),
    ("× yardstick", "cydispatch-c", "yard"),
    ("× Django", "cydispatch-c", "x"),
    ("pure", "cydispatch-py", "x"),
    ("Django cached", "django-cached", "x"),
    ("blinker", "blinker", "x"),
)
PSYGNAL = ("psygnal.emit", "psygnal.emit_fast")


def _ns(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2f} ms"
    if value >= 1_000:
        return f"{value / 1_000:.3g} µs"
    return f"{value:.3g} ns"


def ratio(value: float) -> str:
    """A ratio with two significant digits at least: ``0.26``, ``0.0051``, ``0.000089``, never ``0.00``."""
    if value <= 0 or value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.{1 - math.floor(math.log10(value))}f}"


def _figure(result: dict[str, Any] | None, figure: str) -> str:
    if result is None or result.get("ns_per_call") is None:
        return "n/a"
    if figure == "ns":
        return _ns(result["ns_per_call"])
    value = result["x_yardstick" if figure == "yard" else "x_django"]
    return "–" if value is None else ratio(value)


def speed_table(run: dict[str, Any]) -> str:
    """One row per scenario: the compiled backend's time and ratios, the others' ratios to Django."""
    header = [title for title, _, _ in COLUMNS] + ["psygnal `emit`* / `emit_fast`*"]
    lines = ["| scenario | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
    for scenario in run["scenarios"]:
        results = scenario["results"]
        cells = [_figure(results.get(name), figure) for _, name, figure in COLUMNS]
        cells[2] = f"**{cells[2]}**"
        cells.append(" / ".join(_figure(results.get(name), "x") for name in PSYGNAL))
        lines.append(f"| {scenario['title']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(run: dict[str, Any]) -> str:
    """How much faster than Django the compiled backend sends synchronously: ``"3.8 to 7.5 times"``.

    Over the ``send`` and ``send_robust`` scenarios whose receivers are
    connected for any sender; those that pick 1 receiver among many senders
    are far beyond it (Django scans every connection), and ``asend`` is
    dominated by the event loop.
    """
    speedups = [
        1 / scenario["results"]["cydispatch-c"]["x_django"]
        for scenario in run["scenarios"]
        if scenario["title"].startswith("send") and "match among" not in scenario["title"]
    ]
    return f"{min(speedups):.1f} to {max(speedups):.1f} times"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument(
        "results", metavar="RESULTS.json", type=Path, nargs="?", default=DEFAULT,
        help="the JSON file of compare.py --json (default: the manual's, docs/benchmarks.json)",
    )
    args = parser.parse_args(argv)
    try:
        run = json.loads(args.results.read_text())
    except (OSError, ValueError) as error:
        parser.error(f"cannot read {args.results}: {error}")
    print(speed_table(run))
    print(f"\nheadline: {headline(run)} faster than Django's in synchronous sends")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
