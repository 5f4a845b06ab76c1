"""The example site's ASGI entry point (``uvicorn asgi:application``)."""

import os

import cydispatch.django

cydispatch.django.install()  # before get_asgi_application's import loads Django's signals

from django.core.asgi import get_asgi_application  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
application = get_asgi_application()
