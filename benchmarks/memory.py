"""What a connection costs in memory, and what connect/disconnect cycles leave behind.

    python benchmarks/memory.py [--receivers N] [--cycles N]

Both figures come from ``tracemalloc`` (which sees every allocation made
through Python's allocators, the compiled backend's included), after a full
garbage collection, in this one process:

* **bytes per receiver**: connect ``N`` (default 10,000) distinct receivers
  to a fresh signal (weakly, the default; functions, then bound methods), send
  once (so lazily built per-sender caches exist too), and divide the growth of
  the traced memory by ``N``. The receivers themselves are made before tracing
  starts: only the signal's own bookkeeping is counted.
* **growth after cycles**: with 10 receivers connected, connect and
  disconnect one more receiver ``N`` times (default 100,000), and report
  what stays allocated afterwards. A dispatcher that cleans up after itself
  keeps nothing; Django 5.2 keeps one ``weakref.finalize`` per ``connect``
  (ticket 36939).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapters import ADAPTERS, BLINKER, COMPILED, DJANGO, DJANGO_CACHED, PSYGNAL_EMIT, PURE  # noqa: E402
from scenarios import Listener, _release_django_finalizers, make_function_receivers, make_senders  # noqa: E402

#: Library label -> the implementation id whose signal it uses (psygnal: one signal, two emits).
LIBRARIES: dict[str, str] = {
    COMPILED: COMPILED,
    PURE: PURE,
    DJANGO: DJANGO,
    DJANGO_CACHED: DJANGO_CACHED,
    BLINKER: BLINKER,
    "psygnal": PSYGNAL_EMIT,
}
RECEIVERS = 10_000
#: Receivers connected once, untraced, before a library is measured (see ``bytes_per_receiver``).
WARM_UP = 100
CYCLES = 100_000


@dataclass
class Memory:
    """One library's figures (None where it could not be measured, with ``error`` set)."""

    library: str
    per_function: float | None = None  #: bytes per weakly connected function receiver
    per_method: float | None = None  #: bytes per weakly connected bound-method receiver
    cycles: int = 0
    growth: int | None = None  #: bytes still allocated after ``cycles`` connect/disconnect cycles
    error: str | None = None

    @property
    def growth_per_cycle(self) -> float | None:
        return None if self.growth is None or not self.cycles else self.growth / self.cycles

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "growth_per_cycle": self.growth_per_cycle}


def _traced(action: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes still allocated after ``action()`` (and a full collection), and what it returned."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = action()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before, kept


def bytes_per_receiver(library: str, count: int = RECEIVERS, methods: bool = False) -> float:
    """Traced bytes per connected receiver: ``count`` distinct ones, weakly connected.

    The same work is done first on a small scale, untraced: a library's first
    connections load its code paths and caches and, for Django, modules it
    imports on first use, which are no connection's cost (they made Django
    6.1's figure a third higher).
    """
    adapter = ADAPTERS[LIBRARIES[library]]
    sender = make_senders(1)[0]

    def receivers_of(number: int) -> list[Any]:
        if methods:
            return [Listener(index) for index in range(number)]
        return make_function_receivers(number)

    def connect_all(made: list[Any]) -> Any:
        signal = adapter.new_signal()
        # Bound methods are made here and dropped at once: the signal alone keeps what it needs.
        for receiver in ([listener.on_signal for listener in made] if methods else made):
            adapter.connect(signal, receiver)
        adapter.send_once(signal, sender)
        assert adapter.connected_count(signal) == len(made)
        return signal

    _release_django_finalizers(connect_all(receivers_of(WARM_UP)))
    made = receivers_of(count)
    grown, signal = _traced(lambda: connect_all(made))
    _release_django_finalizers(signal)
    return grown / count


def cycle_growth(library: str, cycles: int = CYCLES) -> int:
    """Traced bytes left after ``cycles`` connect/disconnect cycles of one receiver, 10 others connected."""
    adapter = ADAPTERS[LIBRARIES[library]]
    signal = adapter.new_signal()
    others = make_function_receivers(10)
    for receiver in others:
        adapter.connect(signal, receiver)
    extra = make_function_receivers(1)[0]
    sender = make_senders(1)[0]

    def cycle(times: int) -> None:
        for _ in range(times):
            adapter.connect(signal, extra)
            adapter.disconnect(signal, extra)

    cycle(1000)  # warm up: caches, free lists, dict sizes settle
    adapter.send_once(signal, sender)
    grown, _ = _traced(lambda: cycle(cycles))
    assert adapter.connected_count(signal) == len(others)
    _release_django_finalizers(signal)
    return grown


def measure(library: str, receivers: int = RECEIVERS, cycles: int = CYCLES) -> Memory:
    memory = Memory(library, cycles=cycles)
    try:
        memory.per_function = bytes_per_receiver(library, receivers)
        memory.per_method = bytes_per_receiver(library, receivers, methods=True)
        memory.growth = cycle_growth(library, cycles)
    except Exception as error:  # reported in the table: an import error, a failed check
        memory.error = f"{type(error).__name__}: {error}"
    return memory


def measure_all(
    receivers: int = RECEIVERS, cycles: int = CYCLES, progress: Callable[[str], None] | None = None
) -> list[Memory]:
    results = []
    for library in LIBRARIES:
        if progress:
            progress(library)
        results.append(measure(library, receivers, cycles))
    return results


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} MB"
    if abs(value) >= 1e4:
        return f"{value / 1e3:,.1f} kB"
    return f"{value:,.0f} B"


def print_memory(results: list[Memory], receivers: int, cycles: int) -> None:
    header = (
        f"{'memory (tracemalloc)':<16} {'B/function':>11} {'B/method':>10} "
        f"{f'after {cycles:,} cycles':>22} {'per cycle':>10}"
    )
    print(header)
    print("-" * len(header))
    for memory in results:
        if memory.error:
            print(f"{memory.library:<16} ERROR: {memory.error}")
            continue
        per_cycle = memory.growth_per_cycle
        print(
            f"{memory.library:<16} {memory.per_function:>11,.0f} {memory.per_method:>10,.0f} "
            f"{fmt_bytes(memory.growth):>22} {'-' if per_cycle is None else f'{per_cycle:,.2f} B':>10}"
        )
    print(
        f"\nB/function, B/method: traced bytes per connected receiver ({receivers:,} distinct "
        "receivers connected weakly,\nand one send); after cycles: traced bytes still allocated "
        "after that many connect+disconnect\ncycles of one receiver, 10 others connected "
        "(Django keeps a weakref.finalize per connect).\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receivers", type=int, default=RECEIVERS, help=f"default {RECEIVERS:,}")
    parser.add_argument("--cycles", type=int, default=CYCLES, help=f"default {CYCLES:,}")
    args = parser.parse_args(argv)
    results = measure_all(args.receivers, args.cycles, lambda name: print(f"  measuring {name} ...", file=sys.stderr))
    print_memory(results, args.receivers, args.cycles)
    return 1 if any(memory.error for memory in results) else 0


if __name__ == "__main__":
    sys.exit(main())
