"""Receivers connected by string sender before ``shop``'s models exist.

Django imports this module before ``shop.models`` (``audit`` comes first in
``INSTALLED_APPS``): ``ModelSignal`` keeps these connections pending and
makes them when ``shop.Product`` is registered.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from djangoproject.events import label, record


@receiver(post_save, sender="shop.Product", dispatch_uid="audit-product-saved")
def product_saved(sender, instance, created, **kwargs):
    record("audit post_save", label(sender), label(instance), created)


@receiver([post_save, post_delete], sender="shop.Category")
def category_changed(sender, signal, instance, **kwargs):
    record("audit category", "post_save" if signal is post_save else "post_delete", label(instance))
