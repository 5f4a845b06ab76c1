"""The test project's settings for ``inspection``: cydispatch's app and one with receivers of every kind."""

from djangoproject.settings import *  # noqa: F403
from djangoproject.settings import INSTALLED_APPS

INSTALLED_APPS = ["cydispatch.django", *INSTALLED_APPS, "djangoproject.inventory"]
