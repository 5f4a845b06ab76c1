from django.apps import AppConfig
from django.core import checks


def report_backend(app_configs, **kwargs):
    """Say which dispatcher ``post_save`` runs on, so that a test sees it in ``check``'s output."""
    from django.db.models.signals import post_save

    # The class that defines send_robust: the backend's (or Django's own).
    base = next(cls for cls in type(post_save).__mro__ if "send_robust" in vars(cls))
    return [checks.Info(f"post_save runs on {base.__module__}", id="broken.I001")]


class BrokenConfig(AppConfig):
    name = "djangoproject.broken"
    label = "broken"

    def ready(self):
        checks.register(report_backend)
