"""The inventory app's own signal."""

from django.dispatch import Signal

restocked = Signal()
