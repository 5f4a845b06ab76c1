"""Draw the chart of a ``compare.py`` run (matplotlib, from the ``bench`` extra).

    python benchmarks/chart.py RESULTS.json [CHART.png]

``compare.py`` draws it itself; this redraws one from the JSON it wrote
(``compare.py --json RESULTS.json``). Two PNG files, each legible at the width
of a page: the times (``CHART.png``: one row per scenario, each
implementation's time over Django's on a log axis) and the memory figures
(``CHART-memory.png``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

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
#: The markers of the time chart: implementation -> (marker, size, filled). The
#: compiled backend is drawn largest and on top; the yardstick is a vertical tick.
MARKERS: dict[str, tuple[str, float, bool]] = {
    "yardstick": ("|", 260, True),
    "cydispatch-c": ("o", 150, True),
    "cydispatch-py": ("o", 70, True),
    "django-cached": ("D", 55, True),
    "blinker": ("s", 55, True),
    "psygnal.emit": ("^", 60, False),
    "psygnal.emit_fast": ("v", 60, False),
}
#: Font sizes, in points, for a chart read at the width of a page (about 7 inches).
FONT = {"title": 15, "label": 12.5, "tick": 11.5, "note": 10.5, "legend": 11.5}
WIDTH = 9.0  # inches, at 110 dpi: about 1,000 pixels, shown at about three quarters of that


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


def fmt_ratio(value: float) -> str:
    """A ratio to Django, as ``0.13×``, ``0.00055×``: two significant digits below 0.1, never ``0.00×``."""
    if value >= 0.1:
        return f"{value:.2f}×"
    return f"{value:.{1 - math.floor(math.log10(value))}f}×"


def _fmt_bytes(value: float) -> str:
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= size:
            return f"{value / size:,.1f} {unit}"
    return f"{value:,.0f} B"


def memory_path(path: str | Path) -> Path:
    """Where the memory chart goes beside the time chart ``path``: ``NAME-memory.png``."""
    path = Path(path)
    return path.with_name(f"{path.stem}-memory{path.suffix}")


def draw(data: dict[str, Any], path: str | Path) -> list[Path]:
    """Draw ``data`` (the JSON document of ``compare.py``): the times into the PNG ``path``.

    The memory figures, if any, go into a second PNG beside it (``memory_path``),
    or into ``path`` when there are no times. Two charts rather than one, each
    legible at the width of a page. Returns the files written.
    """
    scenarios = data["scenarios"]
    memories = data.get("memory")
    if not scenarios and not memories:
        raise ValueError("nothing to draw: no scenario and no memory figures")
    written = []
    if scenarios:
        written.append(_save(_times_figure(data), path))
    if memories:
        written.append(_save(_memory_figure(data), memory_path(path) if scenarios else path))
    return written


def _save(fig: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def _environment_line(data: dict[str, Any]) -> str:
    env, settings = data["environment"], data["settings"]
    return (
        f"{env['implementation']} {env['python'].split()[0]}, {env['cpu']}, {env['cpus']} CPUs; "
        f"Django {env.get('django', '?')}, blinker {env.get('blinker', '?')}, psygnal {env.get('psygnal', '?')}; "
        f"median of {settings['rounds']} interleaved rounds"
    )


def _times_figure(data: dict[str, Any]) -> Any:
    """One row per scenario; each implementation's time over Django's on a log axis: left is faster."""
    scenarios = data["scenarios"]
    described = data["implementations"]
    names = [name for name in data["implementations"] if name in MARKERS]
    height = 2.1 + 0.42 * len(scenarios)
    fig, ax = plt.subplots(figsize=(WIDTH, height), dpi=110)
    # Inches from the top: title, environment (two lines), legend (two rows), then the axes.
    fig.subplots_adjust(left=0.37, right=0.8, top=1 - 1.95 / height, bottom=0.6 / height)
    ratios = [
        r["x_django"] for s in scenarios for n, r in s["results"].items() if n in MARKERS and r.get("x_django")
    ]
    left, right = 10 ** math.floor(math.log10(min(ratios + [0.1]))), 10 ** math.ceil(math.log10(max(ratios + [2])))
    for row, scenario in enumerate(scenarios):
        if row % 2 == 0:
            ax.axhspan(row - 0.5, row + 0.5, color="#f3f3f3", zorder=0, linewidth=0)
        for name in names:
            result = scenario["results"].get(name, {})
            value = result.get("x_django")
            if not value:
                continue
            marker, size, filled = MARKERS[name]
            colour = STYLE.get(name, ("#444444", ""))[0]
            if marker == "|":  # a line marker: its colour is its face's
                ax.scatter(value, row, s=size, marker=marker, color=colour, linewidths=2.5, zorder=3)
                continue
            ax.scatter(
                value, row, s=size, marker=marker, zorder=4 if name == "cydispatch-c" else 3,
                facecolors=colour if filled else "none", edgecolors="white" if filled else colour,
                linewidths=0.8 if filled else 1.6,
            )
        compiled = scenario["results"].get("cydispatch-c", {})
        if compiled.get("x_django"):
            ax.annotate(
                f"{fmt_ratio(compiled['x_django'])}  {fmt_ns(compiled['ns_per_call'])}", (1, row),
                xycoords=("axes fraction", "data"), xytext=(8, 0), textcoords="offset points",
                va="center", fontsize=FONT["tick"], color=STYLE["cydispatch-c"][0], fontweight="bold",
            )
    ax.axvline(1, color=STYLE["django"][0], linewidth=2, zorder=2)
    ax.text(1, -0.9, "Django = 1 ", color=STYLE["django"][0], fontsize=FONT["note"], va="bottom", ha="right")
    ax.set_xscale("log")
    ax.set_xlim(left, right)
    decades = range(round(math.log10(left)), round(math.log10(right)) + 1)
    step = 1 if len(decades) <= 6 else 2  # labels that do not touch at this width
    ax.set_xticks([10.0**k for k in decades])  # a grid line each decade, a label every step
    ax.minorticks_off()
    ax.set_ylim(len(scenarios) - 0.5, -1)
    ax.set_yticks(range(len(scenarios)), [s["title"] for s in scenarios], fontsize=FONT["label"])
    ax.tick_params(axis="x", labelsize=FONT["tick"])
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_formatter(
        lambda value, _: "" if round(math.log10(value)) % step
        else f"{value:.{max(0, -math.floor(math.log10(value)))}f}×" if value < 1 else f"{value:g}×"
    )
    ax.set_xlabel("time per call over Django's Signal(use_caching=False), log scale: left is faster",
                  fontsize=FONT["label"])
    ax.grid(axis="x", which="major", color="#cccccc", linewidth=0.8)
    ax.set_axisbelow(True)
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
    ax.text(1.0, -0.9, "cydispatch compiled ", transform=ax.get_yaxis_transform(), ha="left", va="bottom",
            fontsize=FONT["note"], color=STYLE["cydispatch-c"][0], fontweight="bold")
    handles = [
        Line2D([], [], linestyle="none", marker=MARKERS[name][0], markersize=MARKERS[name][1] ** 0.5,
               markerfacecolor=STYLE[name][0] if MARKERS[name][2] else "none",
               markeredgecolor=STYLE[name][0] if MARKERS[name][0] == "|" or not MARKERS[name][2] else "white",
               markeredgewidth=2.5 if MARKERS[name][0] == "|" else 1.6 if not MARKERS[name][2] else 0.8,
               label=described[name]["label"])
        for name in names
    ]
    fig.text(0.5, 1 - 0.3 / height, "cydispatch against Django, blinker and psygnal: time per call",
             ha="center", va="center", fontsize=FONT["title"], fontweight="bold")
    fig.text(0.5, 1 - 0.75 / height, _environment_line(data).replace("; Django", ";\nDjango", 1)
             + ". *: does less; no mark: the library cannot do it.",
             ha="center", va="center", fontsize=FONT["note"], color="#444444", linespacing=1.3)
    fig.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, 1 - 1.4 / height), ncol=4,
               fontsize=FONT["legend"], frameon=False, handletextpad=0.3, columnspacing=1.0)
    return fig


def _memory_figure(data: dict[str, Any]) -> Any:
    fig, (ax_size, ax_growth) = plt.subplots(1, 2, figsize=(WIDTH, 4.6), dpi=110)
    _draw_memory(ax_size, ax_growth, data["memory"], data["settings"])
    fig.suptitle("Memory: per connected receiver, and left after connect + disconnect cycles",
                 fontsize=FONT["title"] - 1, fontweight="bold")
    fig.tight_layout()
    return fig


def _draw_memory(ax_size: Any, ax_growth: Any, memories: list[dict[str, Any]], settings: dict[str, Any]) -> None:
    measured = [m for m in memories if not m.get("error")]
    names = [m["library"] for m in measured]
    positions = range(len(measured))
    width = 0.4
    for offset, key, text in ((-width / 2, "per_function", "functions"), (width / 2, "per_method", "bound methods")):
        values = [m[key] for m in measured]
        bars = ax_size.bar([p + offset for p in positions], values, width, color=MEMORY_COLOURS[key], label=text)
        ax_size.bar_label(bars, labels=[f"{v:,.0f}" for v in values], fontsize=FONT["note"] - 1.5, padding=1)
    receivers = settings.get("memory", {}).get("receivers", 0)
    ax_size.set_title(f"bytes per receiver ({receivers:,} connected, weak)", fontsize=FONT["label"])
    ax_size.set_xticks(list(positions), names, rotation=30, ha="right", fontsize=FONT["tick"])
    ax_size.legend(fontsize=FONT["note"])
    ax_size.tick_params(axis="y", labelsize=FONT["note"])
    ax_size.margins(y=0.15)

    cycles = settings.get("memory", {}).get("cycles", 0)
    growth = [max(m["growth"], 0) for m in measured]
    colours = ["#d9631e" if g > 1e5 else "#1f5fa8" for g in growth]
    bars = ax_growth.bar(list(positions), growth, 0.6, color=colours)
    ax_growth.bar_label(bars, labels=[_fmt_bytes(m["growth"]) for m in measured], fontsize=FONT["note"] - 1.5,
                        padding=1)
    ax_growth.set_title(f"left after {cycles:,} connect+disconnect cycles", fontsize=FONT["label"])
    ax_growth.set_xticks(list(positions), names, rotation=30, ha="right", fontsize=FONT["tick"])
    ax_growth.tick_params(axis="y", labelsize=FONT["note"])
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
    for written in draw(data, args.chart):
        print(f"chart: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
