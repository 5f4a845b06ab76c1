"""Settings of the test project: SQLite in memory, no migrations, quiet logs."""

SECRET_KEY = "cydispatch-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
INSTALLED_APPS = ["djangoproject.audit", "djangoproject.shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ROOT_URLCONF = "djangoproject.urls"
MIDDLEWARE: list[str] = []
TEMPLATES: list[dict[str, object]] = []
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    # The 500 that a scenario provokes on purpose is not news.
    "loggers": {"django.request": {"handlers": ["null"], "propagate": False}},
}
