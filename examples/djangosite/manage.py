#!/usr/bin/env python
"""The example site's command line: Django's manage.py with cydispatch installed first."""

import os
import sys

import cydispatch.django

cydispatch.django.install()  # before anything imports Django's signals


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
