"""The test project's settings for ``clients``: one in-memory database shared by all threads."""

from djangoproject.settings import *  # noqa: F403

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "file:clients?mode=memory&cache=shared"}
}
