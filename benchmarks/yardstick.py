"""The *yardstick*: a dispatcher generated for exactly the connected receivers.

``make_yardstick`` writes out, as Python source, the calls a ``send`` makes to
a fixed list of receivers, each as ``r(signal=..., sender=sender, a=a, b=b)``,
and returns the same ``[(receiver, response), ...]`` list as ``Signal.send``.
It is the fastest correct dispatcher for that exact set of receivers, so
"x yardstick" in the reports is a dispatcher's overhead over doing the calls
by hand (see /work/shared/PERF_NOTES.md). ``make_async_yardstick`` does the
same for ``asend``. ``adapters.Yardstick`` is how the scenarios use them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

#: The ``signal=`` argument the yardstick passes (the receivers ignore it).
YARDSTICK_SIGNAL = object()


def make_yardstick(
    receivers: Sequence[Callable[..., Any]], names: Sequence[str] = ("a", "b"), robust: bool = False
) -> Callable[..., list[tuple[Any, Any]]]:
    """Generate ``yardstick(sender, a, b)`` for exactly ``receivers``.

    It calls every receiver, in order, as ``r(signal=..., sender=sender, a=a, b=b)``
    and returns ``[(r, response), ...]``. With ``robust=True`` it also catches
    an ``Exception`` from each call and puts it in the list in place of the
    response, like ``send_robust``.
    """
    refs = [f"r{index}" for index in range(len(receivers))]
    call_args = ", ".join(["signal=SIGNAL", "sender=sender", *(f"{name}={name}" for name in names)])
    params = ", ".join(["sender", *names])
    lines = [f"def yardstick({params}):"]
    if robust:
        for index, ref in enumerate(refs):
            lines += [
                "    try:",
                f"        x{index} = {ref}({call_args})",
                "    except Exception as error:",
                f"        x{index} = error",
            ]
        items = ", ".join(f"({ref}, x{index})" for index, ref in enumerate(refs))
    else:
        items = ", ".join(f"({ref}, {ref}({call_args}))" for ref in refs)
    lines.append(f"    return [{items}]")
    filename = f"<yardstick for {len(receivers)} receivers>"
    return cast(Callable[..., Any], _compile("yardstick", lines, receivers, filename))


def make_async_yardstick(
    receivers: Sequence[Callable[..., Any]], asynchronous: bool, names: Sequence[str] = ("a", "b")
) -> Callable[..., Awaitable[list[tuple[Any, Any]]]]:
    """Generate ``async yardstick(sender, a, b)``: ``asend``'s work, written out by hand.

    Synchronous ``receivers`` are called by a generated synchronous yardstick
    inside one ``sync_to_async`` (in a worker thread, as ``asend`` must);
    asynchronous ones are awaited together under one ``asyncio.gather``.
    """
    params = ", ".join(["sender", *names])
    passed = ", ".join(f"{name}={name}" for name in names)
    if not asynchronous:
        from asgiref.sync import sync_to_async

        batch = sync_to_async(make_yardstick(receivers, names))
        lines = [f"async def yardstick({params}):", f"    return await BATCH(sender, {passed})"]
        filename = "<async yardstick, sync receivers>"
        return cast(Callable[..., Any], _compile("yardstick", lines, [], filename, BATCH=batch))
    refs = [f"r{index}" for index in range(len(receivers))]
    call_args = ", ".join(["signal=SIGNAL", "sender=sender", *(f"{name}={name}" for name in names)])
    calls = ", ".join(f"{ref}({call_args})" for ref in refs)
    lines = [
        f"async def yardstick({params}):",
        f"    return list(zip(RECEIVERS, await gather({calls})))",
    ]
    return cast(Callable[..., Any], _compile(
        "yardstick", lines, receivers, "<async yardstick, async receivers>",
        RECEIVERS=tuple(receivers), gather=asyncio.gather,
    ))


def _compile(name: str, lines: list[str], receivers: Sequence[Any], filename: str, **names: Any) -> Any:
    namespace: dict[str, Any] = {f"r{index}": r for index, r in enumerate(receivers)}
    namespace["SIGNAL"] = YARDSTICK_SIGNAL
    namespace.update(names)
    exec(compile("\n".join(lines) + "\n", filename, "exec"), namespace)
    return namespace[name]
