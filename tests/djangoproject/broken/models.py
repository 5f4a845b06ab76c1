"""A receiver waiting for a model that ``shop`` does not have: ``signals.E001``."""

from django.db.models.signals import post_save


def on_missing(sender, **kwargs):
    pass


post_save.connect(on_missing, sender="shop.Missing")
