"""How each implementation's cost grows with N: a sweep, and its log-log chart.

    python benchmarks/scaling.py [--quick] [--json FILE] [--chart FILE] [--docs] [--rounds R] [--min-time SECONDS]

Four sweeps; each point is one scenario of ``scenarios.py``, measured by
``compare.measure`` (every implementation that can do it, on the same
receivers, interleaved rounds, gc off, the median in ns per operation):

* ``send``: ns per send against N live senders sent from in turn
  (``live_senders_scenario``: N instances of one plain class, 3 function
  receivers connected for any sender), N = 1 ... 100,000;
* ``connect``: ns per connect+disconnect of one receiver against N others
  connected (``connect_disconnect_scenario``), N = 10 ... 30,000;
* ``disconnect-first`` and ``disconnect-random``: ns per disconnect, N
  receivers connected and every one disconnected, first connected first or
  in random order (``disconnect_scenario``), N = 10 ... 30,000. Where a
  library scans for the receiver, random order is quadratic: those are
  measured up to ``SCANNED_DISCONNECTS_UP_TO`` receivers.

The chart (``.benchmarks/scaling.png`` in the current directory unless
``--chart``; the data in ``.benchmarks/scaling.json`` unless ``--json``;
``--docs`` writes the manual's copies, ``docs/scaling.png`` and
``docs/scaling.json``, instead) has a panel per sweep: x = N,
y = ns per operation, both logarithmic, a line per implementation and the
yardstick dashed. A flat line is a constant cost; a line parallel to the
diagonal is a cost linear in N. The machine is noisy: read slopes, not
single points, and repeat a run before believing a bump.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare  # noqa: E402
from scenarios import (  # noqa: E402
    DISCONNECT_ORDERS,
    IMPLEMENTATIONS,
    YARDSTICK,
    Scenario,
    connect_disconnect_scenario,
    disconnect_scenario,
    live_senders_scenario,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: Where a run writes unless told: beside compare.py's chart, in the current
#: directory, never over the committed figures of the manual (``--docs``).
OUTPUT = Path(".benchmarks")
#: (rounds, seconds per timing run): the quick ones keep the whole sweep under a minute.
FULL = compare.FULL
QUICK = (5, 0.01)


#: Sweep name -> (panel title, x axis, y axis, scenario of size N, the sizes).
SWEEPS: dict[str, tuple[str, str, str, Callable[[int], Scenario], tuple[int, ...]]] = {
    "send": (
        "send, 3 receivers for any sender, from N live senders in turn",
        "N live senders (each send from the next)", "ns per send",
        live_senders_scenario, (1, 10, 100, 1_000, 10_000, 100_000),
    ),
    "connect": (
        "connect+disconnect one receiver, N others connected",
        "N receivers connected", "ns per connect+disconnect",
        connect_disconnect_scenario, (10, 100, 1_000, 10_000, 30_000),
    ),
    **{
        f"disconnect-{order}": (
            f"disconnect all N receivers, {described}",
            "N receivers connected, then all disconnected", "ns per disconnect",
            lambda count, order=order: disconnect_scenario(count, order), (10, 100, 1_000, 3_000, 10_000, 30_000),
        )
        for order, described in DISCONNECT_ORDERS.items()
    },
}


def run(rounds: int, seconds: float, progress: Callable[[str], None] = lambda title: None) -> list[dict[str, Any]]:
    """Measure every sweep; each point holds ``compare.series_json`` of its scenario."""
    sweeps = []
    for name, (title, x_label, y_label, scenario_of, sizes) in SWEEPS.items():
        points = []
        for size in sizes:
            scenario = scenario_of(size)
            progress(scenario.title)
            series = compare.measure(scenario, rounds, seconds)
            points.append({"n": size, "scenario": scenario.name, "results": compare.series_json(scenario, series)})
        sweeps.append({"name": name, "title": title, "x_label": x_label, "y_label": y_label, "points": points})
    return sweeps


def lines(sweep: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """Implementation -> its measured points ``(N, ns)``; none for those that cannot do the sweep."""
    out: dict[str, list[tuple[int, float]]] = {}
    for point in sweep["points"]:
        for name, result in point["results"].items():
            if result.get("ns_per_call"):
                out.setdefault(name, []).append((point["n"], result["ns_per_call"]))
    return out


def print_sweeps(sweeps: list[dict[str, Any]]) -> None:
    names = list(IMPLEMENTATIONS)
    for sweep in sweeps:
        print(f"{sweep['y_label']}, median, against {sweep['x_label']}")
        print(f"{'N':>9}" + "".join(f"{compare.SHORT_NAMES[n]:>11}" for n in names))
        for point in sweep["points"]:
            cells = ""
            for n in names:
                result = point["results"][n]
                cell = "n/a" if "unsupported" in result else "ERROR" if result["error"] else None
                cells += f"{cell or compare.fmt_ns(result['ns_per_call']):>11}"
            print(f"{point['n']:>9,}{cells}")
        print()


def draw(data: dict[str, Any], path: str | Path) -> None:
    """Draw ``data`` (this module's JSON document) into the PNG ``path``: a log-log panel per sweep, two a row."""
    # matplotlib (the bench extra) is needed for the picture only.
    import chart
    import matplotlib.pyplot as plt

    sweeps = data["sweeps"]
    columns = min(2, len(sweeps))
    rows = -(-len(sweeps) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6.2 * columns, 1.2 + 4.6 * rows), dpi=110, squeeze=False)
    for ax in axes.flat[len(sweeps):]:
        ax.set_visible(False)
    for ax, sweep in zip(axes.flat, sweeps):
        for name, points in lines(sweep).items():
            colour = chart.STYLE.get(name, ("#444444", ""))[0]
            dashed = name == YARDSTICK
            ax.plot(
                [n for n, _ in points], [ns for _, ns in points], label=data["implementations"][name]["label"],
                color="#555555" if dashed else colour, linestyle="--" if dashed else "-",
                marker="" if dashed else "o", markersize=3.5, linewidth=1.4,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(sweep["title"], fontsize=9.5)
        ax.set_xlabel(f"{sweep['x_label']} (log scale)", fontsize=8.5)
        ax.set_ylabel(f"{sweep['y_label']}, median (log scale)", fontsize=8.5)
        ax.yaxis.set_major_formatter(lambda value, _: chart.fmt_ns(value))
        ax.tick_params(labelsize=7.5)
        ax.grid(which="major", color="#dddddd", linewidth=0.6)
        drawn = lines(sweep)
        missing = [data["implementations"][n]["label"] for n in IMPLEMENTATIONS if n not in drawn]
        largest = sweep["points"][-1]["n"]
        # Where an implementation is too slow to measure at the largest sizes (see scaling.json's notes).
        cut = [f"{data['implementations'][n]['label']} (up to {points[-1][0]:,})"
               for n, points in drawn.items() if points[-1][0] < largest]
        notes = ([f"not drawn (cannot do it): {', '.join(missing)}"] if missing else []) + (
            [f"measured up to a smaller N only: {', '.join(cut)}"] if cut else [])
        if notes:
            ax.text(0.01, 0.01, "\n".join(notes), transform=ax.transAxes,
                    fontsize=6.5, color="#777777", style="italic")
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    top = 1 - 1.0 / (1.2 + 4.6 * rows)
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, top), ncol=4, fontsize=8, frameon=False)
    env, settings = data["environment"], data["settings"]
    fig.suptitle(
        f"Cost against N, log-log — {env['implementation']} {env['python'].split()[0]}, "
        f"Django {env.get('django', '?')}, {env['cpu']}, {env['cpus']} CPUs",
        fontsize=11.5, fontweight="bold",
    )
    fig.text(
        0.5, 0.005,
        f"one process, same receivers; median of {settings['rounds']} interleaved rounds of "
        f"~{settings['seconds_per_run'] * 1000:g} ms, gc off; blinker {env.get('blinker', '?')}, psygnal "
        f"{env.get('psygnal', '?')}; dashed: the yardstick (the receivers' calls written by hand); "
        "*: does less (no sender filter, no results).",
        ha="center", fontsize=7.5, color="#444444",
    )
    fig.tight_layout(rect=(0, 0.03, 1, top - 0.05 / rows))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (under a minute)")
    parser.add_argument("--json", metavar="FILE", help=f"write the data to FILE (default: {OUTPUT / 'scaling.json'})")
    parser.add_argument("--chart", metavar="FILE", help=f"draw the chart into FILE (default: {OUTPUT / 'scaling.png'})")
    parser.add_argument(
        "--docs", action="store_true",
        help="write the manual's figures instead, docs/scaling.json and docs/scaling.png of this checkout",
    )
    parser.add_argument("--rounds", type=int, help=f"rounds per point (default: {FULL[0]}, quick: {QUICK[0]})")
    parser.add_argument("--min-time", type=float, metavar="SECONDS",
                        help=f"seconds per timing run (default: {FULL[1]}, quick: {QUICK[1]})")
    args = parser.parse_args(argv)
    if args.docs and (args.json or args.chart):
        parser.error("--docs writes the manual's files: give it without --json and --chart")
    folder = DOCS if args.docs else OUTPUT
    args.json = args.json or str(folder / "scaling.json")
    args.chart = args.chart or str(folder / "scaling.png")
    rounds, seconds = QUICK if args.quick else FULL
    rounds, seconds = args.rounds or rounds, args.min_time or seconds

    info = compare.environment()
    started = time.perf_counter()
    sweeps = run(rounds, seconds, lambda title: print(f"  measuring: {title} ...", file=sys.stderr, flush=True))
    settings = {"rounds": rounds, "seconds_per_run": seconds, "quick": args.quick,
                "elapsed_s": time.perf_counter() - started}
    info["load average after"] = compare.load_average()
    print_sweeps(sweeps)
    print(f"(measured in {settings['elapsed_s']:.0f} s; load average before: {info['load average']}, "
          f"after: {info['load average after']})")
    data = {
        "environment": info,
        "settings": settings,
        "implementations": {name: {"description": text, "label": compare.label(name)}
                            for name, text in IMPLEMENTATIONS.items()},
        "sweeps": sweeps,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(data, indent=2) + "\n")
    print(f"results: {args.json}")
    draw(data, args.chart)
    print(f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
