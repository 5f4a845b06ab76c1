"""The Markdown tables of the manual's performance page, from a ``compare.py`` JSON file.

    python benchmarks/tables.py [docs/benchmarks.json]

The page shows these tables as printed here, so its figures are the run's
(``tests/test_docs.py`` checks that they still are).
"""

from __future__ import annotations

import argparse
import json
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


def _figure(result: dict[str, Any] | None, figure: str) -> str:
    if result is None or result.get("ns_per_call") is None:
        return "n/a"
    if figure == "ns":
        return _ns(result["ns_per_call"])
    value = result["x_yardstick" if figure == "yard" else "x_django"]
    return "–" if value is None else f"{value:.2f}"


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
