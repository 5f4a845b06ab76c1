"""``python -m cydispatch.django COMMAND ...``: ``django-admin COMMAND ...`` with Django's signals on cydispatch.

``django-admin`` and ``python -m django`` run no code of the project before
Django loads its signals (the settings module is imported after
``django.core.signals``), so there is no place in them for ``install()``.
This is the same command line with ``install()`` first::

    DJANGO_SETTINGS_MODULE=mysite.settings python -m cydispatch.django migrate

As with ``django-admin``, the settings come from ``DJANGO_SETTINGS_MODULE``
or ``--settings``; like ``python -m``, the current directory is on the path.
"""

import sys

from . import install

install()

from django.core.management import execute_from_command_line  # noqa: E402 - after install(), on purpose

if __name__ == "__main__":
    execute_from_command_line(["python -m cydispatch.django", *sys.argv[1:]])
