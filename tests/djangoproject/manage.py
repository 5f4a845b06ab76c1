#!/usr/bin/env python
"""The test project's command line, as a project would have it.

``CYDISPATCH_TEST_STOCK=1`` leaves Django's dispatcher in place, for comparison.
"""

import os
import sys

if not os.environ.get("CYDISPATCH_TEST_STOCK"):
    import cydispatch.django

    cydispatch.django.install()  # before Django builds its signals


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoproject.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
