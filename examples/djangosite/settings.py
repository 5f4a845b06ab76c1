"""The settings of the example site: the least that runs Django's ORM and auth."""

SECRET_KEY = "example only"
DEBUG = True
# cydispatch.django: the list_receivers command, and the check cydispatch.W001,
# which warns when an entry point did not call install().
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "cydispatch.django"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "urls"
USE_TZ = True
