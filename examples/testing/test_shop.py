"""Testing code that sends signals, with the fixtures of cydispatch's pytest plugin.

pytest loads the plugin wherever cydispatch is installed: no conftest is
needed. Run ``python -m pytest examples/testing``.
"""

from cydispatch import Signal, receiver

order_placed = Signal()
stock_changed = Signal()


class Shop:
    def place_order(self, order_id, items):
        order_placed.send(sender=Shop, order_id=order_id, items=items)
        for item in items:
            stock_changed.send(sender=Shop, item=item, change=-1)


@receiver(order_placed)
def send_confirmation(sender, order_id, **kwargs):
    return f"confirmation e-mail for order {order_id}"


def test_an_order_is_announced(capture_signal):
    sent = capture_signal(order_placed)
    Shop().place_order(42, ["tea"])
    call = sent.assert_sent_once(sender=Shop, order_id=42)
    assert call.named == {"order_id": 42, "items": ["tea"]}
    assert call.responses == [(send_confirmation, "confirmation e-mail for order 42")]


def test_stock_changes_once_per_item(capture_signal):
    stock = capture_signal(stock_changed)
    Shop().place_order(43, ["tea", "cake"])
    assert [call.named["item"] for call in stock.calls] == ["tea", "cake"]
    stock.assert_not_sent(item="coffee")


def test_no_e_mail_while_muted(capture_signal, mute_signals):
    mute_signals(order_placed, stock_changed)
    sent = capture_signal(order_placed)
    Shop().place_order(44, ["tea"])
    assert sent.assert_sent(order_id=44).receivers == []  # sent, and no receiver ran
