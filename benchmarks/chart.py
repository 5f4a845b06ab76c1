"""Draw the chart of a ``compare.py`` run (matplotlib, from the ``bench`` extra).

    python benchmarks/chart.py RESULTS.json [CHART.png]

``compare.py`` draws it itself; this redraws one from the JSON it wrote
(``compare.py --json RESULTS.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

#: Implementation -> (colour, hatch). Grey: hand-written; blues: cydispatch; oranges: Django.
STYLE: dict[str, tuple[str, str]] = {
    "yardstick": ("#9e9e9e", ""),
    "cydispatch-c": ("#1f5fa8", ""),
    "cydispatch-py": ("#7fb2e5", ""),
    "django": ("#d9631e", ""),
    "django-cached": ("#f2a66b", ""),
    "blinker": ("#5b9e5b", ""),
    "psygnal.emit": ("#b07cc6", "//"),
    "psygnal.emit_fast": ("#dcc2e8", "//"),
}
MEMORY_COLOURS = {"per_function": "#1f5fa8", "per_method": "#7fb2e5"}
#: Up to this many scenarios, one panel of bars; more go in two panels side by side,
#: each with its own time axis (a 30 ms bar would squash a 100 ns one).
ONE_PANEL_MAX = 12


def fmt_ns(value: float) -> str:
    """``value`` ns, in ns or µs, for labels."""
    if value >= 10_000_000:
        return f"{value / 1e6:,.0f} ms"
    if value >= 1_000_000:
        return f"{value / 1e6:,.1f} ms"
    if value >= 10_000:
        return f"{value / 1000:,.0f} µs"
    if value >= 1_000:
        return f"{value / 1000:,.1f} µs"
    return f"{value:,.0f} ns"


def _fmt_bytes(value: float) -> str:
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= size:
            return f"{value / size:,.1f} {unit}"
    return f"{value:,.0f} B"


def draw(data: dict[str, Any], path: str | Path) -> None:
    """Draw ``data`` (the JSON document of ``compare.py``) into the PNG ``path``."""
    implementations = list(data["implementations"])
    scenarios = data["scenarios"]
    memories = data.get("memory")
    env = data["environment"]

    if not scenarios and not memories:
        raise ValueError("nothing to draw: no scenario and no memory figures")
    half = -(-len(scenarios) // 2)
    parts = [scenarios] if len(scenarios) <= ONE_PANEL_MAX else [scenarios[:half], scenarios[half:]]
    rows = max((len(part) * (len(implementations) + 1) for part in parts), default=0)
    heights = ([max(4.0, 0.16 * rows)] if scenarios else []) + ([3.2] if memories else [])
    total = sum(heights) + 2.4
    fig = plt.figure(figsize=(12 if len(parts) == 1 else 21, total), dpi=110)
    grid = fig.add_gridspec(
        len(heights), 2, height_ratios=heights,
        hspace=0.1 + 1.4 / sum(heights), wspace=0.3 if len(parts) == 1 else 0.45,
        top=1 - 1.55 / total, bottom=0.5 / total,
    )
    if scenarios:
        for column, part in enumerate(parts):
            ax = fig.add_subplot(grid[0, :] if len(parts) == 1 else grid[0, column])
            _draw_times(ax, part, implementations, data["implementations"], legend=column == 0)
    if memories:
        row = len(heights) - 1
        _draw_memory(fig.add_subplot(grid[row, 0]), fig.add_subplot(grid[row, 1]), memories, data["settings"])

    python = env["python"].split()[0]
    fig.suptitle(
        f"cydispatch vs Django, blinker, psygnal — {env['implementation']} {python}, "
        f"{env['cpu']}, {env['cpus']} CPUs",
        fontsize=12, fontweight="bold", y=1 - 0.15 / total,
    )
    settings = data["settings"]
    fig.text(
        0.5, 1 - 0.42 / total,
        f"one process, same receivers; median of {settings['rounds']} interleaved rounds, "
        f"gc off; Django {env.get('django', '?')}, blinker {env.get('blinker', '?')}, "
        f"psygnal {env.get('psygnal', '?')}. Bar labels: time (ratio to Django's Signal, "
        "use_caching=False).",
        ha="center", fontsize=8.5, color="#444444",
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def _draw_times(ax: Any, scenarios: list[dict[str, Any]], implementations: list[str],
                described: dict[str, Any], legend: bool = True) -> None:
    ticks, tick_labels = [], []
    y = 0.0
    lowest = min(
        (r["ns_per_call"] for s in scenarios for r in s["results"].values() if r.get("ns_per_call")),
        default=10.0,
    )
    left = 10 ** (int(f"{lowest:e}".split("e")[1]))  # the decade below the fastest figure
    for scenario in scenarios:
        start = y
        for name in implementations:
            result = scenario["results"].get(name, {})
            colour, hatch = STYLE.get(name, ("#444444", ""))
            value = result.get("ns_per_call")
            if value:
                ax.barh(y, value - left, left=left, height=0.82, color=colour, hatch=hatch,
                        edgecolor="white" if not hatch else "#6d4a7d", linewidth=0.5)
                x_django = result.get("x_django")
                text = fmt_ns(value)
                if x_django is not None and name != "django":
                    # Two significant digits for the small ratios of the big sizes, not "0.00".
                    text += f"  ({x_django:.2f}× Django)" if x_django >= 0.1 else f"  ({x_django:.2g}× Django)"
                ax.text(value * 1.06, y, text, va="center", fontsize=6.8)
            else:
                why = "n/a" if "unsupported" in result else "error" if result.get("error") else ""
                ax.text(left * 1.08, y, f"{why} — {described[name]['label']}", va="center",
                        fontsize=6.5, color="#777777", style="italic")
            y += 1
        ticks.append((start + y - 1) / 2)
        tick_labels.append(scenario["title"])
        y += 1  # a gap between scenarios
    ax.set_xscale("log")
    ax.set_xlim(left=left)
    right = max((r.get("ns_per_call") or 0) for s in scenarios for r in s["results"].values())
    ax.set_xlim(right=right * 6)
    ax.set_yticks(ticks, tick_labels, fontsize=9)
    ax.set_ylim(y - 0.5, -1)
    ax.set_xlabel("ns per call, median (log scale; lower is better)")
    ax.grid(axis="x", which="major", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    if not legend:
        return
    handles = [
        Patch(facecolor=STYLE[name][0], hatch=STYLE[name][1], edgecolor="#6d4a7d" if STYLE[name][1] else "white",
              label=described[name]["label"])
        for name in implementations if name in STYLE
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8,
              frameon=False, title="n/a: the library cannot do it;  *: does less (no sender filter, "
              "no results; see README)", title_fontsize=7.5)


def _draw_memory(ax_size: Any, ax_growth: Any, memories: list[dict[str, Any]], settings: dict[str, Any]) -> None:
    measured = [m for m in memories if not m.get("error")]
    names = [m["library"] for m in measured]
    positions = range(len(measured))
    width = 0.4
    for offset, key, text in ((-width / 2, "per_function", "functions"), (width / 2, "per_method", "bound methods")):
        values = [m[key] for m in measured]
        bars = ax_size.bar([p + offset for p in positions], values, width, color=MEMORY_COLOURS[key], label=text)
        ax_size.bar_label(bars, labels=[f"{v:,.0f}" for v in values], fontsize=6.5, padding=1)
    receivers = settings.get("memory", {}).get("receivers", 0)
    ax_size.set_title(f"bytes per connected receiver ({receivers:,} connected, weak)", fontsize=9)
    ax_size.set_xticks(list(positions), names, rotation=20, ha="right", fontsize=8)
    ax_size.legend(fontsize=7)
    ax_size.tick_params(axis="y", labelsize=7)
    ax_size.margins(y=0.15)

    cycles = settings.get("memory", {}).get("cycles", 0)
    growth = [max(m["growth"], 0) for m in measured]
    colours = ["#d9631e" if g > 1e5 else "#1f5fa8" for g in growth]
    bars = ax_growth.bar(list(positions), growth, 0.6, color=colours)
    ax_growth.bar_label(bars, labels=[_fmt_bytes(m["growth"]) for m in measured], fontsize=7, padding=1)
    ax_growth.set_title(f"memory left after {cycles:,} connect+disconnect cycles", fontsize=9)
    ax_growth.set_xticks(list(positions), names, rotation=20, ha="right", fontsize=8)
    ax_growth.tick_params(axis="y", labelsize=7)
    ax_growth.yaxis.set_major_formatter(lambda value, _: _fmt_bytes(value))
    ax_growth.margins(y=0.15)
    for axis in (ax_size, ax_growth):
        for spine in ("top", "right"):
            axis.spines[spine].set_visible(False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("results", metavar="RESULTS.json", type=Path, help="the JSON file of compare.py --json")
    parser.add_argument(
        "chart", metavar="CHART.png", nargs="?", default=".benchmarks/benchmarks.png",
        help="where to draw the chart (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        data = json.loads(args.results.read_text())
    except (OSError, ValueError) as error:
        # A usage error, not a traceback: the path or its contents are the user's to fix.
        parser.error(f"cannot read {args.results}: {error}")
    draw(data, args.chart)
    print(f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
