"""A first look at cydispatch: the same API as django.dispatch, no Django project needed.

Run it with ``python examples/quickstart.py``.
"""

import cydispatch
from cydispatch import Signal, receiver

order_placed = Signal()


class Shop:
    pass


@receiver(order_placed, sender=Shop)
def send_confirmation(sender, order_id, **kwargs):
    return f"confirmation e-mail for order {order_id}"


class Inventory:
    def reserve(self, sender, order_id, **kwargs):
        return f"stock reserved for order {order_id}"


def show(results):
    for receiver_function, response in results:
        print(f"{receiver_function.__qualname__:>22}: {response!r}")


print(f"compiled backend in use: {cydispatch.USE_EXTENSIONS}")
inventory = Inventory()
order_placed.connect(inventory.reserve)  # a weak reference to a bound method
show(order_placed.send(sender=Shop, order_id=42))

del inventory  # weakly connected receivers go away with their objects
print("receivers left:", [r.__qualname__ for r, _ in order_placed.send(Shop, order_id=43)])
