"""``list_receivers``: see ``cydispatch.inspect``."""
