"""``asend`` and ``asend_robust`` with asynchronous receivers, against Django and a hand-written equivalent.

    python benchmarks/asend.py [--rounds 7] [--number 1000]

Times, in one process and interleaved (this machine is noisy: compare the
ratios), the compiled and pure backends, the installed Django's ``Signal``,
and the *hand-written* equivalent: the receivers' calls written out for
exactly this set, with the semantics ``cydispatch._bridge`` gives them on the
installed Django (a task group sharing one copy of the context from Django
6.1, tasks gathered in one shared copy before; what the receivers changed in
it set in the caller's context afterwards, ticket 36714). Each figure is the
median over the rounds (the first two are warm-up) of the microseconds per
call, ``number`` calls awaited in one run of the loop; the rounds time the
implementations in a rotating order, with the garbage collector off inside
each timing run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import functools
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402
import django.dispatch  # noqa: E402
from scenarios import make_async_receivers  # noqa: E402

from cydispatch import _cdispatch, _pydispatch  # noqa: E402
from cydispatch._flavour import TASK_GROUP  # noqa: E402

SIGNAL = object()  #: what the hand-written equivalent passes as ``signal``
MISSING = object()
#: (title, receivers, robust) of each case
CASES = (("asend, 1 async receiver", 1, False), ("asend, 10 async", 10, False), ("asend_robust, 10 async", 10, True))
IMPLEMENTATIONS = ("hand-written", "django", "compiled", "pure")


def restore(context: contextvars.Context, before: contextvars.Context) -> None:
    """Carry the receivers' context changes back to the caller, as Django 6.1 does."""
    for variable, value in context.items():
        if before.get(variable, MISSING) is not value:
            variable.set(value)


def hand_written(receivers: Sequence[Callable[..., Any]], robust: bool) -> Callable[[Any], Awaitable[Any]]:
    """``asend(sender, a=1, b=2)`` (or ``asend_robust``) for exactly ``receivers``, written out."""

    async def caught(receiver: Callable[..., Any], sender: Any) -> Any:
        try:
            return await receiver(signal=SIGNAL, sender=sender, a=1, b=2)
        except Exception as err:
            return err

    def calls(sender: Any) -> list[Any]:
        if robust:
            return [caught(receiver, sender) for receiver in receivers]
        return [receiver(signal=SIGNAL, sender=sender, a=1, b=2) for receiver in receivers]

    async def in_task_group(sender: Any) -> Any:
        before, shared = contextvars.copy_context(), contextvars.copy_context()
        try:
            async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined,unused-ignore]
                tasks = [group.create_task(call, context=shared) for call in calls(sender)]
        except BaseExceptionGroup as failures:  # type: ignore[name-defined,unused-ignore]  # noqa: F821
            if len(failures.exceptions) == 1:
                raise failures.exceptions[0]  # noqa: B904 - as Django does
            raise
        finally:
            restore(shared, before)
        return list(zip(receivers, [task.result() for task in tasks]))

    async def gathered(sender: Any) -> Any:
        before, shared = contextvars.copy_context(), contextvars.copy_context()
        loop = asyncio.get_running_loop()
        try:
            results = await asyncio.gather(*(loop.create_task(call, context=shared) for call in calls(sender)))
        finally:
            restore(shared, before)
        return list(zip(receivers, results))

    return in_task_group if TASK_GROUP else gathered


async def timed(call: Callable[[], Awaitable[Any]], number: int) -> float:
    """Microseconds per call, the collection of the reference cycles the calls left included."""
    clock = time.perf_counter
    started = clock()
    for _ in range(number):
        await call()
    gc.collect(0)
    return (clock() - started) / number * 1e6


def measure(rounds: int, number: int) -> dict[str, dict[str, float]]:
    """Case title -> implementation -> median microseconds per call."""
    loop = asyncio.new_event_loop()
    medians = {}
    try:
        for title, count, robust in CASES:
            receivers = make_async_receivers(count)
            sender = object()
            calls: dict[str, Callable[[], Awaitable[Any]]] = {}
            by_hand = hand_written(receivers, robust)
            calls["hand-written"] = functools.partial(by_hand, sender)
            signals = []
            for name, module in (("django", django.dispatch), ("compiled", _cdispatch), ("pure", _pydispatch)):
                signal = module.Signal()
                for receiver in receivers:
                    signal.connect(receiver)
                signals.append(signal)
                method = signal.asend_robust if robust else signal.asend
                calls[name] = functools.partial(method, sender, a=1, b=2)
            expected = [response for _, response in loop.run_until_complete(calls["hand-written"]())]
            for name, call in calls.items():
                got = [response for _, response in loop.run_until_complete(call())]
                assert got == expected, (name, got, expected)
            times: dict[str, list[float]] = {name: [] for name in calls}
            names = list(calls)
            for turn in range(rounds):
                # A rotating order, and no garbage collection inside a timing
                # run but of its own cycles, at its end: neither the order nor
                # another's garbage favours one.
                for name in names[turn % len(names):] + names[:turn % len(names)]:
                    gc.collect()
                    gc.disable()
                    try:
                        times[name].append(loop.run_until_complete(timed(calls[name], number)))
                    finally:
                        gc.enable()
            medians[title] = {name: statistics.median(values[2:]) for name, values in times.items()}
    finally:
        loop.close()
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="default: %(default)s (the first two are warm-up)")
    parser.add_argument("--number", type=int, default=1000, help="calls per round (default: %(default)s)")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, Django {django.get_version()}, microseconds per call (median)")
    for title, figures in measure(max(args.rounds, 3), args.number).items():
        row = "  ".join(f"{name} {figures[name]:6.1f}" for name in IMPLEMENTATIONS)
        ratios = "  ".join(
            f"{name}/{base} {figures[name] / figures[base]:.2f}"
            for name in ("compiled", "pure") for base in ("django", "hand-written")
        )
        print(f"{title:24} {row}  | {ratios}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
