"""User code that must type-check under ``mypy --strict`` (run by tests/test_typing.py)."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

import cydispatch
from cydispatch import Signal, receiver

order_placed = Signal()
order_cancelled = Signal(use_caching=True)


@receiver(order_placed)
def on_order(sender: object, order_id: int, **kwargs: Any) -> str:
    return f"order {order_id}"


@receiver([order_placed, order_cancelled], dispatch_uid="audit")
async def audit(sender: object, **kwargs: Any) -> None:
    return None


# The decorator returns the function unchanged, with its own type.
assert_type(on_order(None, order_id=1), str)

responses = order_placed.send(sender=None, order_id=1)
for handler, response in responses:
    handler(signal=order_placed, sender=None)
    print(response)

disconnected: bool = order_placed.disconnect(on_order)
listening: bool = order_placed.has_listeners()
with order_placed.connected_to(on_order) as signal:
    assert_type(signal, Signal)
with order_placed.muted():
    pass
everyone = order_placed.receivers_for(None)
compiled: bool = cydispatch.USE_EXTENSIONS


async def main() -> None:
    results = await order_placed.asend(None, order_id=2)
    robust = await order_placed.asend_robust(None, order_id=2)
    print(results, robust)
