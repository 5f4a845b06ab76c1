"""The test project plus an app that connects a receiver to a model that does not exist."""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "djangoproject.broken"]
