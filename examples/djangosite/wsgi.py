"""The example site's WSGI entry point (``gunicorn wsgi:application``)."""

import os

import cydispatch.django

cydispatch.django.install()  # before get_wsgi_application's import loads Django's signals

from django.core.wsgi import get_wsgi_application  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
application = get_wsgi_application()
