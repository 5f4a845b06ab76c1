from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "djangoproject.inventory"
    label = "inventory"

    def ready(self):
        from djangoproject.inventory import receivers  # noqa: F401 - connects them
