"""install() called after Django built its signals raises, and changes nothing."""

import django.core.signals  # noqa: F401 (Django builds its request signals here)

import cydispatch.django

try:
    cydispatch.django.install()
except RuntimeError as error:
    print(f"RuntimeError: {error}")
