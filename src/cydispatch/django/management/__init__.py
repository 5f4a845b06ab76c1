"""The management commands of ``cydispatch.django``."""
