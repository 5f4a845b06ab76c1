"""A project signal with two receivers, for the clients that trace or list receivers."""

from django.dispatch import Signal, receiver

from djangoproject.shop.models import Category

order_placed = Signal()


@receiver(order_placed)
def send_confirmation(sender, order_id, **kwargs):
    return f"confirmation {order_id}"


@receiver(order_placed, sender=Category)
def update_stock(sender, order_id, **kwargs):
    if order_id == 0:
        raise ValueError("no such order")
    return f"stock {order_id}"
