"""Receivers of every kind, for ``list_receivers`` (``djangoproject.inspection``) to list.

Connected in ``InventoryConfig.ready()``. None of them writes to the log:
they are here to be listed, not called.
"""

import functools

from django.core.signals import request_finished
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from djangoproject.inventory.models import Stock
from djangoproject.inventory.signals import restocked


@receiver(post_save, sender=Stock)
def stock_saved(sender, instance, created, **kwargs):
    pass


def stock_deleting(sender, instance, **kwargs):
    pass


pre_delete.connect(stock_deleting, sender=Stock, weak=False)


@receiver(pre_save, sender=Stock, dispatch_uid="inventory-pre-save")
def stock_saving(sender, instance, **kwargs):
    pass


class Auditor:
    def on_save(self, sender, instance, **kwargs):
        pass


AUDITOR = Auditor()
post_save.connect(AUDITOR.on_save, sender=Stock)


@receiver(restocked)
async def notify_restock(sender, **kwargs):
    pass


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, sender, **kwargs):
        self.count += 1


COUNTER = Counter()
restocked.connect(COUNTER)


def log_restock(prefix, sender, **kwargs):
    pass


restocked.connect(functools.partial(log_restock, "partial"), weak=False, dispatch_uid=("inventory", 1))


class Supplier:
    """A sender that is not a model."""


@receiver(restocked, sender=Supplier)
def supplier_restocked(sender, **kwargs):
    pass


@receiver(request_finished)
def request_done(sender, **kwargs):
    pass


@receiver(post_delete)
def anything_deleted(sender, instance, **kwargs):
    """Connected to every sender: listed for every model."""
